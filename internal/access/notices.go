package access

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Notices writes the e-mail notifications of requests into the outbox, in
// the caller's transaction, so a decision and its notice commit together.
// A nil *Notices writes nothing (no mail server configured).
type Notices struct {
	Site notify.Site
}

// approversAt returns the active users of an institution who hold the
// approver role.
func approversAt(ctx context.Context, q store.Queries, instID, approverRoleID int64, now time.Time) ([]domain.User, error) {
	if approverRoleID == 0 {
		return nil, nil
	}
	users, _, err := q.ListUsers(ctx, store.UserFilter{InstitutionID: instID, Status: domain.UserActive, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return nil, err
	}
	var out []domain.User
	for _, u := range users {
		g, err := q.ListGrants(ctx, store.GrantFilter{UserID: u.ID, RoleID: approverRoleID, ActiveAt: now})
		if err != nil {
			return nil, err
		}
		if len(g) > 0 {
			out = append(out, u)
		}
	}
	return out, nil
}

// describe gathers what a notice says about a request.
func describe(ctx context.Context, q store.Queries, req domain.RoleRequest, role domain.Role) (notify.Request, domain.User, error) {
	applicant, err := q.GetUser(ctx, req.UserID)
	if err != nil {
		return notify.Request{}, applicant, err
	}
	inst, err := q.GetInstitution(ctx, applicant.InstitutionID)
	if err != nil {
		return notify.Request{}, applicant, err
	}
	appr, err := q.GetInstitution(ctx, req.ApproverInstitutionID)
	if err != nil {
		return notify.Request{}, applicant, err
	}
	sys, err := q.GetSystem(ctx, role.SystemID)
	if err != nil {
		return notify.Request{}, applicant, err
	}
	return notify.Request{
		ApplicantName: applicant.Name, ApplicantInstitution: inst.Name, SystemName: sys.Name,
		RoleName: role.Name, ApproverInstitution: appr.DisplayName(), RequestedAt: req.CreatedAt,
	}, applicant, nil
}

func recipients(users []domain.User) []notify.Recipient {
	out := make([]notify.Recipient, 0, len(users))
	for _, u := range users {
		out = append(out, notify.Recipient{Name: u.Name, Email: u.Email})
	}
	return out
}

func enqueue(ctx context.Context, q store.Queries, msgs []domain.OutboxMessage, now time.Time) error {
	for i := range msgs {
		if msgs[i].CreatedAt.IsZero() {
			msgs[i].CreatedAt = now
		}
		if msgs[i].NextAttemptAt.IsZero() {
			msgs[i].NextAttemptAt = now
		}
		if err := q.EnqueueMail(ctx, &msgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// requestCreated tells the approving institution's approvers.
func (n *Notices) requestCreated(ctx context.Context, q store.Queries, req domain.RoleRequest, role domain.Role, now time.Time) error {
	if n == nil {
		return nil
	}
	r, _, err := describe(ctx, q, req, role)
	if err != nil {
		return err
	}
	users, err := approversAt(ctx, q, req.ApproverInstitutionID, role.ApproverRoleID, now)
	if err != nil {
		return err
	}
	msgs, err := notify.RequestCreated(n.Site, recipients(users), r)
	if err != nil {
		return err
	}
	return enqueue(ctx, q, msgs, now)
}

// requestDecided tells the applicant.
func (n *Notices) requestDecided(ctx context.Context, q store.Queries, req domain.RoleRequest, role domain.Role, now time.Time) error {
	if n == nil {
		return nil
	}
	r, applicant, err := describe(ctx, q, req, role)
	if err != nil {
		return err
	}
	msgs, err := notify.RequestDecided(n.Site, notify.Recipient{Name: applicant.Name, Email: applicant.Email}, r, req.Status, req.Reason, req.DecidedAt)
	if err != nil {
		return err
	}
	return enqueue(ctx, q, msgs, now)
}

// reminder tells the approvers that a request has waited long.
func (n *Notices) reminder(ctx context.Context, q store.Queries, req domain.RoleRequest, role domain.Role, now time.Time) error {
	if n == nil {
		return nil
	}
	r, _, err := describe(ctx, q, req, role)
	if err != nil {
		return err
	}
	users, err := approversAt(ctx, q, req.ApproverInstitutionID, role.ApproverRoleID, now)
	if err != nil {
		return err
	}
	msgs, err := notify.RequestReminder(n.Site, recipients(users), r, now.Sub(req.CreatedAt))
	if err != nil {
		return err
	}
	return enqueue(ctx, q, msgs, now)
}
