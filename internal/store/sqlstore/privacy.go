package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Privacy: withdrawal, export, inactive accounts (docs/privacy.md) ----

// activity is a user's last sign of life: the last login, else signup.
// users_activity_idx indexes exactly this expression.
const activity = "COALESCE(last_login_at, created_at)"

// usable selects the accounts the inactivity rules apply to; it is the
// WHERE clause of users_activity_idx.
const usable = "status IN ('pending', 'active')"

// EraseUserData deletes or blanks the personal data held about a user
// outside the users row, in one transaction: the user's sessions, the
// certificate rows (whose subject and DER carry the name), the subject and
// DER of the user's certificate re-registration requests, the free-text
// justifications of the user's role requests, the outbox messages
// addressed to email, and the inactivity warning mark. On SQLite it turns
// on secure_delete for the writer connection first, so that the deleted
// bytes are overwritten in the database file rather than left in free
// pages.
func (q *queries) EraseUserData(ctx context.Context, userID int64, email string) error {
	return q.atomically(ctx, func(q *queries) error {
		if q.s.dialect == SQLite {
			if _, err := q.w.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
				return fmt.Errorf("erase user %d: secure_delete: %w", userID, err)
			}
		}
		stmts := []struct {
			what, sql string
			args      []any
		}{
			{"sessions", "DELETE FROM sessions WHERE user_id = $1", []any{userID}},
			{"certificates", "DELETE FROM certificates WHERE user_id = $1", []any{userID}},
			{"certificate requests", "UPDATE cert_requests SET subject_dn = '', der = NULL WHERE user_id = $1", []any{userID}},
			{"request justifications", "UPDATE role_requests SET justification = '' WHERE user_id = $1", []any{userID}},
			{"inactivity warning", "DELETE FROM inactive_warnings WHERE user_id = $1", []any{userID}},
			{"department and position", "DELETE FROM user_profiles WHERE user_id = $1", []any{userID}},
		}
		if e := strings.TrimSpace(email); e != "" {
			stmts = append(stmts, struct {
				what, sql string
				args      []any
			}{"outbox", "DELETE FROM outbox WHERE lower(recipient) = $1", []any{strings.ToLower(e)}})
		}
		for _, st := range stmts {
			if _, err := q.exec(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("erase user %d: %s: %w", userID, st.what, err)
			}
		}
		return nil
	})
}

// ListUserSessions returns a user's sessions, oldest first.
func (q *queries) ListUserSessions(ctx context.Context, userID int64) ([]domain.Session, error) {
	out, err := list(ctx, q, scanSession, "SELECT "+sessionCols+" FROM sessions WHERE user_id = $1 ORDER BY created_at, id", userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	return out, nil
}

// ListUsersToWarn returns up to limit pending or active users idle since
// before idleSince (no login, or signup, since) who were not warned in
// their current idle period, by last activity.
func (q *queries) ListUsersToWarn(ctx context.Context, idleSince time.Time, limit int) ([]domain.User, error) {
	_, lim := store.Page{Limit: limit}.Window()
	out, err := list(ctx, q, scanUser, "SELECT "+userCols+" FROM users WHERE "+usable+" AND "+activity+` < $1
		AND NOT EXISTS (SELECT 1 FROM inactive_warnings w WHERE w.user_id = users.id AND w.warned_at >= `+activity+`)
		ORDER BY `+activity+", id LIMIT $2", idleSince.UnixMicro(), lim)
	if err != nil {
		return nil, fmt.Errorf("list users to warn: %w", err)
	}
	return out, nil
}

// ListUsersToLock returns up to limit pending or active users idle since
// before idleSince who were warned in their current idle period before
// warnedBefore, by last activity.
func (q *queries) ListUsersToLock(ctx context.Context, idleSince, warnedBefore time.Time, limit int) ([]domain.User, error) {
	_, lim := store.Page{Limit: limit}.Window()
	out, err := list(ctx, q, scanUser, "SELECT "+userCols+" FROM users WHERE "+usable+" AND "+activity+` < $1
		AND EXISTS (SELECT 1 FROM inactive_warnings w WHERE w.user_id = users.id AND w.warned_at >= `+activity+`
			AND w.warned_at < $2)
		ORDER BY `+activity+", id LIMIT $3", idleSince.UnixMicro(), warnedBefore.UnixMicro(), lim)
	if err != nil {
		return nil, fmt.Errorf("list users to lock: %w", err)
	}
	return out, nil
}

// MarkInactiveWarned records that the user was warned at t, unless a
// warning at or after since (the start of the current idle period) is
// already recorded. It reports whether it recorded one: of concurrent
// callers exactly one gets true.
func (q *queries) MarkInactiveWarned(ctx context.Context, userID int64, since, t time.Time) (bool, error) {
	n, err := q.exec(ctx, `INSERT INTO inactive_warnings (user_id, warned_at) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET warned_at = excluded.warned_at WHERE inactive_warnings.warned_at < $3`,
		userID, t.UnixMicro(), since.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("mark user %d warned: %w", userID, err)
	}
	return n == 1, nil
}

// LockInactiveUser locks the user at t if still pending or active and idle
// since before idleSince, and forgets the user's warning; it reports
// whether it locked. Of concurrent callers exactly one gets true.
func (q *queries) LockInactiveUser(ctx context.Context, userID int64, idleSince, t time.Time) (bool, error) {
	var locked bool
	err := q.atomically(ctx, func(q *queries) error {
		n, err := q.exec(ctx, "UPDATE users SET status = 'locked', updated_at = $2 WHERE id = $1 AND "+usable+" AND "+activity+" < $3",
			userID, nowOr(t).UnixMicro(), idleSince.UnixMicro())
		if err != nil || n == 0 {
			return err
		}
		locked = true
		if _, err := q.exec(ctx, "DELETE FROM inactive_warnings WHERE user_id = $1", userID); err != nil {
			return err
		}
		// Dormant: its owner may reopen it (lifecycle.go, migration 00041).
		_, err = q.exec(ctx, "INSERT INTO dormant_accounts (user_id, locked_at) VALUES ($1, $2)", userID, nowOr(t).UnixMicro())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("lock inactive user %d: %w", userID, err)
	}
	return locked, nil
}

// ReleaseWithdrawnLoginIDs replaces the login ID of up to limit users who
// withdrew before before with "~" and their user ID, which no signup can
// choose, so that the ID may be used again; it returns their IDs.
func (q *queries) ReleaseWithdrawnLoginIDs(ctx context.Context, before, t time.Time, limit int) ([]int64, error) {
	_, lim := store.Page{Limit: limit}.Window()
	store.ForgetReads(ctx)
	rows, err := q.w.QueryContext(ctx, `UPDATE users SET login_id = '~' || CAST(id AS TEXT), updated_at = $2
		WHERE id IN (SELECT id FROM users WHERE status = 'withdrawn' AND withdrawn_at < $1 AND login_id NOT LIKE '~%'
			ORDER BY withdrawn_at, id LIMIT $3)
		RETURNING id`, before.UnixMicro(), nowOr(t).UnixMicro(), lim)
	if err != nil {
		return nil, fmt.Errorf("release withdrawn login IDs: %w", mapErr(err))
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("release withdrawn login IDs: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("release withdrawn login IDs: %w", err)
	}
	return ids, nil
}
