package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit.
//
// SQLite runs one write transaction at a time, and on this store all of
// them go through the single writer connection. Under load, most of a
// short transaction's cost was its commit: writing every page it touched
// to the write-ahead log, several pages per login (the session, the audit
// event, the user row, the challenge), and most of those the same pages as
// the next login's. So transactions waiting for the writer are run
// together: one BEGIN, each caller's function inside its own SAVEPOINT,
// one COMMIT. A function that fails is rolled back to its savepoint; the
// others are unaffected. Callers get their result only when the batch has
// ended: a success only after the COMMIT that makes their writes durable,
// so it still means "committed", exactly as with a transaction of one's
// own; a failure too, since it may have come from an earlier member's
// writes, which the caller must then be able to read.
//
// Under no load a batch holds one transaction and nothing waits: the
// committer takes whatever is queued when it is ready, never a timer.
//
// On PostgreSQL the store does not use the committer: its transactions
// run side by side on the pool (Store.direct). Group commit was added there
// when every audited write locked the audit chain's head row until its
// commit; audit events are now queued and chained in batches (audit.go),
// so no row is shared by all writers, and one committer connection would
// only make them wait for each other's round trips.

const (
	// maxBatch bounds the transactions of one commit; maxBatchTime stops a
	// batch from taking in more work once it has run that long, which
	// bounds the latency a batch adds to its first member.
	maxBatch     = 64
	maxBatchTime = 4 * time.Millisecond
)

// errStoreClosed is returned by transactions started after Close.
var errStoreClosed = errors.New("sqlstore: store is closed")

// txJob is one caller's transaction function waiting for the committer.
type txJob struct {
	ctx  context.Context
	fn   func(q *queries) error
	done chan txResult // buffered, one result
}

type txResult struct {
	err      error
	panicked bool
	pv       any // the panic value when panicked
}

// committer runs the transactions of an SQLite store with its one writer
// connection.
type committer struct {
	s    *Store
	jobs chan *txJob // unbuffered: waiting callers queue in their send
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	// Batch bounds: maxBatch and maxBatchTime (tests change them).
	maxN    int
	maxTime time.Duration
	// Counters: commits of batches, transactions committed in them, and
	// transactions run again alone after their batch broke.
	commits, committed, reruns atomic.Int64
}

func newCommitter(s *Store) *committer {
	g := &committer{s: s, jobs: make(chan *txJob), quit: make(chan struct{}), maxN: maxBatch, maxTime: maxBatchTime}
	g.wg.Add(1)
	go g.loop()
	return g
}

