package firstrun_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/firstrun"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// forEachDB runs fn on a fresh SQLite file and a fresh PostgreSQL schema.
func forEachDB(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "firstrun.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := sqlstore.Open(context.Background(), testenv.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

// auditActions returns the actions of the sealed and queued audit events.
func auditActions(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	ev, err := st.ListAudit(context.Background(), store.AuditFilter{Page: store.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range ev {
		out[e.Action+" by "+e.Actor]++
	}
	return out
}

// TestEnsureConsent: a fresh database gets the manual's text as version 1
// once, audited; one with a version is left alone; processes starting at
// once add one version between them.
func TestEnsureConsent(t *testing.T) {
	forEachDB(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		var mu sync.Mutex
		added := 0
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, a, err := firstrun.EnsureConsent(ctx, st, t0)
				if err != nil || c.Version != 1 || c.Text != firstrun.ConsentText() {
					t.Errorf("EnsureConsent = %d, %v", c.Version, err)
				}
				if a {
					mu.Lock()
					added++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if added != 1 {
			t.Errorf("%d callers added the default, want 1", added)
		}
		_, n, err := st.ListConsentVersions(ctx, store.Page{Limit: 10})
		if err != nil || n != 1 {
			t.Fatalf("%d consent versions, %v; want 1", n, err)
		}
		if got := auditActions(t, st)["consent.version.default by system"]; got != 1 {
			t.Errorf("%d consent.version.default events, want 1", got)
		}

		// An administrator's newer version stays the latest.
		mine := domain.ConsentVersion{Text: "기관 동의서", CreatedAt: t0}
		if err := st.AddConsentVersion(ctx, &mine); err != nil {
			t.Fatal(err)
		}
		c, a, err := firstrun.EnsureConsent(ctx, st, t0)
		if err != nil || a || c.Version != 2 || c.Text != "기관 동의서" {
			t.Errorf("EnsureConsent with versions = %+v, %v, %v", c, a, err)
		}
	})
}
