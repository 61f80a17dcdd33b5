package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gwanmun/gwanmun/internal/backup"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

func init() {
	register("backup", command{
		summary: "take a consistent backup of the database while it serves",
		run:     runBackup,
	})
	register("restore", command{
		summary: "restore a backup into an empty database and verify it",
		run:     runRestore,
	})
}

// backupFlags are the flags of "gwanmun backup".
type backupFlags struct {
	db, out, passFile *string
}

func (b *backupFlags) register(fs *flag.FlagSet) {
	b.db = addDBFlag(fs)
	b.out = fs.String("out", "", "the backup `file` to write; it must not exist")
	b.passFile = fs.String("passphrase-file", "", "encrypt the backup with the passphrase in this `file` (scrypt and AES-256-GCM; docs/operations.md)")
}

// restoreFlags are the flags of "gwanmun restore".
type restoreFlags struct {
	db, from, passFile *string
	force              *bool
}

func (r *restoreFlags) register(fs *flag.FlagSet) {
	r.db = addDBFlag(fs)
	r.from = fs.String("from", "", "the backup `file` to restore")
	r.passFile = fs.String("passphrase-file", "", "the passphrase `file` of an encrypted backup")
	r.force = fs.Bool("force", false, "replace a database that is not empty (stop every gwanmun process on it first)")
}

// runBackup implements "gwanmun backup --db URL --out FILE".
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwanmun backup [--db URL] --out FILE [--passphrase-file FILE]\n\n"+
			"Writes a consistent backup of the database while gwanmun serves: for SQLite an\n"+
			"online copy (VACUUM INTO), for PostgreSQL a pg_dump custom-format archive\n"+
			"(needs pg_dump from postgresql-client). See docs/operations.md.")
		fs.PrintDefaults()
	}
	var f backupFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 || *f.out == "" {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("backup: give --out FILE and no other argument")}
	}
	var o backup.Options
	if *f.passFile != "" {
		p, err := backup.ReadPassphrase(*f.passFile)
		if err != nil {
			return err
		}
		o.Passphrase = p
	}
	o.Log = stderr
	start := time.Now()
	res, err := backup.Backup(ctx, *f.db, *f.out, o)
	if err != nil {
		return err
	}
	enc := ""
	if res.Encrypted {
		enc = ", encrypted"
	}
	ver := ""
	if res.SchemaVersion != 0 {
		ver = fmt.Sprintf(", schema version %d", res.SchemaVersion)
	}
	fmt.Fprintf(stdout, "backup of %s written to %s: %s%s%s, %d bytes, %s\n", redactDB(*f.db), *f.out, res.Format, enc, ver, res.Bytes,
		time.Since(start).Round(time.Millisecond))
	return nil
}

// runRestore implements "gwanmun restore --from FILE --db URL": restores,
// brings the schema up to date, and verifies the audit chain.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwanmun restore --from FILE [--db URL] [--passphrase-file FILE] [-force]\n\n"+
			"Restores a backup of 'gwanmun backup' into an empty database (SQLite file or\n"+
			"PostgreSQL), checks its schema version, migrates it to this gwanmun's schema,\n"+
			"and verifies the audit log's hash chain. Exits 1 when anything fails.")
		fs.PrintDefaults()
	}
	var f restoreFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 || *f.from == "" {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("restore: give --from FILE and no other argument")}
	}
	o := backup.Options{Force: *f.force, Log: stderr}
	if *f.passFile != "" {
		p, err := backup.ReadPassphrase(*f.passFile)
		if err != nil {
			return err
		}
		o.Passphrase = p
	}
	known := sqlstore.SchemaVersion()
	res, err := backup.Restore(ctx, *f.from, *f.db, known, o)
	if err != nil {
		return err
	}
	if res.SchemaVersion == 0 {
		return errors.New("restore: no gwanmun schema where --db points after the restore (a PostgreSQL backup restores into the schema it was taken from: give --db the same search_path, or none for public)")
	}
	fmt.Fprintf(stdout, "restored %s (%s) into %s: schema version %d\n", *f.from, res.Format, redactDB(*f.db), res.SchemaVersion)
	// Open migrates an older backup to this binary's schema, and seals
	// audit events the backup caught queued.
	st, err := openStore(ctx, *f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	if res.SchemaVersion < known {
		fmt.Fprintf(stdout, "migrated from schema version %d to %d\n", res.SchemaVersion, known)
	}
	if s, ok := st.(*sqlstore.Store); ok {
		if _, err := s.SealAudit(ctx); err != nil {
			return fmt.Errorf("restore: seal queued audit events: %w", err)
		}
	}
	v, err := verifyAudit(ctx, st)
	if err != nil {
		return err
	}
	if !v.OK {
		fmt.Fprintf(stdout, "BROKEN: 감사 로그 변조 발견 (audit chain broken) at event %d: %s\n", v.BadSeq, v.Error)
		return &exitError{code: 1, err: errors.New("restore: the restored audit chain does not verify")}
	}
	fmt.Fprintf(stdout, "OK: 감사 로그 무결성 확인 (audit chain intact): %d events, head %s\n", v.Events, v.Head)
	return nil
}
