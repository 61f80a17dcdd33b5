// Package backup takes consistent backups of a live gwanmun database and
// restores them into an empty one.
//
// SQLite: VACUUM INTO writes a transactionally consistent copy of the
// database from one read transaction, while the server keeps writing (WAL
// readers do not block the writer); the backup is itself an SQLite file.
// A file copy of a live WAL database is never consistent and is not used.
//
// PostgreSQL: pg_dump (custom format) from Debian's postgresql-client,
// which dumps one snapshot; pg_restore brings it back. Neither is
// reimplemented here: when they are not installed the commands refuse.
//
// Either backup can be encrypted with a passphrase (crypt.go: scrypt and
// AES-256-GCM). See docs/operations.md.
package backup

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"
)

// Format is the kind of a backup file.
type Format string

// The backup formats.
const (
	SQLiteFile Format = "sqlite"    // an SQLite database file
	PgDump     Format = "pg_dump"   // a pg_dump custom-format archive
	Encrypted  Format = "encrypted" // either, encrypted (crypt.go)
)

// Detect reads the first bytes of a backup and names its format.
func Detect(head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return SQLiteFile, nil
	case bytes.HasPrefix(head, []byte("PGDMP")):
		return PgDump, nil
	case bytes.HasPrefix(head, []byte(encMagic)):
		return Encrypted, nil
	}
	return "", errors.New("not a gwanmun backup: neither an SQLite database, a pg_dump custom-format archive nor an encrypted backup")
}

// Target is a database named by a --db URL.
type Target struct {
	URL      string
	Postgres bool
	Path     string // SQLite: the file
}

// ParseTarget interprets a --db URL as sqlstore.Open does: postgres:// or
// postgresql://, else an SQLite file path or sqlite:PATH. In-memory
// databases cannot be backed up or restored.
func ParseTarget(u string) (Target, error) {
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return Target{URL: u, Postgres: true}, nil
	}
	p := strings.TrimPrefix(u, "sqlite:")
	p = strings.TrimPrefix(p, "//")
	if p == "" || p == ":memory:" {
		return Target{}, errors.New("an in-memory or empty database path cannot be backed up or restored")
	}
	if strings.ContainsAny(p, "?#") {
		return Target{}, fmt.Errorf("database path %q must not contain ? or #", p)
	}
	return Target{URL: u, Path: p}, nil
}

// Options configure Backup and Restore.
type Options struct {
	// Passphrase encrypts the backup (Backup), or opens an encrypted one
	// (Restore). Nil: no encryption.
	Passphrase []byte
	// Force lets Restore overwrite a database that is not empty.
	Force bool
	// Log receives progress lines and the PostgreSQL tools' messages.
	Log io.Writer
}

func (o Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}

// Result describes a backup taken or restored.
type Result struct {
	Format        Format // of the plaintext backup
	Encrypted     bool
	Bytes         int64 // size of the file written (Backup) or read (Restore)
	SchemaVersion int64 // goose version in the backup (SQLite backups, and every restore)
}

