package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// table names a table and the columns the generator fills.
type table struct {
	name string
	cols []string
}

// sink writes batches of rows in bulk: COPY on PostgreSQL, multi-row
// INSERTs on SQLite. Rows hold int64, string, []byte, bool or nil.
type sink interface {
	write(ctx context.Context, t table, rows [][]any) error
	// exec runs a statement in the bulk transaction.
	exec(ctx context.Context, query string, args ...any) error
	// commit ends the bulk load; close releases the connection (rolling
	// back whatever was not committed).
	commit(ctx context.Context) error
	close()
}

// newSink opens a bulk writer on st's database.
func newSink(ctx context.Context, st *sqlstore.Store) (sink, error) {
	conn, err := st.DB().Conn(ctx)
	if err != nil {
		return nil, err
	}
	if st.Dialect() == sqlstore.Postgres {
		var pc *pgx.Conn
		if err := conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("unexpected driver connection %T", dc)
			}
			pc = c.Conn()
			return nil
		}); err != nil {
			conn.Close()
			return nil, err
		}
		tx, err := pc.Begin(ctx)
		if err != nil {
			conn.Close()
			return nil, err
		}
		return &pgSink{conn: conn, tx: tx}, nil
	}
	// The bulk load may be lost if the machine crashes: it is test data.
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous=OFF"); err != nil {
		conn.Close()
		return nil, err
	}
	s := &sqliteSink{conn: conn}
	if err := s.begin(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

// pgSink loads everything with COPY in one transaction: a failed run
// leaves nothing behind.
type pgSink struct {
	conn *sql.Conn
	tx   pgx.Tx
}

func (s *pgSink) write(ctx context.Context, t table, rows [][]any) error {
	n, err := s.tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", t.name, err)
	}
	if int(n) != len(rows) {
		return fmt.Errorf("copy into %s: %d of %d rows", t.name, n, len(rows))
	}
	return nil
}

func (s *pgSink) exec(ctx context.Context, query string, args ...any) error {
	_, err := s.tx.Exec(ctx, query, args...)
	return err
}

func (s *pgSink) commit(ctx context.Context) error { return s.tx.Commit(ctx) }

func (s *pgSink) close() {
	s.tx.Rollback(context.Background())
	s.conn.Close()
}

// sqliteSink inserts up to maxRows rows per statement and commits every
// commitEvery rows, so the write-ahead log stays small; a failed run may
// leave the batches committed before it.
type sqliteSink struct {
	conn    *sql.Conn
	pending int // rows since the last commit
}

const (
	sqliteMaxVars     = 32000 // SQLITE_MAX_VARIABLE_NUMBER is 32766
	sqliteCommitEvery = 200_000
)

func (s *sqliteSink) begin(ctx context.Context) error {
	_, err := s.conn.ExecContext(ctx, "BEGIN")
	return err
}

func (s *sqliteSink) write(ctx context.Context, t table, rows [][]any) error {
	per := min(sqliteMaxVars/len(t.cols), 500)
	args := make([]any, 0, per*len(t.cols))
	for len(rows) > 0 {
		n := min(per, len(rows))
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := s.conn.ExecContext(ctx, insertSQL(t, n), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
		rows = rows[n:]
		s.pending += n
	}
	if s.pending >= sqliteCommitEvery {
		if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
			return err
		}
		s.pending = 0
		return s.begin(ctx)
	}
	return nil
}

// insertSQL returns a multi-row INSERT of n rows into t.
func insertSQL(t table, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

func (s *sqliteSink) exec(ctx context.Context, query string, args ...any) error {
	_, err := s.conn.ExecContext(ctx, query, args...)
	return err
}

func (s *sqliteSink) commit(ctx context.Context) error {
	_, err := s.conn.ExecContext(ctx, "COMMIT")
	s.pending = -1
	return err
}

func (s *sqliteSink) close() {
	if s.pending >= 0 {
		s.conn.ExecContext(context.Background(), "ROLLBACK")
	}
	s.conn.Close()
}