// do runs fn in a (possibly shared) transaction and returns its outcome;
// a panic in fn is raised again in the caller's goroutine.
func (g *committer) do(ctx context.Context, fn func(q *queries) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &txJob{ctx: ctx, fn: fn, done: make(chan txResult, 1)}
	select {
	case g.jobs <- j:
	case <-g.quit:
		return errStoreClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	r := <-j.done // once taken, a job always gets an answer
	if r.panicked {
		panic(r.pv)
	}
	return r.err
}

// stop ends the loop after the batch it is running; later transactions
// fail with errStoreClosed.
func (g *committer) stop() {
	g.once.Do(func() { close(g.quit) })
	g.wg.Wait()
}

func (g *committer) loop() {
	defer g.wg.Done()
	for {
		select {
		case j := <-g.jobs:
			g.batch(j)
		case <-g.quit:
			return
		}
	}
}

// batch runs first and whatever else is queued (within maxBatch and
// maxBatchTime) in one transaction.
func (g *committer) batch(first *txJob) {
	start := time.Now()
	tx, c, err := g.begin()
	if err != nil {
		first.done <- txResult{err: err}
		return
	}
	q := &queries{s: g.s, db: c, w: c, tx: true}
	bg := context.Background()
	var ok []*txJob // members whose writes are in the transaction
	// Members that failed, answered only when the batch has ended: a
	// member can fail on what an earlier member of the batch wrote (a
	// double submit: the second finds the first's user, ID taken), and
	// its caller may then read what made it fail, which it must find
	// committed (signup answers "already submitted" from the draft).
	var failed []failedJob
	defer func() {
		for _, f := range failed {
			f.j.done <- f.r
		}
	}()
	n := 0
	for j := first; j != nil; j = g.next(n, start) {
		n++
		if err := j.ctx.Err(); err != nil {
			j.done <- txResult{err: err}
			continue
		}
		if _, err := c.ExecContext(bg, "SAVEPOINT batch_member"); err != nil {
			g.abandon(tx, append(ok, j))
			return
		}
		r := call(j.fn, q)
		if r.err == nil && !r.panicked {
			if _, err := c.ExecContext(bg, "RELEASE batch_member"); err != nil {
				g.abandon(tx, append(ok, j))
				return
			}
			ok = append(ok, j)
			continue
		}
		// Undo this member only. If the transaction itself is gone
		// (SQLite rolls back the whole transaction on some errors, such
		// as a full disk), the members before it lost their writes too.
		_, rerr := c.ExecContext(bg, "ROLLBACK TO batch_member")
		if rerr == nil {
			_, rerr = c.ExecContext(bg, "RELEASE batch_member")
		}
		failed = append(failed, failedJob{j, r})
		if rerr != nil {
			g.abandon(tx, ok)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", mapErr(err))
		for _, j := range ok {
			j.done <- txResult{err: err}
		}
		return
	}
	g.commits.Add(1)
	g.committed.Add(int64(len(ok)))
	if q.audited {
		g.s.sealer.wake()
	}
	for _, j := range ok {
		j.done <- txResult{}
	}
}

// failedJob is a batch member that failed, with its answer.
type failedJob struct {
	j *txJob
	r txResult
}

// next returns another queued job for the running batch, or nil when the
// batch is full, has run long enough, or nothing waits.
func (g *committer) next(n int, start time.Time) *txJob {
	if n >= g.maxN || time.Since(start) >= g.maxTime {
		return nil
	}
	select {
	case j := <-g.jobs:
		return j
	default:
		return nil
	}
}

// abandon rolls back a broken batch and runs each of jobs again in a
// transaction of its own (transaction functions may run more than once;
// see Store.InTx).
func (g *committer) abandon(tx *sql.Tx, jobs []*txJob) {
	tx.Rollback()
	for _, j := range jobs {
		g.reruns.Add(1)
		j.done <- g.alone(j)
	}
}

// alone runs j in a transaction of its own.
func (g *committer) alone(j *txJob) (r txResult) {
	if err := j.ctx.Err(); err != nil {
		return txResult{err: err}
	}
	tx, c, err := g.begin()
	if err != nil {
		return txResult{err: err}
	}
	return g.s.runTx(tx, c, j.fn)
}

// runTx runs fn in tx (its statements through c) and commits, or rolls
// back when fn fails or panics; a commit of audit events wakes the sealer.
func (s *Store) runTx(tx *sql.Tx, c conn, fn func(q *queries) error) txResult {
	q := &queries{s: s, db: c, w: c, tx: true}
	if r := call(fn, q); r.err != nil || r.panicked {
		tx.Rollback()
		return r
	}
	if err := tx.Commit(); err != nil {
		return txResult{err: fmt.Errorf("commit: %w", mapErr(err))}
	}
	if q.audited {
		s.sealer.wake()
	}
	return txResult{}
}

// begin starts a transaction on the writer and returns it with the conn
// its members use.
func (g *committer) begin() (*sql.Tx, conn, error) {
	tx, err := g.s.wdb.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("begin transaction: %w", err)
	}
	if g.s.wcache != nil {
		return tx, detached{cachedTx{tx: tx, c: g.s.wcache}}, nil
	}
	return tx, detached{tx}, nil
}

// call runs fn, turning a panic into a result.
func call(fn func(q *queries) error, q *queries) (r txResult) {
	defer func() {
		if v := recover(); v != nil {
			r = txResult{panicked: true, pv: v}
		}
	}()
	return txResult{err: fn(q)}
}

// detached runs statements without their context's cancellation: the
// driver interrupts a cancelled statement, and SQLite answers an
// interrupted write inside a transaction by rolling the whole transaction
// back, which in a batch would undo the other members' work. A member
// whose context ends before its turn is not run at all; once it runs, its
// statements run to the end (they are short). Context values are kept.
type detached struct{ c conn }

func (d detached) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.c.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (d detached) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.c.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (d detached) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.c.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
