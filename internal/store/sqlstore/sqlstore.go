// Package sqlstore implements store.Store over database/sql on two
// databases: SQLite (modernc.org/sqlite, pure Go) for a single gwanmun
// process, and PostgreSQL (pgx) where several processes share one
// database. The SQL is written once, with $1-style placeholders, which both
// drivers accept; the only dialect rewrite drops row-locking clauses
// (FOR UPDATE) on SQLite, whose write transactions lock the whole database
// from their start.
//
// Times are stored as BIGINT Unix microseconds UTC, NULL for the zero
// time.Time; they come back in UTC with microsecond precision. The schema
// is created and upgraded by embedded goose migrations (migrations/sqlite
// and migrations/postgres), run by Open. See docs/storage.md.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Dialect names a supported database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// sqliteParams configure every SQLite connection: wait up to 10 s for a
// lock instead of failing with SQLITE_BUSY, write-ahead logging so readers
// never block the writer, foreign keys enforced, and BEGIN IMMEDIATE for
// every transaction, so that a transaction takes the write lock at its
// start and two transactions can never deadlock upgrading read locks.
// Temporary files, among them the statement journal that the savepoints
// of a group commit write each changed page to, are kept in memory.
const sqliteParams = "_pragma=busy_timeout(" + busyTimeoutMS + ")&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate"

// busyTimeoutMS is how long an SQLite connection waits for a lock, in
// milliseconds.
const busyTimeoutMS = "10000"

// Store is a store.Store on SQLite or PostgreSQL. Its query methods run
// outside any transaction, each statement on its own, except those that
// need several statements to be atomic (AddConsentVersion, DecideRequest,
// Login on SQLite), which open one.
type Store struct {
	queries
	db *sql.DB
	// wdb runs every write on SQLite: one connection, so that writers
	// queue in Go, in order, instead of polling SQLite's busy handler
	// (which sleeps, and made logins under load slow and their latency
	// erratic). On PostgreSQL, and for :memory:, it is db.
	wdb     *sql.DB
	dialect Dialect
	// On SQLite, prepared statements of the reader pool and the writer.
	rcache, wcache *stmtCache
	// gc runs the transactions, several per commit (groupcommit.go).
	gc     *committer
	ckpt   *checkpointer
	sealer *sealer // chains queued audit events (audit.go)
}

var _ store.Store = (*Store)(nil)

// Open opens the database named by url and brings its schema up to date.
//
// url is a PostgreSQL URL (postgres://… or postgresql://…, as pgx accepts
// it, e.g. postgres://gwanmun@db.example/gwanmun?sslmode=verify-full), or
// an SQLite database: a file path, "sqlite:PATH", or ":memory:" /
// "sqlite::memory:" for a private in-memory database (one connection; for
// tests and experiments only). Open refuses a database whose schema is
// newer than this binary knows.
func Open(ctx context.Context, url string) (*Store, error) {
	var (
		db, wdb *sql.DB
		dialect Dialect
		err     error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialect = Postgres
		db, err = sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(10)
		db.SetMaxIdleConns(10)
	default:
		dialect = SQLite
		path := strings.TrimPrefix(url, "sqlite:")
		if strings.HasPrefix(path, "//") {
			path = path[2:] // sqlite:///abs/path
		}
		if path == "" {
			return nil, errors.New("open sqlite: empty database path")
		}
		if strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("open sqlite: database path %q must not contain ? or #", path)
		}
		db, err = sql.Open("sqlite", path+"?"+sqliteParams)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		if path == ":memory:" {
			// Every connection to :memory: is a database of its own, so
			// keep exactly one, forever.
			db.SetMaxOpenConns(1)
			db.SetMaxIdleConns(1)
			db.SetConnMaxLifetime(0)
			db.SetConnMaxIdleTime(0)
		} else {
			// A few connections let reads proceed beside the writer (WAL).
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
			// The writer never checkpoints; a goroutine does (checkpoint.go).
			// Its log file is cut to 32 MB when the log starts over
			// (checkpoint.go).
			if wdb, err = sql.Open("sqlite", path+"?"+sqliteParams+"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(33554432)"); err != nil {
				db.Close()
				return nil, fmt.Errorf("open sqlite: %w", err)
			}
			wdb.SetMaxOpenConns(1)
			wdb.SetMaxIdleConns(1)
			wdb.SetConnMaxLifetime(0)
			wdb.SetConnMaxIdleTime(0)
		}
	}
	if wdb == nil {
		wdb = db
	}
	s := &Store{db: db, wdb: wdb, dialect: dialect}
	s.queries = queries{s: s, db: db, w: wdb}
	if dialect == SQLite && wdb != db {
		s.rcache, s.wcache = newStmtCache(db), newStmtCache(wdb)
		s.queries.db, s.queries.w = cachedDB{s.rcache}, cachedDB{s.wcache}
	}
	if err := db.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if dialect == SQLite {
		s.gc = newCommitter(s)
	}
	if s.wcache != nil {
		s.ckpt = startCheckpointer(db, wdb, checkpointEvery, walRestartFrames)
	}
	s.sealer = startSealer(s, sealEvery)
	s.sealer.wake() // events a crash left queued
	return s, nil
}

