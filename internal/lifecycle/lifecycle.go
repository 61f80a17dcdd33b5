// Package lifecycle holds the rules of an account's later life (issue
// 18) that are not permissions: reopening an account locked for
// inactivity (휴면 해제), the certificate-expiry notices, and the change
// of institution (기관 변경). Grant renewal lives with the other
// permission rules in package access (renewal.go). Every change is written
// to the audit log, and its e-mail to the outbox, in the same transaction.
// It knows nothing of HTTP.
package lifecycle

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Mail writes the package's e-mails into the outbox in the caller's
// transaction. A nil *Mail writes nothing (no mail server configured).
type Mail struct {
	Site notify.Site
}

func (m *Mail) enqueue(ctx context.Context, q store.Queries, build func(site notify.Site) ([]domain.OutboxMessage, error), now time.Time) error {
	if m == nil {
		return nil
	}
	msgs, err := build(m.Site)
	if err != nil {
		return err
	}
	for i := range msgs {
		msgs[i].CreatedAt, msgs[i].NextAttemptAt = now, now
		if err := q.EnqueueMail(ctx, &msgs[i]); err != nil {
			return err
		}
	}
	return nil
}

func recipient(u domain.User) notify.Recipient { return notify.Recipient{Name: u.Name, Email: u.Email} }
