package review

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Decision is a reviewer's answer on one item.
type Decision struct {
	ItemID int64
	Keep   bool
	// Note is the revoke reason (required) or the keep note (required
	// when the campaign says so).
	Note string
}

// Outcome is what became of one decision of a batch.
type Outcome struct {
	ItemID int64
	Err    error // nil: recorded
}

// DecideAll records each decision in a transaction of its own, so that a
// bulk decision keeps what it could decide and reports the rest.
func DecideAll(ctx context.Context, st store.Store, actor domain.User, clientAddr string, ds []Decision, n *Notices, now time.Time) []Outcome {
	out := make([]Outcome, 0, len(ds))
	for _, d := range ds {
		err := st.InTx(ctx, func(q store.Queries) error {
			_, err := Decide(ctx, q, actor, clientAddr, d, n, now)
			return err
		})
		out = append(out, Outcome{ItemID: d.ItemID, Err: err})
	}
	return out
}

// Decide records a reviewer's decision inside q (call it in a
// transaction): the item is decided once; a revoke revokes the grant at
// once (reason domain.ReviewRevokeReason) and e-mails the holder; both go
// to the audit log.
func Decide(ctx context.Context, q store.Queries, actor domain.User, clientAddr string, d Decision, n *Notices, now time.Time) (domain.ReviewItem, error) {
	it, err := q.GetReviewItem(ctx, d.ItemID)
	if errors.Is(err, store.ErrNotFound) {
		return it, ErrItemNotFound
	} else if err != nil {
		return it, err
	}
	if it.UserID == actor.ID {
		return it, ErrOwnGrant
	}
	auth, err := authorityOver(ctx, q, actor, it, now)
	if err != nil {
		return it, err
	}
	if auth == access.AuthNone {
		return domain.ReviewItem{}, ErrNotYours
	}
	c, err := q.GetReviewCampaign(ctx, it.CampaignID)
	if err != nil {
		return it, err
	}
	if !c.Started(now) {
		return it, ErrCampaignNotActive
	}
	if !it.Open() {
		return it, ErrAlreadyDecided
	}
	note := strings.TrimSpace(d.Note)
	switch {
	case utf8.RuneCountInString(note) > MaxNote:
		return it, ErrNoteTooLong
	case !d.Keep && note == "":
		return it, ErrReasonRequired
	case d.Keep && note == "" && c.KeepNeedsNote:
		return it, ErrNoteRequired
	}
	dec := domain.ReviewRevoked
	if d.Keep {
		dec = domain.ReviewKept
	}
	decided, err := q.DecideReviewItem(ctx, it.ID, dec, actor.ID, note, false, now)
	if errors.Is(err, store.ErrConflict) {
		return decided, ErrAlreadyDecided
	} else if err != nil {
		return decided, err
	}
	a := audit.ActorOf(actor, clientAddr)
	if err := audit.Log(ctx, q, a, "review.decide", "review_item", it.ID, map[string]any{
		"campaign": it.CampaignID, "decision": string(dec), "authority": string(auth), "grant": it.GrantID,
	}, now); err != nil {
		return decided, err
	}
	if dec == domain.ReviewRevoked {
		if err := revoke(ctx, q, a, c, decided, note, n, now); err != nil {
			return decided, err
		}
	}
	return decided, nil
}

// revoke ends the item's grant through the one revocation path
// (store.RevokeGrant with its grant.revoke audit event), tells the
// holder, and does nothing more for a grant that ended meanwhile.
func revoke(ctx context.Context, q store.Queries, a audit.Actor, c domain.ReviewCampaign, it domain.ReviewItem, reason string, n *Notices, now time.Time) error {
	err := q.RevokeGrant(ctx, it.GrantID, a.UserID, domain.ReviewRevokeReason, now)
	if errors.Is(err, store.ErrConflict) {
		return nil // revoked otherwise meanwhile: nothing left to take away
	} else if err != nil {
		return fmt.Errorf("revoke grant %d: %w", it.GrantID, err)
	}
	if err := audit.Log(ctx, q, a, "grant.revoke", "grant", it.GrantID, map[string]any{
		"user_id": it.UserID, "role_id": it.RoleID, "via": "review", "campaign": it.CampaignID, "item": it.ID, "automatic": it.Automatic,
	}, now); err != nil {
		return err
	}
	return n.revoked(ctx, q, c, it, reason, now)
}

func (n *Notices) revoked(ctx context.Context, q store.Queries, c domain.ReviewCampaign, it domain.ReviewItem, reason string, now time.Time) error {
	if n == nil {
		return nil
	}
	holder, err := q.GetUser(ctx, it.UserID)
	if err != nil {
		return err
	}
	role, err := q.GetRole(ctx, it.RoleID)
	if err != nil {
		return err
	}
	sys, err := q.GetSystem(ctx, role.SystemID)
	if err != nil {
		return err
	}
	r := notify.Review{Campaign: c.Name, Role: role.Name, System: sys.Name, Reason: reason, RevokedAt: now}
	if it.ReviewerInstitutionID != 0 {
		if inst, err := q.GetInstitution(ctx, it.ReviewerInstitutionID); err == nil {
			r.Reviewer = inst.Name
		}
	}
	msgs, err := notify.ReviewRevoked(n.Site, notify.Recipient{Name: holder.Name, Email: holder.Email}, r)
	if err != nil {
		return err
	}
	return enqueue(ctx, q, msgs, now)
}

func enqueue(ctx context.Context, q store.Queries, msgs []domain.OutboxMessage, now time.Time) error {
	for i := range msgs {
		msgs[i].CreatedAt, msgs[i].NextAttemptAt = now, now
		if err := q.EnqueueMail(ctx, &msgs[i]); err != nil {
			return err
		}
	}
	return nil
}
