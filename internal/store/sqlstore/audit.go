package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The audit chain.
//
// AppendAudit queues an event in audit_pending: one INSERT into a table
// without secondary indexes, touching no row another transaction needs.
// (It used to chain the event at once, which made every audited write
// lock the chain head's row until its commit: on PostgreSQL, logins
// queued there one commit at a time.) The sealer chains queued events in
// batches: in one transaction it locks the head, gives the oldest queued
// events the next sequence numbers and their hashes, moves them into
// audit_events and deletes them from the queue. A queued event is as
// durable as the write it records (same transaction); it only has no seq
// yet. Every process with an open Store runs a sealer, woken by the
// commits of its audited transactions and once a second; the head's lock
// makes sealers of several processes take turns. Readers of the log
// (ListAudit, ListAuditDesc, VerifyAuditChain) seal first, so they see
// every committed event.

const (
	// sealBatch bounds the events one seal transaction moves.
	sealBatch = 500
	// sealRows is the most rows of one multi-row INSERT into
	// audit_events (11 parameters each). A batch is inserted in chunks of
	// sealRows, then of halves of it down to one row, so the inserts are
	// a handful of distinct statements for the prepared-statement caches,
	// not one per batch length.
	sealRows = 32
	// sealEvery wakes the sealer when no commit has: events queued by
	// other processes, or left by a crash, get chained within this time.
	sealEvery = time.Second
	// sealGap is the least time between two background seals, so that
	// under load a seal takes many events at once instead of the few of
	// each commit (readers seal for themselves, so nothing waits for it).
	sealGap = 50 * time.Millisecond
)

const pendingCols = "at, actor_id, actor, action, target_type, target_id, client_addr, detail"

// AppendAudit queues e to be chained (see above): e.Seq, e.PrevHash and
// e.Hash stay zero. At defaults to now and is kept with microsecond
// precision.
func (q *queries) AppendAudit(ctx context.Context, e *domain.AuditEvent) error {
	if e.Action == "" {
		return domain.Errorf(domain.EINVALID, "audit event without an action")
	}
	e.At = nowOr(e.At)
	e.Seq, e.PrevHash, e.Hash = 0, nil, nil
	if _, err := q.exec(ctx, "INSERT INTO audit_pending ("+pendingCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		tv(e.At), e.ActorID, e.Actor, e.Action, e.TargetType, e.TargetID, e.ClientAddr, e.Detail); err != nil {
		return fmt.Errorf("append audit event %q: %w", e.Action, err)
	}
	if q.tx {
		q.audited = true // the transaction's commit wakes the sealer
	} else {
		q.s.sealer.wake()
	}
	return nil
}

// SealAudit chains every queued audit event and returns how many it
// chained. The sealer calls it; so do the log's readers.
func (s *Store) SealAudit(ctx context.Context) (int, error) {
	return sealAll(func() (n int, err error) {
		err = s.inTx(ctx, func(q *queries) (err error) {
			n, err = q.sealOnce(ctx)
			return err
		})
		return n, err
	})
}

// sealAll runs seal (one batch) until a batch is not full, and returns
// how many events the batches chained.
func sealAll(seal func() (int, error)) (int, error) {
	total := 0
	for {
		n, err := seal()
		total += n
		if err != nil {
			return total, fmt.Errorf("seal audit events: %w", err)
		}
		if n < sealBatch {
			return total, nil
		}
	}
}

// sealPending chains the queued events before a read of the log: in q's
// transaction if it is one, else in transactions of their own, and only
// if any wait.
func (q *queries) sealPending(ctx context.Context) error {
	if q.tx {
		_, err := sealAll(func() (int, error) { return q.sealOnce(ctx) })
		return err
	}
	var waiting bool
	if err := q.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM audit_pending)").Scan(&waiting); err != nil {
		return fmt.Errorf("seal audit events: %w", err)
	}
	if !waiting {
		return nil
	}
	_, err := q.s.SealAudit(ctx)
	return err
}

