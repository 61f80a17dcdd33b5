package access

import (
	"context"
	"errors"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// SweepConfig sets the reminder and escalation thresholds.
type SweepConfig struct {
	// RemindAfter reminds the approvers of a request pending this long
	// (default 24 h).
	RemindAfter time.Duration
	// EscalateAfter puts a request pending this long in the province
	// administrators' queue too (default 72 h). A request whose approving
	// institution has no active approver is escalated at once.
	EscalateAfter time.Duration
	// Notices, when set, e-mails the reminders.
	Notices *Notices
}

func (c SweepConfig) withDefaults() SweepConfig {
	if c.RemindAfter <= 0 {
		c.RemindAfter = 24 * time.Hour
	}
	if c.EscalateAfter <= 0 {
		c.EscalateAfter = 72 * time.Hour
	}
	return c
}

// SweepResult counts what a sweep did.
type SweepResult struct {
	Lapsed, Reminded, Escalated, Cancelled int
}

// Sweep runs the periodic rules: grants past their lifetime lapse,
// pending requests of locked or withdrawn users are cancelled, long
// pending requests are reminded and escalated. Each change is its own
// transaction with its audit event, so several processes may sweep at
// once: the conditional updates let one of them win.
func Sweep(ctx context.Context, st store.Store, cfg SweepConfig, now time.Time) (SweepResult, error) {
	cfg = cfg.withDefaults()
	var res SweepResult
	lapsed, err := st.ListGrants(ctx, store.GrantFilter{LapsedBy: now, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return res, err
	}
	for _, g := range lapsed {
		err := st.InTx(ctx, func(q store.Queries) error {
			if err := q.RevokeGrant(ctx, g.ID, 0, "기간 만료", now); err != nil {
				return err
			}
			return audit.Log(ctx, q, audit.System, "grant.expire", "grant", g.ID, map[string]any{"role": g.RoleID}, now)
		})
		if err == nil {
			res.Lapsed++
		} else if !isConflict(err) {
			return res, err
		}
	}

	pending, _, err := st.ListRequests(ctx, store.RequestFilter{Status: domain.RequestPending, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return res, err
	}
	approvers := map[[2]int64]bool{} // (institution, approver role) → has an active approver
	for _, r := range pending {
		u, err := st.GetUser(ctx, r.UserID)
		if err != nil {
			return res, err
		}
		if u.Status == domain.UserLocked || u.Status == domain.UserWithdrawn {
			err := st.InTx(ctx, func(q store.Queries) error {
				if _, err := q.DecideRequest(ctx, r.ID, domain.RequestCancelled, 0, "계정 잠금 또는 탈퇴", now); err != nil {
					return err
				}
				return audit.Log(ctx, q, audit.System, "request.cancel", "request", r.ID, map[string]any{"why": string(u.Status)}, now)
			})
			if err == nil {
				res.Cancelled++
			} else if !isConflict(err) {
				return res, err
			}
			continue
		}
		age := now.Sub(r.CreatedAt)
		if r.RemindedAt.IsZero() && age >= cfg.RemindAfter {
			err := st.InTx(ctx, func(q store.Queries) error {
				if err := q.MarkRequestReminded(ctx, r.ID, now); err != nil {
					return err
				}
				if err := audit.Log(ctx, q, audit.System, "request.remind", "request", r.ID, nil, now); err != nil {
					return err
				}
				role, err := q.GetRole(ctx, r.RoleID)
				if err != nil {
					return err
				}
				return cfg.Notices.reminder(ctx, q, r, role, now)
			})
			if err == nil {
				res.Reminded++
			} else if !isConflict(err) {
				return res, err
			}
		}
		if !r.EscalatedAt.IsZero() {
			continue
		}
		escalate := age >= cfg.EscalateAfter
		if !escalate {
			role, err := st.GetRole(ctx, r.RoleID)
			if err != nil {
				return res, err
			}
			key := [2]int64{r.ApproverInstitutionID, role.ApproverRoleID}
			has, seen := approvers[key]
			if !seen {
				if has, err = hasActiveApprover(ctx, st, r.ApproverInstitutionID, role.ApproverRoleID, now); err != nil {
					return res, err
				}
				approvers[key] = has
			}
			escalate = !has
		}
		if escalate {
			err := st.InTx(ctx, func(q store.Queries) error {
				if err := q.MarkRequestEscalated(ctx, r.ID, now); err != nil {
					return err
				}
				return audit.Log(ctx, q, audit.System, "request.escalate", "request", r.ID,
					map[string]any{"pending_hours": int(age.Hours())}, now)
			})
			if err == nil {
				res.Escalated++
			} else if !isConflict(err) {
				return res, err
			}
		}
	}
	return res, nil
}

func isConflict(err error) bool {
	return err != nil && (errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound))
}

// hasActiveApprover reports whether an active user of the institution
// holds the approver role.
func hasActiveApprover(ctx context.Context, q store.Queries, instID, approverRoleID int64, now time.Time) (bool, error) {
	users, err := approversAt(ctx, q, instID, approverRoleID, now)
	return len(users) > 0, err
}
