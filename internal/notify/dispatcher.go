package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Outbox is the part of store.Queries a Dispatcher uses.
type Outbox interface {
	ClaimDueMail(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]domain.OutboxMessage, error)
	MarkMailSent(ctx context.Context, id int64, t time.Time) error
	MarkMailFailed(ctx context.Context, id int64, errText string, next time.Time) error
	MarkMailDead(ctx context.Context, id int64, errText string, t time.Time) error
	PurgeOutbox(ctx context.Context, before time.Time) (int, error)
}

// Defaults of a Dispatcher's settings.
const (
	DefaultBatch       = 20
	DefaultLease       = 10 * time.Minute
	DefaultPoll        = 30 * time.Second
	DefaultMinBackoff  = time.Minute
	DefaultMaxBackoff  = time.Hour
	DefaultMaxAttempts = 8                  // for permanent (5xx) failures
	DefaultMaxAge      = 5 * 24 * time.Hour // for temporary failures
	DefaultRetention   = 30 * 24 * time.Hour
	purgeEvery         = time.Hour
)

// Dispatcher delivers the outbox: it claims due messages in batches, sends
// each through its Mailer and records the outcome. Several dispatchers
// (also in several processes on one PostgreSQL database) may run at once:
// a claim leases a message to one of them.
//
// Retry policy: after the n-th failed attempt a message is due again after
// MinBackoff·2^(n-1), at most MaxBackoff, ±20 % jitter. A message is given
// up (marked dead) after MaxAttempts attempts that ended in a permanent
// failure (SMTP 5xx), or, for temporary failures (4xx, connection
// errors), once it is older than MaxAge. Sent and dead messages are purged
// after Retention.
//
// Set the fields before Run; zero fields take the defaults above.
type Dispatcher struct {
	Outbox Outbox
	Mailer Mailer
	Log    *slog.Logger

	Now  func() time.Time // default time.Now
	Rand func() float64   // in [0, 1), for jitter; default math/rand/v2

	Batch       int           // messages per claim
	Lease       time.Duration // a claim's hold; must exceed a send's worst time
	Poll        time.Duration // how often to look for due messages
	MinBackoff  time.Duration
	MaxBackoff  time.Duration
	MaxAttempts int
	MaxAge      time.Duration
	Retention   time.Duration // negative: never purge

	wake chan struct{}
}

// NewDispatcher returns a Dispatcher with the default settings.
func NewDispatcher(o Outbox, m Mailer, log *slog.Logger) *Dispatcher {
	return &Dispatcher{Outbox: o, Mailer: m, Log: log, wake: make(chan struct{}, 1)}
}

// Wake makes a running dispatcher look for due messages now rather than at
// its next poll: call it after committing a transaction that enqueued
// mail. It never blocks. It needs a Dispatcher made by NewDispatcher.
func (d *Dispatcher) Wake() {
	if d.wake == nil {
		return
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Backoff returns the delay before the attempt that follows the n-th
// failed one, jitter included.
func (d *Dispatcher) Backoff(n int) time.Duration {
	lo, hi := or(d.MinBackoff, DefaultMinBackoff), or(d.MaxBackoff, DefaultMaxBackoff)
	b := lo
	for i := 1; i < n && b < hi; i++ {
		b *= 2
	}
	b = min(b, hi)
	r := rand.Float64
	if d.Rand != nil {
		r = d.Rand
	}
	return time.Duration(float64(b) * (0.8 + 0.4*r()))
}

// Result counts what one RunOnce did.
type Result struct {
	Claimed, Sent, Failed, Dead int
}

// RunOnce claims one batch of due messages and tries each once. It
// returns an error only when the outbox fails; failed deliveries are
// recorded in the outbox and counted in the Result.
func (d *Dispatcher) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	batch := or(d.Batch, DefaultBatch)
	msgs, err := d.Outbox.ClaimDueMail(ctx, d.now(), batch, or(d.Lease, DefaultLease))
	if err != nil {
		return res, err
	}
	res.Claimed = len(msgs)
	for i, m := range msgs {
		if ctx.Err() != nil {
			d.release(msgs[i:])
			return res, ctx.Err()
		}
		err := d.Mailer.Send(ctx, m)
		if err != nil && ctx.Err() != nil {
			// Stopped mid-send: not the message's fault.
			d.release(msgs[i:])
			return res, ctx.Err()
		}
		// Record the outcome even when ctx ended meanwhile: an accepted
		// message not marked sent would go out again after its lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		switch {
		case err == nil:
			if merr := d.Outbox.MarkMailSent(rctx, m.ID, d.now()); merr != nil {
				cancel()
				return res, merr
			}
			res.Sent++
			d.log().Info("mail sent", "id", m.ID, "kind", m.Kind, "to", MaskAddress(m.Recipient), "attempt", m.Attempts)
		default:
			dead, merr := d.fail(rctx, m, err)
			if merr != nil {
				cancel()
				return res, merr
			}
			if dead {
				res.Dead++
			} else {
				res.Failed++
			}
		}
		cancel()
	}
	return res, nil
}

