package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func newMail(kind, to string, created time.Time) domain.OutboxMessage {
	return domain.OutboxMessage{Kind: kind, Recipient: to, Subject: "[관문] 새 권한 신청이 도착했습니다",
		Body: "박보건 님,\n새 권한 신청이 도착했습니다.\n", CreatedAt: created}
}

func ids(ms []domain.OutboxMessage) []int64 {
	return pluck(ms, func(m domain.OutboxMessage) int64 { return m.ID })
}

// testOutbox runs the outbox tests in order on one store: each leaves it
// as the next expects.
func testOutbox(t *testing.T, s store.Store) {
	t.Run("ClaimRace", func(t *testing.T) { testOutboxClaimRace(t, s) })
	t.Run("Lifecycle", func(t *testing.T) { testOutboxLifecycle(t, s) })
	t.Run("InTx", func(t *testing.T) { testOutboxInTx(t, s) })
}

// testOutboxLifecycle covers enqueueing, claiming with a lease, the
// outcomes of an attempt, listing and purging, on an empty outbox.
func testOutboxLifecycle(t *testing.T, s store.Store) {
	// Validation.
	for _, bad := range []domain.OutboxMessage{
		{Kind: "", Recipient: "a@example.org", Subject: "s"},
		{Kind: "k", Recipient: "", Subject: "s"},
		{Kind: "k", Recipient: "not an address", Subject: "s"},
		{Kind: "k", Recipient: "박보건 <a@example.org>", Subject: "s"},
		{Kind: "k", Recipient: "a@example.org", Subject: ""},
		{Kind: "k", Recipient: "a@example.org", Subject: "s\r\nBcc: x@example.org"},
		{Kind: "k", Recipient: "a@example.org", Subject: "s", Body: "\xff"},
	} {
		if err := s.EnqueueMail(ctx(t), &bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("EnqueueMail(%+v) = %v, want an invalid error", bad, err)
		}
	}

	a := newMail("request.created", "approver@example.org", t0)
	must(t, s.EnqueueMail(ctx(t), &a))
	if a.ID == 0 {
		t.Fatal("EnqueueMail set no ID")
	}
	wantTime(t, a.CreatedAt, us(t0), "CreatedAt")
	wantTime(t, a.NextAttemptAt, us(t0), "NextAttemptAt defaults to CreatedAt")
	later := newMail("request.decided", "alice@example.org", t0.Add(time.Minute))
	later.NextAttemptAt = t0.Add(time.Hour) // deferred
	must(t, s.EnqueueMail(ctx(t), &later))
	b := newMail("request.created", "approver2@example.org", t0.Add(2*time.Second))
	must(t, s.EnqueueMail(ctx(t), &b))

	// Nothing is due before its time.
	got, err := s.ClaimDueMail(ctx(t), t0.Add(-time.Second), 10, time.Minute)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("claimed %v before anything was due", ids(got))
	}
	if _, err := s.ClaimDueMail(ctx(t), t0, 0, time.Minute); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("ClaimDueMail with limit 0: %v", err)
	}

	// The limit holds and the oldest due comes first; a claim counts an
	// attempt and leases the message.
	now := t0.Add(10 * time.Second)
	got, err = s.ClaimDueMail(ctx(t), now, 1, 5*time.Minute)
	must(t, err)
	if len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("first claim = %v, want [%d]", ids(got), a.ID)
	}
	c := got[0]
	if c.Attempts != 1 || c.Kind != a.Kind || c.Recipient != a.Recipient || c.Subject != a.Subject || c.Body != a.Body {
		t.Errorf("claimed %+v", c)
	}
	wantTime(t, c.NextAttemptAt, us(now.Add(5*time.Minute)), "leased NextAttemptAt")
	got, err = s.ClaimDueMail(ctx(t), now, 10, 5*time.Minute)
	must(t, err)
	if fmt.Sprint(ids(got)) != fmt.Sprint([]int64{b.ID}) {
		t.Fatalf("second claim = %v, want only [%d] (a is leased, later not due)", ids(got), b.ID)
	}

	// A failure records the error and the next attempt time.
	must(t, s.MarkMailFailed(ctx(t), a.ID, "451 4.3.0 try again later", now.Add(2*time.Minute)))
	got, err = s.ClaimDueMail(ctx(t), now.Add(2*time.Minute-time.Microsecond), 10, time.Minute)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("claimed %v before the retry time", ids(got))
	}
	got, err = s.ClaimDueMail(ctx(t), now.Add(2*time.Minute), 10, time.Minute)
	must(t, err)
	if len(got) != 1 || got[0].ID != a.ID || got[0].Attempts != 2 || got[0].LastError != "451 4.3.0 try again later" {
		t.Fatalf("retry claim = %+v", got)
	}

	// Sent: not claimed again, and marked once.
	sentAt := now.Add(2*time.Minute + time.Second)
	must(t, s.MarkMailSent(ctx(t), a.ID, sentAt))
	wantErr(t, s.MarkMailSent(ctx(t), a.ID, sentAt), store.ErrConflict, "MarkMailSent twice")
	wantErr(t, s.MarkMailFailed(ctx(t), a.ID, "x", sentAt), store.ErrConflict, "MarkMailFailed after sent")
	wantErr(t, s.MarkMailSent(ctx(t), 1<<40, sentAt), store.ErrNotFound, "MarkMailSent of an unknown message")
	wantErr(t, s.MarkMailDead(ctx(t), 1<<40, "x", sentAt), store.ErrNotFound, "MarkMailDead of an unknown message")

	// Dead: not claimed again. The stored error is clipped.
	long := strings.Repeat("가", 2000)
	must(t, s.MarkMailDead(ctx(t), b.ID, long, now.Add(time.Hour)))
	wantErr(t, s.MarkMailDead(ctx(t), b.ID, "again", now.Add(time.Hour)), store.ErrConflict, "MarkMailDead twice")
	got, err = s.ClaimDueMail(ctx(t), t0.Add(24*time.Hour), 10, time.Minute)
	must(t, err)
	if fmt.Sprint(ids(got)) != fmt.Sprint([]int64{later.ID}) {
		t.Fatalf("claim a day later = %v, want only [%d]", ids(got), later.ID)
	}

	// Listing, newest first, with filters and counts.
	list := func(f domain.OutboxFilter) ([]int64, int) {
		t.Helper()
		l, n, err := s.ListOutbox(ctx(t), f)
		must(t, err)
		return ids(l), n
	}
	if l, n := list(domain.OutboxFilter{}); fmt.Sprint(l) != fmt.Sprint([]int64{b.ID, later.ID, a.ID}) || n != 3 {
		t.Errorf("ListOutbox = %v (%d)", l, n)
	}
	if l, n := list(domain.OutboxFilter{Status: domain.OutboxSent}); fmt.Sprint(l) != fmt.Sprint([]int64{a.ID}) || n != 1 {
		t.Errorf("sent = %v (%d)", l, n)
	}
	if l, _ := list(domain.OutboxFilter{Status: domain.OutboxPending}); fmt.Sprint(l) != fmt.Sprint([]int64{later.ID}) {
		t.Errorf("pending = %v", l)
	}
	if l, _ := list(domain.OutboxFilter{Status: domain.OutboxDead}); fmt.Sprint(l) != fmt.Sprint([]int64{b.ID}) {
		t.Errorf("dead = %v", l)
	}
	if l, n := list(domain.OutboxFilter{Kind: "request.created", Limit: 1}); fmt.Sprint(l) != fmt.Sprint([]int64{b.ID}) || n != 2 {
		t.Errorf("kind, limit 1 = %v (%d)", l, n)
	}
	if l, _ := list(domain.OutboxFilter{Recipient: "alice@example.org"}); fmt.Sprint(l) != fmt.Sprint([]int64{later.ID}) {
		t.Errorf("recipient = %v", l)
	}
	if _, _, err := s.ListOutbox(ctx(t), domain.OutboxFilter{Status: "lost"}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("unknown status: %v", err)
	}
	all, _, err := s.ListOutbox(ctx(t), domain.OutboxFilter{})
	must(t, err)
	for _, m := range all {
		switch m.ID {
		case a.ID:
			if m.Status() != domain.OutboxSent || m.LastError != "" || m.Attempts != 2 {
				t.Errorf("sent message = %+v", m)
			}
			wantTime(t, m.SentAt, us(sentAt), "SentAt")
		case b.ID:
			if m.Status() != domain.OutboxDead || len(m.LastError) > 1000 || !utf8.ValidString(m.LastError) || !strings.HasPrefix(m.LastError, "가가") {
				t.Errorf("dead message: status %s, error of %d bytes", m.Status(), len(m.LastError))
			}
			wantTime(t, m.DeadAt, us(now.Add(time.Hour)), "DeadAt")
		case later.ID:
			if m.Status() != domain.OutboxPending || m.Attempts != 1 {
				t.Errorf("pending message = %+v", m)
			}
		}
	}

	// Purge removes finished messages older than the cut-off only.
	n, err := s.PurgeOutbox(ctx(t), sentAt)
	must(t, err)
	if n != 0 {
		t.Errorf("purge at the sent time removed %d", n)
	}
	n, err = s.PurgeOutbox(ctx(t), t0.AddDate(0, 0, 30))
	must(t, err)
	if n != 2 {
		t.Errorf("purge removed %d, want 2 (the sent and the dead)", n)
	}
	if l, _ := list(domain.OutboxFilter{}); fmt.Sprint(l) != fmt.Sprint([]int64{later.ID}) {
		t.Errorf("after purge: %v, want the pending one only", l)
	}
}

