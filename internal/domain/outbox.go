package domain

import "time"

// OutboxStatus is the state of an outbox message.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxPending OutboxStatus = "pending" // not yet accepted by the mail server
	OutboxSent    OutboxStatus = "sent"    // accepted by the mail server
	OutboxDead    OutboxStatus = "dead"    // given up on (see docs/notifications.md)
)

// OutboxMessage is an e-mail waiting in (or delivered from) the outbox. It
// is written in the same transaction as the event it reports, and kept
// until the mail server accepted it; sent and dead messages are purged
// after a while, as they hold personal data (the recipient's address and
// name).
type OutboxMessage struct {
	ID            int64
	Kind          string // event, e.g. "request.created"
	Recipient     string // bare e-mail address
	Subject       string
	Body          string // plain text, UTF-8
	CreatedAt     time.Time
	NextAttemptAt time.Time // due for (another) attempt from then on
	Attempts      int       // delivery attempts started (claims)
	LastError     string    // the last failure, without the body
	SentAt        time.Time // when the server accepted it
	DeadAt        time.Time // when delivery was given up
}

// Status returns the message's state.
func (m OutboxMessage) Status() OutboxStatus {
	switch {
	case !m.SentAt.IsZero():
		return OutboxSent
	case !m.DeadAt.IsZero():
		return OutboxDead
	}
	return OutboxPending
}

// OutboxFilter selects outbox messages, newest first.
type OutboxFilter struct {
	Status    OutboxStatus // any when empty
	Kind      string
	Recipient string // exact address
	Offset    int
	Limit     int // zero means 50; at most 500
}
