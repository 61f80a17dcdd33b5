package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/backup"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// seeded opens db, seeds the demo data and returns the number of users.
func seeded(t *testing.T, db string) int {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := demo.Seed(t.Context(), st, time.Now()); err != nil {
		t.Fatal(err)
	}
	return count(t, db, "users")
}

func count(t *testing.T, db, table string) int {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pgDatabase creates a fresh database on the PostgreSQL test server and
// returns its URL; pg_dump and pg_restore must be installed.
func pgDatabase(t *testing.T) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	testenv.Command(t, "pg_dump")
	testenv.Command(t, "pg_restore")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := "backup_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

func TestSQLiteBackupRestore(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	users := seeded(t, src)
	// A store keeps serving (and holding the WAL open) during the backup.
	live, err := sqlstore.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	out := filepath.Join(dir, "b.db")
	res, err := backup.Backup(ctx, src, out, backup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != backup.SQLiteFile || res.SchemaVersion != sqlstore.SchemaVersion() || res.Bytes == 0 {
		t.Errorf("result %+v", res)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := backup.Backup(ctx, src, out, backup.Options{}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: err = %v", err)
	}
	if _, err := backup.Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db"), backup.Options{}); err == nil {
		t.Error("backup of a missing database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("backup created the missing database")
	}

	dst := filepath.Join(dir, "sub", "dst.db")
	if _, err := backup.Restore(ctx, out, dst, sqlstore.SchemaVersion(), backup.Options{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, dst, "users"); n != users {
		t.Errorf("restored %d users, want %d", n, users)
	}
	// Non-empty: refused, then replaced with -force.
	if _, err := backup.Restore(ctx, out, dst, sqlstore.SchemaVersion(), backup.Options{}); !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("restore over a database: err = %v, want ErrNotEmpty", err)
	}
	if _, err := backup.Restore(ctx, out, dst, sqlstore.SchemaVersion(), backup.Options{Force: true}); err != nil {
		t.Errorf("restore -force: %v", err)
	}
	// A backup from a newer gwanmun is refused before anything is written.
	fresh := filepath.Join(dir, "fresh.db")
	if _, err := backup.Restore(ctx, out, fresh, sqlstore.SchemaVersion()-1, backup.Options{}); !errors.Is(err, backup.ErrTooNew) {
		t.Errorf("newer backup: err = %v, want ErrTooNew", err)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Error("a refused restore wrote the target")
	}
	// Not a backup; an SQLite backup into PostgreSQL.
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte("hello, this is not a backup"), 0o600)
	if _, err := backup.Restore(ctx, junk, fresh, 99, backup.Options{}); err == nil {
		t.Error("restored junk")
	}
	if _, err := backup.Restore(ctx, out, "postgres://nobody@127.0.0.1:1/x", 99, backup.Options{}); err == nil || !strings.Contains(err.Error(), "SQLite backup") {
		t.Errorf("SQLite backup into PostgreSQL: err = %v", err)
	}
}

func TestSQLiteEncrypted(t *testing.T) {
	backup.CheapKDF()
	ctx := t.Context()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	users := seeded(t, src)
	pass := []byte("a long enough passphrase")
	out := filepath.Join(dir, "b.enc")
	res, err := backup.Backup(ctx, src, out, backup.Options{Passphrase: pass})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Encrypted {
		t.Error("not marked encrypted")
	}
	b, _ := os.ReadFile(out)
	if f, _ := backup.Detect(b); f != backup.Encrypted || bytes.Contains(b, []byte("SQLite format 3")) {
		t.Fatal("the backup is not encrypted")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".b.enc*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	dst := filepath.Join(dir, "dst.db")
	if _, err := backup.Restore(ctx, out, dst, sqlstore.SchemaVersion(), backup.Options{}); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("restore without passphrase: %v", err)
	}
	if _, err := backup.Restore(ctx, out, dst, sqlstore.SchemaVersion(), backup.Options{Passphrase: []byte("the wrong passphrase")}); !errors.Is(err, backup.ErrPassphrase) {
		t.Errorf("wrong passphrase: err = %v", err)
	}
	// A damaged backup leaves the target as it was.
	damaged := filepath.Join(dir, "damaged.enc")
	b[len(b)-3] ^= 1
	os.WriteFile(damaged, b, 0o600)
	if _, err := backup.Restore(ctx, damaged, dst, sqlstore.SchemaVersion(), backup.Options{Passphrase: pass}); err == nil {
		t.Error("restored a damaged backup")
	}
	if _, err := os.Stat(dst); err == nil {
		t.Error("a failed restore wrote the target")
	}
	if _, err := backup.Restore(ctx, out, dst, sqlstore.SchemaVersion(), backup.Options{Passphrase: pass}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, dst, "users"); n != users {
		t.Errorf("restored %d users, want %d", n, users)
	}
}

func TestPostgresBackupRestore(t *testing.T) {
	backup.CheapKDF()
	ctx := context.Background()
	src, dst := pgDatabase(t), pgDatabase(t)
	users := seeded(t, src)
	dir := t.TempDir()
	pass := []byte("a long enough passphrase")
	for _, enc := range []bool{false, true} {
		o := backup.Options{}
		if enc {
			o.Passphrase = pass
		}
		out := filepath.Join(dir, map[bool]string{false: "plain.dump", true: "enc.dump"}[enc])
		res, err := backup.Backup(ctx, src, out, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Format != backup.PgDump || res.Encrypted != enc || res.SchemaVersion != sqlstore.SchemaVersion() {
			t.Errorf("result %+v", res)
		}
		o.Force = enc // the second restore replaces the first
		if _, err := backup.Restore(ctx, out, dst, sqlstore.SchemaVersion(), o); err != nil {
			t.Fatalf("restore (encrypted %v): %v", enc, err)
		}
		if n := count(t, dst, "users"); n != users {
			t.Errorf("restored %d users, want %d", n, users)
		}
		if _, err := backup.Restore(ctx, out, dst, sqlstore.SchemaVersion(), backup.Options{Passphrase: o.Passphrase}); !errors.Is(err, backup.ErrNotEmpty) {
			t.Errorf("restore over a database: err = %v, want ErrNotEmpty", err)
		}
		if _, err := backup.Restore(ctx, out, filepath.Join(dir, "x.db"), 99, backup.Options{Passphrase: o.Passphrase}); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
			t.Errorf("pg_dump backup into SQLite: err = %v", err)
		}
	}
	// A damaged encrypted archive: pg_restore is stopped before it commits.
	b, _ := os.ReadFile(filepath.Join(dir, "enc.dump"))
	b[len(b)-3] ^= 1
	damaged := filepath.Join(dir, "damaged.dump")
	os.WriteFile(damaged, b, 0o600)
	empty := pgDatabase(t)
	if _, err := backup.Restore(ctx, damaged, empty, sqlstore.SchemaVersion(), backup.Options{Passphrase: pass}); err == nil {
		t.Error("restored a damaged backup")
	}
	if v, err := backup.SchemaVersion(ctx, empty); err != nil || v != 0 {
		t.Errorf("after a failed restore the database has schema version %d (%v), want none", v, err)
	}
}
