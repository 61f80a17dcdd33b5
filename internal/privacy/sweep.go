package privacy

import (
	"context"
	"errors"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// batch is how many accounts one sweep handles per rule; the next sweep
// (a minute later) takes the rest.
const batch = 200

// SweepResult counts what a sweep did.
type SweepResult struct {
	Warned, Locked, Released int
}

// Sweep runs the periodic privacy rules at now:
//
//   - a pending or active account without a login (or, never logged in,
//     since signup) for InactiveAfter−InactiveWarn is warned once in that
//     idle period: an e-mail through the outbox when Mail is set and the
//     user has an address, and always an audit event;
//   - one still idle for InactiveAfter, and warned at least InactiveWarn
//     ago, is locked, and its sessions and pending requests end with it;
//   - the login IDs of accounts withdrawn more than LoginIDHold ago are
//     freed.
//
// Each change is its own transaction with its audit event; the store's
// conditional updates let several processes sweep at once.
func Sweep(ctx context.Context, st store.Store, cfg Config, now time.Time) (SweepResult, error) {
	cfg = cfg.WithDefaults()
	var res SweepResult
	if cfg.InactiveAfter > 0 {
		if err := warn(ctx, st, cfg, now, &res); err != nil {
			return res, err
		}
		if err := lock(ctx, st, cfg, now, &res); err != nil {
			return res, err
		}
	}
	err := st.InTx(ctx, func(q store.Queries) error {
		ids, err := q.ReleaseWithdrawnLoginIDs(ctx, now.Add(-cfg.LoginIDHold), now, batch)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := audit.Log(ctx, q, audit.System, "user.login_id_release", "user", id, nil, now); err != nil {
				return err
			}
		}
		res.Released = len(ids)
		return nil
	})
	if err != nil {
		res.Released = 0
	}
	return res, err
}

// lastActivity is the start of a user's idle period.
func lastActivity(u domain.User) time.Time {
	if !u.LastLoginAt.IsZero() {
		return u.LastLoginAt
	}
	return u.CreatedAt
}

func warn(ctx context.Context, st store.Store, cfg Config, now time.Time, res *SweepResult) error {
	users, err := st.ListUsersToWarn(ctx, now.Add(-(cfg.InactiveAfter - cfg.InactiveWarn)), batch)
	if err != nil {
		return err
	}
	for _, u := range users {
		since := lastActivity(u)
		lockAt := since.Add(cfg.InactiveAfter)
		if earliest := now.Add(cfg.InactiveWarn); lockAt.Before(earliest) {
			lockAt = earliest
		}
		done := false
		err := st.InTx(ctx, func(q store.Queries) error {
			done = false
			ok, err := q.MarkInactiveWarned(ctx, u.ID, since, now)
			if err != nil || !ok {
				return err // another process warned first
			}
			mailed := false
			if cfg.Mail != nil && u.Email != "" {
				msgs, err := notify.InactiveWarning(*cfg.Mail, notify.Recipient{Name: u.Name, Email: u.Email}, u.LastLoginAt, lockAt)
				if err != nil {
					return err
				}
				for i := range msgs {
					msgs[i].CreatedAt, msgs[i].NextAttemptAt = now, now
					if err := q.EnqueueMail(ctx, &msgs[i]); err != nil {
						return err
					}
					mailed = true
				}
			}
			done = true
			return audit.Log(ctx, q, audit.System, "user.inactive_warn", "user", u.ID,
				map[string]any{"mailed": mailed, "lock_after": lockAt.UTC().Format(time.RFC3339)}, now)
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && done {
			res.Warned++
		}
	}
	return nil
}

func lock(ctx context.Context, st store.Store, cfg Config, now time.Time, res *SweepResult) error {
	idleSince := now.Add(-cfg.InactiveAfter)
	users, err := st.ListUsersToLock(ctx, idleSince, now.Add(-cfg.InactiveWarn), batch)
	if err != nil {
		return err
	}
	for _, u := range users {
		done := false
		err := st.InTx(ctx, func(q store.Queries) error {
			done = false
			ok, err := q.LockInactiveUser(ctx, u.ID, idleSince, now)
			if err != nil || !ok {
				return err // logged in meanwhile, or another process locked it
			}
			n, err := q.DeleteUserSessions(ctx, u.ID)
			if err != nil {
				return err
			}
			// Its pending requests end with the lock, as when an
			// administrator locks an account (access.Sweep would cancel
			// them within a minute otherwise).
			cancelled, err := access.CancelPendingOf(ctx, q, u.ID, 0, "휴면 계정 잠금 (inactive account locked)", now)
			if err != nil {
				return err
			}
			done = true
			return audit.Log(ctx, q, audit.System, "user.inactive_lock", "user", u.ID,
				map[string]any{"idle_days": int(now.Sub(lastActivity(u)) / Day), "sessions_ended": n, "requests_cancelled": cancelled}, now)
		})
		if err != nil {
			return err
		}
		if done {
			res.Locked++
		}
	}
	return nil
}
