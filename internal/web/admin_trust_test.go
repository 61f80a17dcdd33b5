package web

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

func TestAdminTrust(t *testing.T) {
	t.Parallel()
	v := testVerifier(t)
	e := newSeededEnv(t, v)
	ca := devCA(t)

	province, pid := e.demoAccount("admin11")
	res, body := e.signedIn(province, pid).getPage("/admin/trust")
	wantStatus(t, "province admin", res, body, http.StatusForbidden)

	admin, aid := e.demoAccount("admin")
	c := e.signedIn(admin, aid)
	res, body = c.getPage("/admin/trust")
	wantStatus(t, "trust page", res, body, http.StatusOK)
	if !strings.Contains(body, esc(ca.Root.Subject.String())) || !strings.Contains(body, esc(ca.Intermediate.Subject.String())) {
		t.Errorf("trust page lacks the anchors")
	}

	// Reload from a source that now trusts another CA.
	other, err := pki.NewDevCA("gwanmun-other")
	if err != nil {
		t.Fatal(err)
	}
	var srcErr error
	v.SetTrustSource(func() (pki.TrustConfig, error) {
		return pki.TrustConfig{Roots: []*x509.Certificate{other.Root}, Intermediates: []*x509.Certificate{other.Intermediate}}, srcErr
	})
	res, body = c.postForm("/admin/trust/reload", nil)
	wantRedirect(t, "reload", res, body, "/admin/trust?msg=trust_reloaded")
	_, body = c.getPage("/admin/trust")
	if !strings.Contains(body, esc(other.Root.Subject.String())) || strings.Contains(body, esc(ca.Root.Subject.String())) {
		t.Errorf("trust page after reload does not show the new anchor only")
	}
	// A failing reload keeps the trust, says so and is audited too.
	srcErr = errors.New("/etc/gwanmun/trust: permission denied")
	res, body = c.postForm("/admin/trust/reload", nil)
	wantStatus(t, "failed reload", res, body, http.StatusUnprocessableEntity)
	if strings.Contains(body, "permission denied") {
		t.Errorf("the page shows the server's error text")
	}
	if !strings.Contains(body, esc(other.Root.Subject.String())) {
		t.Errorf("trust lost after a failed reload")
	}
	if n := e.auditCount("trust.reload"); n != 2 {
		t.Errorf("trust.reload events = %d, want 2", n)
	}
}

// TestTrustReloadAcrossServers: two servers (two processes) on one
// database. [다시 읽기] on one reloads it at once and raises the shared
// generation; the other reloads at its next check tick, audited with who
// asked and which process; neither reloads twice. SIGHUP's reload stays
// in its process. On SQLite (a shared file) and, with GWANMUN_TEST_PG, on
// PostgreSQL.
func TestTrustReloadAcrossServers(t *testing.T) {
	t.Parallel()
	open := func(t *testing.T, dsn string) store.Store {
		st, err := sqlstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dsn := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
		testTrustReloadAcross(t, open(t, dsn), open(t, dsn))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := testenv.PostgresSchema(t)
		testTrustReloadAcross(t, open(t, dsn), open(t, dsn))
	})
}