// Dialect returns the database's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB returns the underlying database handle, for tools and tests.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the database.
func (s *Store) Close() error {
	if s.sealer != nil {
		s.sealer.stop()
		// Best effort: the next Open seals whatever this leaves.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.SealAudit(ctx)
		cancel()
	}
	if s.gc != nil {
		s.gc.stop()
	}
	if s.ckpt != nil {
		s.ckpt.stop()
	}
	if s.rcache != nil {
		s.rcache.close()
		s.wcache.close()
	}
	err := s.db.Close()
	if s.wdb != s.db {
		if werr := s.wdb.Close(); err == nil {
			err = werr
		}
	}
	return err
}

// provider returns the goose migration provider for s's dialect. On
// PostgreSQL it takes a session advisory lock, keyed by the current
// schema, so that processes starting together migrate one at a time.
func (s *Store) provider(ctx context.Context) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == Postgres {
		gd = goose.DialectPostgres
		var schema string
		if err := s.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, fmt.Errorf("migrate: current schema: %w", err)
		}
		h := fnv.New64a()
		h.Write([]byte("gwanmun migrations " + schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 600))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gd, s.db, sub, opts...)
}

// ErrSchemaTooNew is returned by Open and Migrate for a database migrated
// by a newer gwanmun.
var ErrSchemaTooNew = errors.New("database schema is newer than this gwanmun")

// Migrate applies the pending migrations. It refuses, with
// ErrSchemaTooNew, a database whose schema version is above the newest
// migration embedded in the binary. Open calls it.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if known := SchemaVersion(); cur > known {
		return fmt.Errorf("%w: database at version %d, binary knows up to %d", ErrSchemaTooNew, cur, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// SchemaVersion returns the newest schema version embedded in the binary.
func SchemaVersion() int64 {
	var v int64
	for _, d := range []Dialect{SQLite, Postgres} {
		ents, _ := fs.ReadDir(migrations, "migrations/"+string(d))
		for _, e := range ents {
			n, _, _ := strings.Cut(e.Name(), "_")
			var x int64
			if _, err := fmt.Sscanf(n, "%d", &x); err == nil && x > v {
				v = x
			}
		}
	}
	return v
}

// InTx runs fn in one transaction and commits it when fn returns nil; any
// error (or panic) from fn rolls everything back. On PostgreSQL the
// transaction is READ COMMITTED; the methods lock the rows they change or
// update conditionally. On SQLite it begins IMMEDIATE, holding the
// database's write lock until it ends, so fn should be short, and must not
// use the Store itself (only tx) for writes, which would wait for the
// lock fn holds. When PostgreSQL aborts the transaction as a deadlock
// victim or serialization failure, InTx runs fn again (up to three times
// in all), so fn must not have effects outside the transaction.
// Transactions that wait for one another share one commit
// (groupcommit.go): fn runs inside a savepoint, its failure undoes only its
// own writes, and InTx returns only after the shared commit; should that
// transaction break, fn runs again on its own. fn must not call InTx.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Queries) error) error {
	return s.inTx(ctx, func(q *queries) error { return fn(q) })
}

func (s *Store) inTx(ctx context.Context, fn func(q *queries) error) error {
	// What the transaction wrote is in the database now (or never was):
	// the request's later reads go there.
	defer store.ForgetReads(ctx)
	for attempt := 1; ; attempt++ {
		err := s.inTxOnce(ctx, fn)
		if attempt < 3 && isSerializationFailure(err) {
			continue
		}
		return err
	}
}

func (s *Store) inTxOnce(ctx context.Context, fn func(q *queries) error) error {
	if s.gc != nil {
		return s.gc.do(ctx, fn)
	}
	return s.direct(ctx, fn)
}

// direct runs fn in a transaction of its own on the pool: PostgreSQL's
// transactions run side by side, and its commits of concurrent
// transactions share their WAL flushes by themselves.
func (s *Store) direct(ctx context.Context, fn func(q *queries) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	r := s.runTx(tx, tx, fn)
	if r.panicked {
		panic(r.pv)
	}
	return r.err
}

// mapErr turns unique violations into store.ErrAlreadyExists and foreign
// key violations into store.ErrNotFound (the referenced row is missing),
// keeping the driver's message, and sql.ErrNoRows into store.ErrNotFound.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", store.ErrAlreadyExists, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: referenced row: %v", store.ErrNotFound, err)
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			// A CHECK, or a trigger's refusal (a cycle in the
			// institution tree, migration 00018).
			return domain.Errorf(domain.EINVALID, "%v", err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %v", store.ErrAlreadyExists, err)
		case "23503": // foreign_key_violation
			return fmt.Errorf("%w: referenced row: %v", store.ErrNotFound, err)
		case "23514": // check_violation, also raised by the institution tree's trigger
			return domain.Errorf(domain.EINVALID, "%s", pe.Message)
		}
	}
	return err
}

// isSerializationFailure reports PostgreSQL errors after which the
// transaction can simply be retried.
func isSerializationFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
