package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// openFile opens a fresh SQLite file store whose committer loop is
// stopped, so that a test can queue jobs and run one batch itself.
func openFile(t *testing.T) (*Store, *committer) {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.gc == nil {
		t.Fatal("no committer on an SQLite file")
	}
	g := &committer{s: s, jobs: make(chan *txJob, 100), quit: make(chan struct{}), maxN: 100, maxTime: time.Hour}
	return s, g
}

func job(fn func(q *queries) error) *txJob {
	return &txJob{ctx: context.Background(), fn: fn, done: make(chan txResult, 1)}
}

func createInst(code string) func(q *queries) error {
	return func(q *queries) error {
		in := domain.Institution{Code: code, Name: code, Kind: domain.KindOther}
		return q.CreateInstitution(context.Background(), &in)
	}
}

func TestGroupCommitBatches(t *testing.T) {
	s, g := openFile(t)
	first := job(createInst("G0"))
	var rest []*txJob
	for i := 1; i <= 10; i++ {
		fn := createInst(fmt.Sprintf("G%d", i))
		if i == 5 { // fails after writing: only its own write goes
			fn = func(q *queries) error {
				if err := createInst("G5")(q); err != nil {
					return err
				}
				return errors.New("refused")
			}
		}
		j := job(fn)
		rest = append(rest, j)
		g.jobs <- j
	}
	g.batch(first)
	if r := <-first.done; r.err != nil {
		t.Fatalf("first: %v", r.err)
	}
	for i, j := range rest {
		r := <-j.done
		if (i+1 == 5) != (r.err != nil) {
			t.Errorf("job %d: %v", i+1, r.err)
		}
	}
	if c, n := g.commits.Load(), g.committed.Load(); c != 1 || n != 10 {
		t.Errorf("%d commits of %d transactions, want 1 of 10", c, n)
	}
	for i := 0; i <= 10; i++ {
		_, err := s.GetInstitutionByCode(t.Context(), fmt.Sprintf("G%d", i))
		if i == 5 {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("G5 of the refused member: %v", err)
			}
		} else if err != nil {
			t.Errorf("G%d: %v", i, err)
		}
	}
}

// A member that fails on an earlier member's write (here: the same unique
// code) is answered only after the batch committed, so that its caller can
// read the row it collided with (signup tells a double submit this way).
func TestGroupCommitFailureAfterCommit(t *testing.T) {
	s, g := openFile(t)
	first := job(createInst("D"))
	// Unbuffered: the batch waits until the answer is taken.
	dup := &txJob{ctx: context.Background(), fn: createInst("D"), done: make(chan txResult)}
	g.jobs <- dup
	go g.batch(first)
	r := <-dup.done
	if !errors.Is(r.err, store.ErrAlreadyExists) {
		t.Errorf("the second member: %v, want already exists", r.err)
	}
	if n := g.commits.Load(); n != 1 {
		t.Errorf("answered after %d commits, want after the batch's commit", n)
	}
	if _, err := s.GetInstitutionByCode(t.Context(), "D"); err != nil {
		t.Errorf("the row it collided with, read when answered: %v", err)
	}
	if r := <-first.done; r.err != nil {
		t.Errorf("first: %v", r.err)
	}
}

// A member that breaks the transaction itself (here: ends it) gets its
// error; the members before it, whose writes went with the transaction,
// are run again alone and committed.
func TestGroupCommitBrokenBatch(t *testing.T) {
	s, g := openFile(t)
	a, c := job(createInst("A")), job(createInst("C"))
	b := job(func(q *queries) error {
		if _, err := q.w.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			return err
		}
		return errors.New("broke it")
	})
	g.jobs <- b
	g.jobs <- c
	g.batch(a)
	if r := <-a.done; r.err != nil {
		t.Errorf("a: %v", r.err)
	}
	if r := <-b.done; r.err == nil || r.err.Error() != "broke it" {
		t.Errorf("b: %v, want its own error", r.err)
	}
	if g.reruns.Load() != 1 {
		t.Errorf("%d reruns, want 1 (a)", g.reruns.Load())
	}
	// c was not taken into the broken batch; the next batch runs it.
	select {
	case j := <-g.jobs:
		g.batch(j)
	default:
	}
	if r := <-c.done; r.err != nil {
		t.Errorf("c: %v", r.err)
	}
	for _, code := range []string{"A", "C"} {
		if _, err := s.GetInstitutionByCode(t.Context(), code); err != nil {
			t.Errorf("%s: %v", code, err)
		}
	}
}

// A panicking member is undone and its panic reaches its caller.
func TestGroupCommitPanic(t *testing.T) {
	s, _ := openFile(t)
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v, want boom", v)
		}
		if _, err := s.GetInstitutionByCode(t.Context(), "P"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("P after the panic: %v", err)
		}
		// The store still works.
		if err := s.InTx(t.Context(), func(q store.Queries) error {
			return q.CreateInstitution(t.Context(), &domain.Institution{Code: "Q", Name: "Q", Kind: domain.KindOther})
		}); err != nil {
			t.Errorf("InTx after a panic: %v", err)
		}
	}()
	s.InTx(t.Context(), func(q store.Queries) error {
		if err := q.CreateInstitution(t.Context(), &domain.Institution{Code: "P", Name: "P", Kind: domain.KindOther}); err != nil {
			return err
		}
		panic("boom")
	})
}

