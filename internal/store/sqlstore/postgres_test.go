package sqlstore_test

import (
	"errors"
	"testing"

	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/store/storetest"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// pgSchemaURL is a fresh schema on the PostgreSQL test server
// (GWANMUN_TEST_PG), dropped at cleanup.
func pgSchemaURL(t *testing.T) string { return testenv.PostgresSchema(t) }

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
