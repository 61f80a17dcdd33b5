package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// proxyClient is a browser on its own loopback address (127.0.0.N) that
// reaches gwanmun through a reverse proxy.
type proxyClient struct {
	hc    *http.Client
	base  string
	token string
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

func newProxyClient(t *testing.T, base, ip string) *proxyClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c := &proxyClient{base: base, hc: &http.Client{Jar: jar, Transport: &http.Transport{DialContext: d.DialContext}}}
	res, err := c.hc.Get(base + "/")
	if err != nil {
		t.Fatalf("client %s: %v", ip, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfMeta.FindSubmatch(body)
	if m == nil {
		t.Fatalf("client %s: no CSRF token on the home page (%d)", ip, res.StatusCode)
	}
	c.token = string(m[1])
	return c
}

// challenge asks for a login challenge, with forged forwarding headers
// when xff is set, and returns the status.
func (c *proxyClient) challenge(t *testing.T, xff string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", c.base+"/auth/challenge", strings.NewReader(`{"purpose":"login"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.token)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestServeBehindReverseProxy: a real reverse proxy (net/http/httputil,
// which appends the client's address to X-Forwarded-For as nginx does) in
// front of `gwanmun serve`. Without -trusted-proxies every client shares
// the proxy's bucket, and one client's flood blocks the others — the
// review's finding; with the proxy trusted, it blocks only itself, even
// when it forges X-Forwarded-For.
func TestServeBehindReverseProxy(t *testing.T) {
	for _, tc := range []struct {
		name         string
		trusted      string
		otherBlocked bool
	}{
		{"proxy not trusted", "", true},
		{"proxy trusted", "127.0.0.1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &serveFlags{}
			f.trustedProxies = tc.trusted
			base := startServe(t, f)
			target, _ := url.Parse(base)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			proxy := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(target))
			proxy.Listener.Close()
			proxy.Listener = ln
			proxy.Start()
			defer proxy.Close()

			flooder := newProxyClient(t, proxy.URL, "127.0.0.2")
			other := newProxyClient(t, proxy.URL, "127.0.0.3")
			limited := 0
			for i := 0; i < 30; i++ {
				xff := ""
				if i%2 == 1 {
					xff = "198.51.100." + string(rune('1'+i%9)) // made-up hops
				}
				if flooder.challenge(t, xff) == http.StatusTooManyRequests {
					limited++
				}
			}
			if limited < 10 {
				t.Fatalf("the flooding client was limited %d times of 30, want at least 10", limited)
			}
			code := other.challenge(t, "")
			if blocked := code == http.StatusTooManyRequests; blocked != tc.otherBlocked {
				t.Errorf("the other client's challenge: %d (blocked %v, want %v)", code, blocked, tc.otherBlocked)
			}
		})
	}
}