// fail records a failed attempt: a retry after the back-off, or death.
func (d *Dispatcher) fail(ctx context.Context, m domain.OutboxMessage, sendErr error) (dead bool, err error) {
	now := d.now()
	text := MaskText(sendErr.Error())
	perm := IsPermanent(sendErr)
	attrs := []any{"id", m.ID, "kind", m.Kind, "to", MaskAddress(m.Recipient), "attempt", m.Attempts, "permanent", perm, "error", text}
	if perm && m.Attempts >= or(d.MaxAttempts, DefaultMaxAttempts) || !perm && now.Sub(m.CreatedAt) >= or(d.MaxAge, DefaultMaxAge) {
		d.log().Error("mail given up", attrs...)
		return true, d.Outbox.MarkMailDead(ctx, m.ID, text, now)
	}
	next := now.Add(d.Backoff(m.Attempts))
	d.log().Warn("mail not sent, will retry", append(attrs, "next", next)...)
	return false, d.Outbox.MarkMailFailed(ctx, m.ID, text, next)
}

// release hands claimed but unattempted messages back for immediate
// retry.
func (d *Dispatcher) release(msgs []domain.OutboxMessage) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, m := range msgs {
		if err := d.Outbox.MarkMailFailed(ctx, m.ID, "not attempted: dispatcher stopped", d.now()); err != nil {
			d.log().Warn("outbox: releasing a claimed message", "id", m.ID, "error", err)
		}
	}
}

// Run delivers the outbox until ctx ends, then returns nil. It takes
// batches back to back while they come full, otherwise waits for the next
// poll or Wake; once an hour it purges sent and dead messages older than
// Retention. Outbox errors are logged and retried at the next poll.
func (d *Dispatcher) Run(ctx context.Context) error {
	if d.wake == nil {
		d.wake = make(chan struct{}, 1)
	}
	poll := or(d.Poll, DefaultPoll)
	var lastPurge time.Time
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-d.wake:
		}
		if ret := or(d.Retention, DefaultRetention); ret > 0 && d.now().Sub(lastPurge) >= purgeEvery {
			lastPurge = d.now()
			if n, err := d.Outbox.PurgeOutbox(ctx, lastPurge.Add(-ret)); err != nil {
				d.log().Warn("outbox: purge", "error", err)
			} else if n > 0 {
				d.log().Info("outbox: purged finished messages", "count", n)
			}
		}
		for {
			res, err := d.RunOnce(ctx)
			if err != nil {
				if !errors.Is(err, context.Canceled) && ctx.Err() == nil {
					d.log().Warn("outbox: dispatch", "error", err)
				}
				break
			}
			if res.Claimed < or(d.Batch, DefaultBatch) {
				break
			}
			if ctx.Err() != nil {
				return nil
			}
		}
		timer.Reset(poll)
	}
}
