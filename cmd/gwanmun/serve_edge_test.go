package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/web"
)

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs serveOn with f and returns the public base URL.
func startServe(t *testing.T, f *serveFlags) string {
	t.Helper()
	ca, err := pki.NewDevCA("GWANMUN-METRICS")
	if err != nil {
		t.Fatal(err)
	}
	f.devCA = t.TempDir()
	if err := ca.Save(f.devCA); err != nil {
		t.Fatal(err)
	}
	f.siteName = "관문 테스트"
	v, err := f.verifier()
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		if err := serveOn(ctx, ln, f, st, v, slog.New(slog.NewTextHandler(io.Discard, nil)), pw, web.Config{}); err != nil {
			t.Errorf("serve: %v", err)
		}
		pw.Close()
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.Contains(line, "serving on") {
		t.Fatalf("serve printed %q, %v", line, err)
	}
	go io.Copy(io.Discard, pr)
	return "http://" + ln.Addr().String()
}

func getMetrics(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeMetricsListener: /metrics (169 KB of per-route figures) was
// public. With -metrics-addr it is served there and the public listener
// answers 404; with -metrics-token-file both ask for the bearer token.
func TestServeMetricsListener(t *testing.T) {
	t.Run("separate address", func(t *testing.T) {
		f := &serveFlags{}
		f.metricsAddr = freeAddr(t)
		base := startServe(t, f)
		getMetrics(t, base+"/", "")
		if code, _ := getMetrics(t, base+"/metrics", ""); code != http.StatusNotFound {
			t.Errorf("public /metrics: %d, want 404", code)
		}
		code, body := getMetrics(t, "http://"+f.metricsAddr+"/metrics", "")
		if code != http.StatusOK || !strings.Contains(body, "gwanmun_http_requests_total") {
			t.Errorf("metrics address: %d %.200s", code, body)
		}
	})
	t.Run("token", func(t *testing.T) {
		tokenFile := filepath.Join(t.TempDir(), "token")
		const token = "0123456789abcdef0123456789abcdef-metrics"
		if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f := &serveFlags{}
		f.metricsAddr, f.metricsTokenFile = freeAddr(t), tokenFile
		base := startServe(t, f)
		for _, url := range []string{base + "/metrics", "http://" + f.metricsAddr + "/metrics"} {
			if code, _ := getMetrics(t, url, ""); code != http.StatusNotFound {
				t.Errorf("%s without the token: %d, want 404", url, code)
			}
			if code, _ := getMetrics(t, url, "wrong"); code != http.StatusNotFound {
				t.Errorf("%s with a wrong token: %d, want 404", url, code)
			}
			if code, body := getMetrics(t, url, token); code != http.StatusOK || !strings.Contains(body, "gwanmun_http_requests_total") {
				t.Errorf("%s with the token: %d %.200s", url, code, body)
			}
		}
	})
	t.Run("short token", func(t *testing.T) {
		tokenFile := filepath.Join(t.TempDir(), "token")
		os.WriteFile(tokenFile, []byte("short"), 0o600)
		f := &edgeFlags{metricsTokenFile: tokenFile}
		if err := f.applyEdge(&web.Config{}); err == nil {
			t.Error("a 5-byte metrics token was accepted")
		}
		f = &edgeFlags{trustedProxies: "10.0.0.1, proxy.example"}
		if err := f.applyEdge(&web.Config{}); err == nil {
			t.Error("a host name was accepted as a trusted proxy")
		}
	})
}
