package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gwanmun/gwanmun/internal/firstrun"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

func init() {
	register("migrate", command{
		summary: "create or upgrade the database schema and print its version",
		run:     runMigrate,
	})
}

// runMigrate implements "gwanmun migrate --db URL".
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwanmun migrate [--db URL]\n\nApplies pending schema migrations, adds the default consent text to a database without one, and prints the schema version.")
		fs.PrintDefaults()
	}
	db := addDBFlag(fs)
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, err: fmt.Errorf("migrate: unexpected argument %q", fs.Arg(0))}
	}
	// Open applies the migrations.
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	// The manual's consent text, when the database has none: signup needs
	// one (docs/operations.md, "First day").
	c, added, err := firstrun.EnsureConsent(ctx, st, time.Now())
	if err != nil {
		return err
	}
	dialect := "sql"
	if s, ok := st.(*sqlstore.Store); ok {
		dialect = string(s.Dialect())
	}
	fmt.Fprintf(stdout, "schema version %d (%s, %s)\n", sqlstore.SchemaVersion(), dialect, redactDB(*db))
	if added {
		fmt.Fprintf(stdout, "added the default consent text as version %d (change it at /admin/consent)\n", c.Version)
	}
	return nil
}

// usageError turns a flag parsing error into exit status 2; -h stays
// flag.ErrHelp (status 0).
func usageError(err error) error {
	if err == flag.ErrHelp {
		return err
	}
	return &exitError{code: 2, err: fmt.Errorf("")}
}