// sealOnce chains up to sealBatch of the oldest queued events in q's
// transaction and returns how many it chained.
func (q *queries) sealOnce(ctx context.Context) (int, error) {
	// The head's lock first: a sealer that waited for another's sees the
	// queue without the events that one moved.
	var seq int64
	var prev []byte
	if err := q.row(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").Scan(&seq, bytesCol{&prev}); err != nil {
		return 0, fmt.Errorf("read chain head: %w", mapErr(err))
	}
	rows, err := q.w.QueryContext(ctx, "SELECT id, "+pendingCols+" FROM audit_pending ORDER BY id LIMIT "+fmt.Sprint(sealBatch))
	if err != nil {
		return 0, err
	}
	var ids []int64
	var evs []domain.AuditEvent
	for rows.Next() {
		var id int64
		var e domain.AuditEvent
		if err := rows.Scan(&id, timeCol{&e.At}, &e.ActorID, &e.Actor, &e.Action, &e.TargetType, &e.TargetID, &e.ClientAddr, &e.Detail); err != nil {
			rows.Close()
			return 0, err
		}
		ids, evs = append(ids, id), append(evs, e)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(evs) == 0 {
		return 0, nil
	}
	for i := range evs {
		seq++
		evs[i].Seq, evs[i].PrevHash = seq, nonNil(prev)
		evs[i].Hash = store.AuditHash(prev, evs[i])
		prev = evs[i].Hash
	}
	for rest, size := evs, sealRows; len(rest) > 0; {
		for size > len(rest) {
			size /= 2
		}
		chunk := rest[:size]
		rest = rest[size:]
		var b strings.Builder
		args := make([]any, 0, 11*len(chunk))
		b.WriteString("INSERT INTO audit_events (" + auditCols + ") VALUES ")
		for i, e := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10, n+11)
			args = append(args, e.Seq, tv(e.At), e.ActorID, e.Actor, e.Action, e.TargetType, e.TargetID, e.ClientAddr, e.Detail, e.PrevHash, e.Hash)
		}
		if _, err := q.exec(ctx, b.String(), args...); err != nil {
			return 0, fmt.Errorf("insert chained events: %w", err)
		}
	}
	// By id, not by range: on PostgreSQL an event with a smaller id may
	// commit after this read, and must stay queued for the next seal.
	for _, chunk := range padIDs(ids) {
		var w where
		w.in("id", chunk)
		if _, err := q.exec(ctx, "DELETE FROM audit_pending"+w.sql(), w.args...); err != nil {
			return 0, fmt.Errorf("dequeue chained events: %w", err)
		}
	}
	if _, err := q.exec(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", seq, prev); err != nil {
		return 0, fmt.Errorf("move chain head: %w", err)
	}
	return len(evs), nil
}

// sealer runs SealAudit in the background.
type sealer struct {
	s     *Store
	kick  chan struct{} // buffered, one: a wake-up waiting is enough
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	every time.Duration
}

func startSealer(s *Store, every time.Duration) *sealer {
	z := &sealer{s: s, kick: make(chan struct{}, 1), quit: make(chan struct{}), every: every}
	z.wg.Add(1)
	go z.loop()
	return z
}

// wake asks the sealer to run soon. It never blocks.
func (z *sealer) wake() {
	if z == nil {
		return
	}
	select {
	case z.kick <- struct{}{}:
	default:
	}
}

func (z *sealer) loop() {
	defer z.wg.Done()
	t := time.NewTicker(z.every)
	defer t.Stop()
	for {
		select {
		case <-z.kick:
		case <-t.C:
		case <-z.quit:
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		// Only when events wait (a read, not a lock of the head, on every
		// tick of an idle server). A failure (the database away, say) is
		// retried at the next wake; the events stay queued meanwhile.
		z.s.sealPending(ctx)
		cancel()
		select {
		case <-time.After(sealGap):
		case <-z.quit:
			return
		}
	}
}

// stop ends the loop after the seal it is running.
func (z *sealer) stop() {
	if z == nil {
		return
	}
	z.once.Do(func() { close(z.quit) })
	z.wg.Wait()
}

// VerifyAuditChain seals the queued events, checks the whole audit log
// with store.VerifyAuditChain, then that the chain head (the last event's
// seq and hash) matches the last event, which also catches deletion of the
// newest events. It returns (0, nil) when intact, else the Seq of the
// first bad event (for a truncated log, the first missing one) and an
// error wrapping store.ErrChainBroken.
func (s *Store) VerifyAuditChain(ctx context.Context) (badSeq int64, err error) {
	if bad, err := store.VerifyAuditChain(ctx, s); err != nil || bad != 0 {
		return bad, err
	}
	// One statement, so the head and the last event are of one moment
	// even while a sealer moves both.
	var headSeq int64
	var lastSeq sql.NullInt64
	var headHash, lastHash []byte
	err = s.db.QueryRowContext(ctx, `SELECT h.seq, h.hash, e.seq, e.hash FROM audit_head h
		LEFT JOIN audit_events e ON e.seq = (SELECT MAX(seq) FROM audit_events) WHERE h.id = 1`).
		Scan(&headSeq, bytesCol{&headHash}, &lastSeq, bytesCol{&lastHash})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("verify audit chain: read head and last event: %w", err)
	}
	if headSeq != lastSeq.Int64 || string(headHash) != string(lastHash) {
		return lastSeq.Int64 + 1, fmt.Errorf("%w: the log ends at event %d but its head records event %d", store.ErrChainBroken, lastSeq.Int64, headSeq)
	}
	return 0, nil
}