// testOutboxInTx checks that a message enqueued in a transaction commits
// or rolls back with it.
func testOutboxInTx(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.InTx(ctx(t), func(tx store.Queries) error {
		m := newMail("test.intx", "alice@example.org", t0)
		if err := tx.EnqueueMail(ctx(t), &m); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, err, boom, "InTx")
	var kept domain.OutboxMessage
	must(t, s.InTx(ctx(t), func(tx store.Queries) error {
		kept = newMail("test.intx", "bob@example.org", t0)
		return tx.EnqueueMail(ctx(t), &kept)
	}))
	l, n, err := s.ListOutbox(ctx(t), domain.OutboxFilter{Kind: "test.intx"})
	must(t, err)
	if n != 1 || len(l) != 1 || l[0].ID != kept.ID || l[0].Recipient != "bob@example.org" {
		t.Errorf("outbox after a rolled-back and a committed transaction: %+v", l)
	}
}

// testOutboxClaimRace claims from many goroutines at once: every message
// is handed out exactly once while its lease runs. The claimers mark what
// they got sent, and a purge leaves the outbox empty.
func testOutboxClaimRace(t *testing.T, s store.Store) {
	const messages, workers = 60, 8

	want := map[int64]bool{}
	for i := range messages {
		m := newMail("test.race", fmt.Sprintf("u%d@example.org", i), t0.Add(time.Duration(i)*time.Millisecond))
		must(t, s.EnqueueMail(ctx(t), &m))
		want[m.ID] = true
	}
	now := t0.Add(time.Minute)
	var (
		mu      sync.Mutex
		claimed = map[int64]int{}
		wg      sync.WaitGroup
		start   = make(chan struct{})
	)
	for range workers {
		wg.Go(func() {
			<-start
			for {
				got, err := s.ClaimDueMail(ctx(t), now, 3, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					claimed[m.ID]++
				}
				mu.Unlock()
				for _, m := range got {
					if err := s.MarkMailSent(ctx(t), m.ID, now); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if len(claimed) != messages {
		t.Errorf("%d messages claimed, want %d", len(claimed), messages)
	}
	for id, n := range claimed {
		if n != 1 || !want[id] {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
	n, err := s.PurgeOutbox(ctx(t), now.Add(time.Microsecond))
	must(t, err)
	if n != messages {
		t.Errorf("purge removed %d, want %d", n, messages)
	}
}
