package sqlstore_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/store/storetest"
)

// openSQLite opens a fresh SQLite database in a temporary file, so that
// WAL and several connections are real.
func openSQLite(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "gwanmun.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openSQLite(t) })
}

func TestSQLiteSettings(t *testing.T) {
	s := openSQLite(t)
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000"} {
		var got string
		if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestOpenURLs(t *testing.T) {
	dir := t.TempDir()
	for _, url := range []string{":memory:", "sqlite::memory:", filepath.Join(dir, "a.db"), "sqlite:" + filepath.Join(dir, "b.db"), "sqlite://" + filepath.Join(dir, "c.db")} {
		s, err := sqlstore.Open(t.Context(), url)
		if err != nil {
			t.Errorf("Open(%q): %v", url, err)
			continue
		}
		// The schema is there and usable, also across the pool's connections.
		in := domain.Institution{Code: "A", Name: "가", Kind: domain.KindOther}
		if err := s.CreateInstitution(t.Context(), &in); err != nil {
			t.Errorf("%s: %v", url, err)
		}
		for range 3 {
			if _, err := s.GetInstitution(t.Context(), in.ID); err != nil {
				t.Errorf("%s: %v", url, err)
			}
		}
		s.Close()
	}
	for _, url := range []string{"", "sqlite:", "sqlite:a?b.db"} {
		if s, err := sqlstore.Open(t.Context(), url); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", url)
		}
	}
	// Reopening an existing database migrates nothing and keeps its data.
	path := filepath.Join(dir, "a.db")
	s, err := sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetInstitutionByCode(t.Context(), "A"); err != nil {
		t.Errorf("data lost on reopening: %v", err)
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	// Pretend a newer gwanmun migrated this database.
	_, err = s.DB().ExecContext(t.Context(), "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, TRUE)", sqlstore.SchemaVersion()+1)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = sqlstore.Open(t.Context(), path)
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
}