// Backup writes a consistent backup of the database db to the new file
// out, which must not exist. The file is written beside out under a
// temporary name and renamed into place once complete and synced, so an
// interrupted backup never leaves a file that looks whole.
func Backup(ctx context.Context, db, out string, o Options) (Result, error) {
	t, err := ParseTarget(db)
	if err != nil {
		return Result{}, err
	}
	if _, err := os.Lstat(out); err == nil {
		return Result{}, fmt.Errorf("backup: %s exists; choose a new file name", out)
	}
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".partial-*")
	if err != nil {
		return Result{}, fmt.Errorf("backup: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after the rename, a no-op
	var res Result
	if t.Postgres {
		res, err = backupPostgres(ctx, t, tmp, o)
	} else {
		tmp.Close()
		res, err = backupSQLite(ctx, t, tmpName, o)
		if err == nil {
			tmp, err = os.OpenFile(tmpName, os.O_RDWR, 0)
		}
	}
	if err != nil {
		tmp.Close()
		return Result{}, err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return Result{}, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return Result{}, err
	}
	fi, err := tmp.Stat()
	tmp.Close()
	if err != nil {
		return Result{}, err
	}
	res.Bytes = fi.Size()
	if _, err := os.Lstat(out); err == nil {
		return Result{}, fmt.Errorf("backup: %s appeared while the backup ran", out)
	}
	if err := os.Rename(tmpName, out); err != nil {
		return Result{}, fmt.Errorf("backup: %w", err)
	}
	syncDir(dir)
	return res, nil
}

// backupSQLite writes the backup of t into the file tmp (which exists and
// is empty): VACUUM INTO a plaintext file, which is then encrypted in
// place of itself when a passphrase is given.
func backupSQLite(ctx context.Context, t Target, tmp string, o Options) (Result, error) {
	if fi, err := os.Stat(t.Path); err != nil {
		return Result{}, fmt.Errorf("backup: database %s: %w", t.Path, err)
	} else if !fi.Mode().IsRegular() {
		return Result{}, fmt.Errorf("backup: database %s is not a file", t.Path)
	}
	// VACUUM INTO writes into a file that is empty (or missing); an empty
	// file created here keeps the mode 0600 from the start.
	plain := tmp
	if o.Passphrase != nil {
		plain = tmp + ".plain"
		f, err := os.OpenFile(plain, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return Result{}, fmt.Errorf("backup: %w", err)
		}
		f.Close()
		defer os.Remove(plain)
	}
	db, err := sql.Open("sqlite", t.Path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return Result{}, fmt.Errorf("backup: open %s: %w", t.Path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	fmt.Fprintf(o.log(), "backup: VACUUM INTO from %s\n", t.Path)
	if _, err := db.ExecContext(ctx, "VACUUM INTO $1", plain); err != nil {
		return Result{}, fmt.Errorf("backup: VACUUM INTO: %w", err)
	}
	v, err := checkSQLiteFile(ctx, plain)
	if err != nil {
		return Result{}, fmt.Errorf("backup: the copy does not check: %w", err)
	}
	res := Result{Format: SQLiteFile, SchemaVersion: v}
	if o.Passphrase == nil {
		return res, nil
	}
	res.Encrypted = true
	return res, encryptFile(plain, tmp, o.Passphrase)
}

// checkSQLiteFile runs SQLite's quick_check on the file at path and
// returns its schema version.
func checkSQLiteFile(ctx context.Context, path string) (int64, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&ok); err != nil {
		return 0, err
	}
	if ok != "ok" {
		return 0, fmt.Errorf("quick_check: %s", ok)
	}
	return schemaVersion(ctx, db)
}

// SchemaVersion returns the goose schema version of the database at url
// without changing it: 0 for a database without gwanmun's schema.
func SchemaVersion(ctx context.Context, url string) (int64, error) {
	t, err := ParseTarget(url)
	if err != nil {
		return 0, err
	}
	db, err := openPlain(t)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return schemaVersion(ctx, db)
}

func schemaVersion(ctx context.Context, db *sql.DB) (int64, error) {
	var v sql.NullInt64
	err := db.QueryRowContext(ctx, "SELECT MAX(version_id) FROM goose_db_version WHERE is_applied").Scan(&v)
	if err != nil {
		if strings.Contains(err.Error(), "goose_db_version") {
			return 0, nil // no such table
		}
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v.Int64, nil
}

// openPlain opens t with database/sql and no gwanmun machinery. For
// SQLite it refuses a missing file rather than create one.
func openPlain(t Target) (*sql.DB, error) {
	if t.Postgres {
		return sql.Open("pgx", t.URL)
	}
	if _, err := os.Stat(t.Path); err != nil {
		return nil, err
	}
	return sql.Open("sqlite", t.Path+"?_pragma=busy_timeout(10000)")
}

func encryptFile(src, dst string, pass []byte) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	if err := Encrypt(bw, in, pass); err != nil {
		out.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncDir makes a rename in dir durable (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
