package backup

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrNotEmpty is returned by Restore for a target database that already
// holds tables, unless Options.Force.
var ErrNotEmpty = errors.New("the target database is not empty")

// ErrTooNew is returned by Restore for a backup whose schema is newer
// than maxVersion.
var ErrTooNew = errors.New("the backup's schema is newer than this gwanmun")

// Restore restores the backup file from into the database db, which must
// be empty unless o.Force. An SQLite backup restores into an SQLite file,
// a pg_dump archive into PostgreSQL. maxVersion is the newest schema the
// caller knows: a newer SQLite backup is refused before anything is
// written; a PostgreSQL one is restored (in one transaction) and then
// reported with ErrTooNew. The result's SchemaVersion is the restored
// database's. Restore does not migrate nor verify; the caller opens the
// result.
func Restore(ctx context.Context, from, db string, maxVersion int64, o Options) (Result, error) {
	t, err := ParseTarget(db)
	if err != nil {
		return Result{}, err
	}
	f, err := os.Open(from)
	if err != nil {
		return Result{}, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Result{}, err
	}
	res := Result{Bytes: fi.Size()}
	br := bufio.NewReaderSize(f, 1<<20)
	head, _ := br.Peek(16)
	format, err := Detect(head)
	if err != nil {
		return Result{}, fmt.Errorf("restore: %s: %w", from, err)
	}
	var r io.Reader = br
	if format == Encrypted {
		if o.Passphrase == nil {
			return Result{}, errors.New("restore: the backup is encrypted: give its passphrase file (--passphrase-file)")
		}
		res.Encrypted = true
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(Decrypt(pw, br, o.Passphrase)) }()
		defer pr.Close()
		dr := bufio.NewReaderSize(pr, 1<<20)
		head, err := dr.Peek(16)
		if err != nil {
			if errors.Is(err, ErrPassphrase) {
				return Result{}, fmt.Errorf("restore: %w", err)
			}
			return Result{}, fmt.Errorf("restore: decrypt: %w", err)
		}
		if format, err = Detect(head); err != nil || format == Encrypted {
			return Result{}, fmt.Errorf("restore: the decrypted backup is not a database backup")
		}
		r = dr
	}
	res.Format = format
	switch {
	case format == SQLiteFile && t.Postgres:
		return Result{}, errors.New("restore: this is an SQLite backup; restore it into an SQLite file (--db PATH)")
	case format == PgDump && !t.Postgres:
		return Result{}, errors.New("restore: this is a PostgreSQL (pg_dump) backup; restore it into a postgres:// database")
	}
	if t.Postgres {
		empty, err := pgEmpty(ctx, t)
		if err != nil {
			return Result{}, err
		}
		if !empty && !o.Force {
			return Result{}, fmt.Errorf("restore: %w: it has tables; restore into an empty database, or give -force to replace them (stop every gwanmun process on it first)", ErrNotEmpty)
		}
		if err := restorePostgres(ctx, t, r, o); err != nil {
			return Result{}, err
		}
		if res.SchemaVersion, err = SchemaVersion(ctx, t.URL); err != nil {
			return Result{}, err
		}
		if res.SchemaVersion > maxVersion {
			return res, fmt.Errorf("restore: %w: schema version %d, this gwanmun knows up to %d; serve it with the gwanmun that took it", ErrTooNew, res.SchemaVersion, maxVersion)
		}
		return res, nil
	}
	return res, restoreSQLite(ctx, t, r, maxVersion, &res, o)
}

// restoreSQLite writes the database read from r beside t's file, checks
// it, and renames it over t's file (with the old file's WAL and shared
// memory files removed).
func restoreSQLite(ctx context.Context, t Target, r io.Reader, maxVersion int64, res *Result, o Options) error {
	empty, err := sqliteEmpty(ctx, t.Path)
	if err != nil {
		return err
	}
	if !empty && !o.Force {
		return fmt.Errorf("restore: %w: %s has tables; restore into a new file, or give -force to replace it (stop the gwanmun process using it first)", ErrNotEmpty, t.Path)
	}
	dir := filepath.Dir(t.Path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(t.Path)+".restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	_, err = io.Copy(bw, r)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore: %w (nothing was restored)", err)
	}
	fmt.Fprintf(o.log(), "restore: checking the copy\n")
	if res.SchemaVersion, err = checkSQLiteFile(ctx, tmp.Name()); err != nil {
		return fmt.Errorf("restore: the backup does not check (nothing was restored): %w", err)
	}
	if res.SchemaVersion > maxVersion {
		return fmt.Errorf("restore: %w: schema version %d, this gwanmun knows up to %d; restore it with the gwanmun that took it (nothing was restored)", ErrTooNew, res.SchemaVersion, maxVersion)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(t.Path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), t.Path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	syncDir(dir)
	return nil
}

// sqliteEmpty reports whether path is missing, empty, or an SQLite
// database without tables.
func sqliteEmpty(ctx context.Context, path string) (bool, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("restore: %s is not a file", path)
	}
	if fi.Size() == 0 {
		return true, nil
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return false, err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").Scan(&n); err != nil {
		return false, fmt.Errorf("restore: %s is not an SQLite database (%v); remove it or choose another path", path, err)
	}
	return n == 0, nil
}
