package sqlstore_test

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/store/storetest"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// pgSchemaURL creates a fresh schema on the test server (GWANMUN_TEST_PG)
// and returns a URL whose connections use it; the schema is dropped at
// cleanup. Without GWANMUN_TEST_PG the test skips, or fails when CI=true.
func pgSchemaURL(t *testing.T) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("t_%x", rand.Text()[:12])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema on %s: %v", base, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openPG(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), pgSchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgresConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPG(t) })
}

// TestPostgresTwoProcesses opens the same schema twice, as two gwanmun
// processes would: both migrate at once, and their audit appends form one
// chain.
func TestPostgresTwoProcesses(t *testing.T) {
	u := pgSchemaURL(t)
	stores := make([]*sqlstore.Store, 2)
	errs := make(chan error, 2)
	for i := range stores {
		go func() {
			s, err := sqlstore.Open(t.Context(), u)
			stores[i] = s
			errs <- err
		}()
	}
	for range stores {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range stores {
		t.Cleanup(func() { s.Close() })
	}
	storetest.AppendConcurrently(t, stores[0], stores[1])
	if bad, err := stores[1].VerifyAuditChain(t.Context()); bad != 0 || err != nil {
		t.Errorf("VerifyAuditChain = %d, %v", bad, err)
	}
}

func TestPostgresRefuseNewerSchema(t *testing.T) {
	u := pgSchemaURL(t)
	s, err := sqlstore.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DB().ExecContext(t.Context(), "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, TRUE)", sqlstore.SchemaVersion()+1)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = sqlstore.Open(t.Context(), u)
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
}
