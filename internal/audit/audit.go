// Package audit writes the portal's audit events. The store chains each
// event to the previous one by hash; this package decides what an event
// says. Events name people by user ID and pseudonym only, never by name.
package audit

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Actor is who did something: a user, or the system itself (zero ID).
type Actor struct {
	UserID     int64
	Pseudonym  string
	ClientAddr string
}

// System is the actor for automatic actions (expiry, escalation).
var System = Actor{Pseudonym: "system"}

// ActorOf returns the actor for a user acting from clientAddr.
func ActorOf(u domain.User, clientAddr string) Actor {
	return Actor{UserID: u.ID, Pseudonym: u.Pseudonym, ClientAddr: clientAddr}
}

// Log appends one event. detail must not contain personal data; it is
// stored as a JSON object.
func Log(ctx context.Context, q store.Queries, a Actor, action, targetType string, targetID int64, detail map[string]any, at time.Time) error {
	e, err := Event(a, action, targetType, targetID, detail, at)
	if err != nil {
		return err
	}
	return q.AppendAudit(ctx, &e)
}

// Event returns the event Log would append.
func Event(a Actor, action, targetType string, targetID int64, detail map[string]any, at time.Time) (domain.AuditEvent, error) {
	d := "{}"
	if len(detail) > 0 {
		b, err := json.Marshal(detail)
		if err != nil {
			return domain.AuditEvent{}, err
		}
		d = string(b)
	}
	e := domain.AuditEvent{
		At:         at,
		ActorID:    a.UserID,
		Actor:      a.Pseudonym,
		Action:     action,
		TargetType: targetType,
		ClientAddr: a.ClientAddr,
		Detail:     d,
	}
	if targetID != 0 {
		e.TargetID = strconv.FormatInt(targetID, 10)
	}
	return e, nil
}
