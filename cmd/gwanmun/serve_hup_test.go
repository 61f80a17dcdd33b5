//go:build unix

package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/web"
)

// TestServeSIGHUPReloadsTrust: a running `gwanmun serve` that gets SIGHUP
// re-reads --dev-ca (and --trust-dir, the CRL files) and audits it.
func TestServeSIGHUPReloadsTrust(t *testing.T) {
	dir := t.TempDir()
	first, err := pki.NewDevCA("GWANMUN-HUP-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Save(dir); err != nil {
		t.Fatal(err)
	}
	f := serveFlags{devCA: dir, siteName: "관문 테스트"}
	v, err := f.verifier()
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(context.Background(), filepath.Join(t.TempDir(), "hup.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- serveOn(ctx, ln, &f, st, v, slog.New(slog.NewTextHandler(io.Discard, nil)), pw, web.Config{})
		pw.Close()
	}()
	// serveOn prints its URL once the SIGHUP handler is in place.
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.Contains(line, "serving on") {
		t.Fatalf("serve printed %q, %v", line, err)
	}
	go io.Copy(io.Discard, pr)

	second, err := pki.NewDevCA("GWANMUN-HUP-2")
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ev, err := st.ListAudit(context.Background(), store.AuditFilter{Action: "trust.reload.signal", Page: store.Page{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) == 1 {
			if !strings.Contains(ev[0].Detail, `"trigger":"SIGHUP"`) || !strings.Contains(ev[0].Detail, `"ok":true`) {
				t.Errorf("audit event %+v", ev[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trust.reload.signal event after SIGHUP (%d events)", len(ev))
		}
		time.Sleep(20 * time.Millisecond)
	}
	roots := v.Trust().Roots
	if len(roots) != 1 || roots[0].Subject != second.Root.Subject.String() {
		t.Errorf("roots after SIGHUP = %+v, want the second CA's", roots)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("serve: %v", err)
	}
}
