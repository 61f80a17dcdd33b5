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
	// Renewal sets when holders are told that a grant lapses (renewal.go).
	Renewal RenewalConfig
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
	ExpiryNotices                          int // grants whose holders were told they lapse soon
}

// Sweep runs the periodic rules: grants past their lifetime lapse,
// pending requests of locked or withdrawn users are cancelled, long
// pending requests are reminded and escalated. Each change is its own
// transaction with its audit event, so several processes may sweep at
// once: the conditional updates let one of them win.
//
// Each rule reads only the rows it has to act on (store filters backed by
// partial indexes, migration 00021), in batches of store.MaxLimit, until
// none is left: a row acted on, here or by another process, drops out of
// the next read. A run handles at most sweepBatches batches per rule; the
// next run goes on.
func Sweep(ctx context.Context, st store.Store, cfg SweepConfig, now time.Time) (SweepResult, error) {
	cfg = cfg.withDefaults()
	var res SweepResult
	err := eachBatch(func() ([]domain.Grant, error) {
		return st.ListGrants(ctx, store.GrantFilter{LapsedBy: now, Page: store.Page{Limit: store.MaxLimit}})
	}, func(g domain.Grant) error {
		err := st.InTx(ctx, func(q store.Queries) error {
			if err := q.RevokeGrant(ctx, g.ID, 0, "기간 만료", now); err != nil {
				return err
			}
			if err := audit.Log(ctx, q, audit.System, "grant.expire", "grant", g.ID, map[string]any{"role": g.RoleID}, now); err != nil {
				return err
			}
			return renewalLapsed(ctx, q, cfg.Notices, g, now) // renewal.go: tell the holder why
		})
		if err == nil {
			res.Lapsed++
		}
		return err
	})
	if err != nil {
		return res, err
	}

	if res.ExpiryNotices, err = RenewalNotices(ctx, st, cfg.Renewal, cfg.Notices, now); err != nil {
		return res, err
	}

	pending := func(f store.RequestFilter) func() ([]domain.RoleRequest, error) {
		f.Status, f.Page = domain.RequestPending, store.Page{Limit: store.MaxLimit}
		return func() ([]domain.RoleRequest, error) {
			reqs, _, err := st.ListRequests(ctx, f)
			return reqs, err
		}
	}
	// Requests of users locked or withdrawn since they asked.
	err = eachBatch(func() ([]domain.RoleRequest, error) {
		return st.PendingOfInactive(ctx, store.MaxLimit)
	}, func(r domain.RoleRequest) error {
		u, err := st.GetUser(ctx, r.UserID)
		if err != nil {
			return err
		}
		err = st.InTx(ctx, func(q store.Queries) error {
			if _, err := q.DecideRequest(ctx, r.ID, domain.RequestCancelled, 0, "계정 잠금 또는 탈퇴", now); err != nil {
				return err
			}
			return audit.Log(ctx, q, audit.System, "request.cancel", "request", r.ID, map[string]any{"why": string(u.Status)}, now)
		})
		if err == nil {
			res.Cancelled++
		}
		return err
	})
	if err != nil {
		return res, err
	}

	// Pending at least RemindAfter: remind the approvers once. Times are
	// kept in microseconds, so "created at or before" is "before one
	// microsecond later".
	err = eachBatch(pending(store.RequestFilter{Unreminded: true, CreatedBefore: now.Add(-cfg.RemindAfter + time.Microsecond)}), func(r domain.RoleRequest) error {
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
		}
		return err
	})
	if err != nil {
		return res, err
	}

	escalate := func(r domain.RoleRequest) error {
		err := st.InTx(ctx, func(q store.Queries) error {
			if err := q.MarkRequestEscalated(ctx, r.ID, now); err != nil {
				return err
			}
			return audit.Log(ctx, q, audit.System, "request.escalate", "request", r.ID,
				map[string]any{"pending_hours": int(now.Sub(r.CreatedAt).Hours())}, now)
		})
		if err == nil {
			res.Escalated++
		}
		return err
	}
	// Pending at least EscalateAfter.
	err = eachBatch(pending(store.RequestFilter{Unescalated: true, CreatedBefore: now.Add(-cfg.EscalateAfter + time.Microsecond)}), escalate)
	if err != nil {
		return res, err
	}
	// Addressed to an institution with no active approver for the role:
	// at once.
	routes, err := st.PendingRoutes(ctx)
	if err != nil {
		return res, err
	}
	approverRoles := map[int64]int64{} // role → its approver role
	for _, rt := range routes {
		ar, ok := approverRoles[rt.RoleID]
		if !ok {
			role, err := st.GetRole(ctx, rt.RoleID)
			if err != nil {
				return res, err
			}
			ar, approverRoles[rt.RoleID] = role.ApproverRoleID, role.ApproverRoleID
		}
		has, err := hasActiveApprover(ctx, st, rt.ApproverInstitutionID, ar, now)
		if err != nil {
			return res, err
		}
		if has {
			continue
		}
		err = eachBatch(pending(store.RequestFilter{ApproverInstitutionID: rt.ApproverInstitutionID, RoleID: rt.RoleID, Unescalated: true}), escalate)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// sweepBatches bounds the batches one rule handles in one run.
const sweepBatches = 10

// eachBatch reads batches with next and runs do on each item, until a
// batch is short (the last) or after sweepBatches batches. Each item acted
// on drops out of the next read; so does one that another process acted
// on first, which do reports as a conflict and eachBatch passes over.
// Other errors stop the sweep.
func eachBatch[T any](next func() ([]T, error), do func(T) error) error {
	for range sweepBatches {
		items, err := next()
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := do(it); err != nil && !isConflict(err) {
				return err
			}
		}
		if len(items) < store.MaxLimit {
			return nil
		}
	}
	return nil
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