func TestGroupCommitClosed(t *testing.T) {
	s, _ := openFile(t)
	s.Close()
	err := s.InTx(t.Context(), func(q store.Queries) error { return nil })
	if !errors.Is(err, errStoreClosed) {
		t.Errorf("InTx after Close: %v", err)
	}
}

// Two stores on one database append to the audit log in turn, and one
// append rolls back: the chain holds the others in order, and whole.
func TestAuditTwoStoresInTurn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	var ss [2]*Store
	for i := range ss {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ss[i] = s
	}
	for i := range 10 {
		s := ss[i%2]
		if i == 5 {
			err := s.InTx(t.Context(), func(q store.Queries) error {
				if err := q.AppendAudit(t.Context(), &domain.AuditEvent{Action: "rolled.back"}); err != nil {
					return err
				}
				return errors.New("undo")
			})
			if err == nil {
				t.Fatal("InTx did not fail")
			}
		}
		e := domain.AuditEvent{Action: "test.turn", Detail: fmt.Sprintf(`{"i":%d}`, i)}
		if err := s.AppendAudit(t.Context(), &e); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 { // let the sealers interleave with the appends
			if _, err := ss[(i+1)%2].SealAudit(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
	}
	evs, err := ss[1].ListAudit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 10 {
		t.Fatalf("%d events, want 10", len(evs))
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) || e.Detail != fmt.Sprintf(`{"i":%d}`, i) {
			t.Errorf("event %d: seq %d, detail %s", i, e.Seq, e.Detail)
		}
	}
	if bad, err := ss[0].VerifyAuditChain(t.Context()); bad != 0 || err != nil {
		t.Errorf("chain: bad %d, %v", bad, err)
	}
}

// The writer leaves checkpoints to the background checkpointer, which
// copies the log into the database file.
func TestCheckpointer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var auto int
	if err := s.InTx(t.Context(), func(q store.Queries) error {
		return q.(*queries).w.QueryRowContext(t.Context(), "PRAGMA wal_autocheckpoint").Scan(&auto)
	}); err != nil || auto != 0 {
		t.Errorf("writer's wal_autocheckpoint = %d, %v; want 0", auto, err)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	for i := range 50 {
		if err := s.InTx(t.Context(), func(q store.Queries) error {
			for j := range 20 {
				in := domain.Institution{Code: fmt.Sprintf("K%d-%d", i, j), Name: strings.Repeat("가", 200), Kind: domain.KindOther}
				if err := q.CreateInstitution(t.Context(), &in); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: the log was not checkpointed", before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Under a steady stream of commits and reads the log does not grow without
// end: the checkpointer finds it long and starts it over between two
// transactions of the writer.
func TestLogRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.ckpt.stop()
	s.ckpt = startCheckpointer(s.db, s.wdb, 5*time.Millisecond, 50)
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 3 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := s.ListInstitutions(t.Context(), store.InstitutionFilter{Page: store.Page{Limit: 5}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var writers sync.WaitGroup
	var maxWAL atomic.Int64
	for w := range 4 {
		writers.Go(func() {
			for i := range 250 {
				err := s.InTx(t.Context(), func(q store.Queries) error {
					in := domain.Institution{Code: fmt.Sprintf("R%d-%d", w, i), Name: strings.Repeat("가", 300), Kind: domain.KindOther}
					return q.CreateInstitution(t.Context(), &in)
				})
				if err != nil {
					t.Error(err)
					return
				}
				if n := walSize(); n > maxWAL.Load() {
					maxWAL.Store(n)
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	// 1 000 commits of several pages each: without truncation the log
	// holds every one of them (several megabytes).
	if s.ckpt.restarts.Load() == 0 {
		t.Error("the log was never started over")
	}
	// Without the restarts this load leaves a log of about 17 MB.
	if n := maxWAL.Load(); n > 8<<20 {
		t.Errorf("log of up to %d bytes, want it started over well before", n)
	}
	t.Logf("%d restarts; log at most %d bytes", s.ckpt.restarts.Load(), maxWAL.Load())
}

// A restart gives the writer its usual busy wait back, and when it cannot,
// the writer connection is replaced rather than kept with the few
// milliseconds' wait of the restart.
func TestLogRestartWriterWait(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.ckpt.stop()
	wait := func() string {
		t.Helper()
		var ms string
		if err := s.wdb.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&ms); err != nil {
			t.Fatal(err)
		}
		return ms
	}
	var c checkpointer
	// The store's own background readers (the audit sealer at start) can
	// hold a read past the restart's 5 ms wait on a loaded machine: an
	// idle log must restart within a few tries, not necessarily the first.
	restarted := false
	for i := 0; i < 100 && !restarted; i++ {
		if restarted = c.restart(s.wdb); !restarted {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !restarted {
		t.Error("restart of an idle log failed")
	}
	if got := wait(); got != busyTimeoutMS {
		t.Errorf("writer's busy timeout after a restart: %s ms, want %s", got, busyTimeoutMS)
	}
	old := resetBusyTimeout
	resetBusyTimeout = "PRAGMA busy_timeout = (" // a syntax error
	defer func() { resetBusyTimeout = old }()
	c.restart(s.wdb)
	if got := wait(); got != busyTimeoutMS {
		t.Errorf("writer's busy timeout after a failed reset: %s ms, want %s", got, busyTimeoutMS)
	}
	// The store still writes.
	in := domain.Institution{Code: "W1", Name: "기관", Kind: domain.KindOther}
	if err := s.InTx(t.Context(), func(q store.Queries) error { return q.CreateInstitution(t.Context(), &in) }); err != nil {
		t.Fatal(err)
	}
}
