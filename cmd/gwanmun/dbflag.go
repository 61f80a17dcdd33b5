package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// defaultDB is the database used when neither --db nor GWANMUN_DB is set.
const defaultDB = "data/gwanmun.db"

// addDBFlag defines the --db flag on fs, defaulting to the environment
// variable GWANMUN_DB, else data/gwanmun.db (SQLite).
func addDBFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("GWANMUN_DB")
	if def == "" {
		def = defaultDB
	}
	return fs.String("db", def, "database: SQLite file path, sqlite:PATH, or postgres://... URL (default from GWANMUN_DB)")
}

// openStore opens the database at url and brings its schema up to date.
// For an SQLite file it creates the file's directory when missing.
func openStore(ctx context.Context, url string) (store.Store, error) {
	if path, ok := sqlitePath(url); ok {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
	}
	st, err := sqlstore.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDB(url), err)
	}
	return st, nil
}

// sqlitePath returns the file path of an SQLite database URL, and false for
// PostgreSQL and in-memory databases.
func sqlitePath(u string) (string, bool) {
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return "", false
	}
	p := strings.TrimPrefix(u, "sqlite:")
	if strings.HasPrefix(p, "//") {
		p = p[2:]
	}
	if p == "" || p == ":memory:" {
		return "", false
	}
	return p, true
}

// redactDB returns the database URL fit for output: a PostgreSQL URL loses
// its password.
func redactDB(u string) string {
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return u
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return pu.Redacted()
}
