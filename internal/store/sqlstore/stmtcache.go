package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite parses every statement each time it is run unless it is
// prepared; under load the parsing was a quarter of a login's cost. On
// SQLite, statements are therefore prepared once per connection and kept
// (PostgreSQL's driver keeps its own cache).

// maxCachedStmts bounds the cache: queries built with a variable number of
// placeholders (IN lists) could otherwise grow it without end.
const maxCachedStmts = 512

// stmtCache keeps prepared statements of one *sql.DB. database/sql
// prepares a Stmt on each connection it runs on and remembers it there,
// also when a transaction binds it (Tx.StmtContext).
//
// A statement is prepared in the background after its first use, never
// while a caller waits: the writer has a single connection, and a
// transaction holding it must not wait for a preparation that needs it.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
	wg      sync.WaitGroup // background preparations
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// stmt returns the prepared statement for query, or nil when it is not
// prepared yet; then it starts preparing it, unless the cache is full.
func (c *stmtCache) stmt(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if c.closed || c.pending[query] || len(c.m)+len(c.pending) >= maxCachedStmts {
		return nil
	}
	c.pending[query] = true
	c.wg.Add(1)
	go c.prepare(query)
	return nil
}

func (c *stmtCache) prepare(query string) {
	defer c.wg.Done()
	st, err := c.db.PrepareContext(context.Background(), query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, query)
	switch {
	case err != nil:
		// Run unprepared; a later use tries again.
	case c.closed:
		st.Close()
	default:
		c.m[query] = st
	}
}

// close waits for the background preparations and closes every
// statement. Call it before closing the database.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// cachedDB is a conn that runs statements prepared through the cache.
type cachedDB struct{ c *stmtCache }

func (d cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.c.stmt(query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.c.db.ExecContext(ctx, query, args...)
}

func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.c.stmt(query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.c.db.QueryContext(ctx, query, args...)
}

func (d cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.c.stmt(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.c.db.QueryRowContext(ctx, query, args...)
}

// cachedTx is a conn for a transaction on the cache's database: the
// cached statement is bound to the transaction, which reuses its
// preparation on the transaction's connection.
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t cachedTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st := t.c.stmt(query); st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	return nil
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