func testTrustReloadAcross(t *testing.T, stA, stB store.Store) {
	ca := devCA(t)
	other, err := pki.NewDevCA("gwanmun-shared")
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := other.Issue(pki.IssueOptions{Name: "박타기관", Key: testKey(t, 3)})
	if err != nil {
		t.Fatal(err)
	}
	// The trust files both processes read: at first the test CA only.
	var mu sync.Mutex
	files := pki.TrustConfig{Roots: []*x509.Certificate{ca.Root}, Intermediates: []*x509.Certificate{ca.Intermediate}}
	src := func() (pki.TrustConfig, error) { mu.Lock(); defer mu.Unlock(); return files, nil }
	va, vb := testVerifier(t), testVerifier(t)
	va.SetTrustSource(src)
	vb.SetTrustSource(src)
	a, b := newSeededEnvOn(t, va, stA), newSeededEnvOn(t, vb, stB)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ticksA, ticksB := make(chan time.Time), make(chan time.Time)
	go a.s.RunTrustWatch(ctx, ticksA)
	go b.s.RunTrustWatch(ctx, ticksB)
	// tick lets a watcher check once: the second send is taken only after
	// the check of the first one has ended.
	tick := func(ch chan time.Time) { ch <- time.Now(); ch <- time.Now() }
	tick(ticksA)
	tick(ticksB)
	trusts := func(v *pki.Verifier) bool {
		_, err := v.Verify(ctx, stranger.Cert)
		return err == nil
	}
	if trusts(va) || trusts(vb) {
		t.Fatal("the other CA is trusted before any reload")
	}
	events := func(action string) []domain.AuditEvent {
		t.Helper()
		ev, err := stA.ListAudit(ctx, store.AuditFilter{Action: action, Page: store.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}

	// New trust files; an administrator presses [다시 읽기] on server A.
	mu.Lock()
	files.Roots = append(files.Roots, other.Root)
	files.Intermediates = append(files.Intermediates, other.Intermediate)
	mu.Unlock()
	admin, aid := a.demoAccount("admin")
	res, body := a.signedIn(admin, aid).postForm("/admin/trust/reload", nil)
	wantRedirect(t, "reload on A", res, body, "/admin/trust?msg=trust_reloaded")
	if !trusts(va) {
		t.Fatal("A does not trust the new CA after its reload")
	}
	if trusts(vb) {
		t.Fatal("B reloaded before its check tick")
	}
	if gen, by, err := stB.TrustGeneration(ctx); err != nil || gen != 1 || !strings.Contains(by, admin.Pseudonym) || !strings.Contains(by, a.s.trust.processName()) {
		t.Fatalf("generation after the reload = %d, %q, %v", gen, by, err)
	}
	ev := events("trust.reload")
	if len(ev) != 1 || ev[0].ActorID != admin.ID || !strings.Contains(ev[0].Detail, `"generation":1`) ||
		!strings.Contains(ev[0].Detail, a.s.trust.processName()) || !strings.Contains(ev[0].Detail, `"ok":true`) {
		t.Fatalf("trust.reload events %+v", ev)
	}

	// B follows at its next tick; A does not reload a second time.
	tick(ticksB)
	if !trusts(vb) {
		t.Fatal("B does not trust the new CA after its check tick")
	}
	tick(ticksA)
	tick(ticksB)
	ev = events("trust.reload.generation")
	if len(ev) != 1 || ev[0].Actor != "system" || !strings.Contains(ev[0].Detail, `"generation":1`) ||
		!strings.Contains(ev[0].Detail, b.s.trust.processName()) || !strings.Contains(ev[0].Detail, admin.Pseudonym) ||
		!strings.Contains(ev[0].Detail, `"ok":true`) || !strings.Contains(ev[0].Detail, `"roots":2`) {
		t.Fatalf("trust.reload.generation events (want one, by B) %+v", ev)
	}

	// SIGHUP reloads its own process only.
	mu.Lock()
	files.Roots, files.Intermediates = files.Roots[:1], files.Intermediates[:1]
	mu.Unlock()
	if err := b.s.ReloadTrust(ctx, "SIGHUP"); err != nil {
		t.Fatal(err)
	}
	if trusts(vb) || !trusts(va) {
		t.Error("SIGHUP on B: B should drop the CA, A keep it")
	}
	tick(ticksA)
	if !trusts(va) {
		t.Error("A followed B's SIGHUP reload")
	}
	if gen, _, _ := stA.TrustGeneration(ctx); gen != 1 {
		t.Errorf("generation after SIGHUP = %d, want 1", gen)
	}
	if ev := events("trust.reload.signal"); len(ev) != 1 || !strings.Contains(ev[0].Detail, `"trigger":"SIGHUP"`) || !strings.Contains(ev[0].Detail, b.s.trust.processName()) {
		t.Errorf("trust.reload.signal events %+v", ev)
	}
}
