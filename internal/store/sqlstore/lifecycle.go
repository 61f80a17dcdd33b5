package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Grant renewals and expiry notices (store.LifecycleQueries) ----

const renewalCols = "request_id, grant_id, grant_expires_at, created_at"

func scanRenewal(sc scanner) (domain.Renewal, error) {
	var r domain.Renewal
	err := sc.Scan(&r.RequestID, &r.GrantID, timeCol{&r.GrantExpiresAt}, timeCol{&r.CreatedAt})
	return r, err
}

// CreateRenewal links a role request to the grant it renews.
func (q *queries) CreateRenewal(ctx context.Context, rn *domain.Renewal) error {
	rn.CreatedAt, rn.GrantExpiresAt = nowOr(rn.CreatedAt), norm(rn.GrantExpiresAt)
	if rn.GrantExpiresAt.IsZero() {
		return domain.Errorf(domain.EINVALID, "renewal of grant %d without an expiry", rn.GrantID)
	}
	_, err := q.exec(ctx, "INSERT INTO grant_renewals ("+renewalCols+") VALUES ($1, $2, $3, $4)",
		rn.RequestID, rn.GrantID, tv(rn.GrantExpiresAt), tv(rn.CreatedAt))
	if err != nil {
		return fmt.Errorf("renewal of grant %d by request %d: %w", rn.GrantID, rn.RequestID, err)
	}
	return nil
}

// RenewalsOf returns the renewal links of the given requests.
func (q *queries) RenewalsOf(ctx context.Context, requestIDs []int64) (map[int64]domain.Renewal, error) {
	out := map[int64]domain.Renewal{}
	for start := 0; start < len(requestIDs); start += 500 {
		var w where
		w.in("request_id", requestIDs[start:min(start+500, len(requestIDs))])
		rows, err := list(ctx, q, scanRenewal, "SELECT "+renewalCols+" FROM grant_renewals"+w.sql(), w.args...)
		if err != nil {
			return nil, fmt.Errorf("renewals of requests: %w", err)
		}
		for _, r := range rows {
			out[r.RequestID] = r
		}
	}
	return out, nil
}

// GrantRenewals lists a grant's renewals, newest first.
func (q *queries) GrantRenewals(ctx context.Context, grantID int64) ([]domain.Renewal, error) {
	out, err := list(ctx, q, scanRenewal, "SELECT "+renewalCols+
		" FROM grant_renewals WHERE grant_id = $1 ORDER BY created_at DESC, request_id DESC", grantID)
	if err != nil {
		return nil, fmt.Errorf("renewals of grant %d: %w", grantID, err)
	}
	return out, nil
}

// GetGrant reads one grant.
func (q *queries) GetGrant(ctx context.Context, id int64) (domain.Grant, error) {
	g, err := scanGrant(q.row(ctx, "SELECT "+grantCols+" FROM role_grants WHERE id = $1", id))
	if err != nil {
		return g, notFound(err, "grant %d", id)
	}
	return g, nil
}

// ExtendGrant moves an unrevoked grant's expiry from from to to.
func (q *queries) ExtendGrant(ctx context.Context, id int64, from, to time.Time) error {
	if from.IsZero() || to.IsZero() {
		return domain.Errorf(domain.EINVALID, "extend grant %d: no expiry", id)
	}
	n, err := q.exec(ctx, `UPDATE role_grants SET expires_at = $3
		WHERE id = $1 AND revoked_at IS NULL AND expires_at = $2`, id, tv(from), tv(to))
	if err != nil {
		return fmt.Errorf("extend grant %d: %w", id, err)
	}
	if n == 1 {
		return nil
	}
	if _, err := q.GetGrant(ctx, id); err != nil {
		return fmt.Errorf("extend grant: %w", err)
	}
	return fmt.Errorf("extend grant %d: revoked or expiry changed: %w", id, store.ErrConflict)
}

// ListGrantsExpiring pages through the unrevoked grants expiring in
// [after, by] after the cursor (after, afterID).
func (q *queries) ListGrantsExpiring(ctx context.Context, after, by time.Time, afterID int64, limit int) ([]domain.Grant, error) {
	limit = max(1, min(limit, store.MaxLimit))
	out, err := list(ctx, q, scanGrant, "SELECT "+grantCols+` FROM role_grants
		WHERE revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at >= $1 AND expires_at <= $2
		AND (expires_at > $1 OR id > $3)
		ORDER BY expires_at, id LIMIT $4`, after.UnixMicro(), by.UnixMicro(), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("grants expiring: %w", err)
	}
	return out, nil
}

// ListCertificatesExpiring pages through the current certificates of
// pending or active users expiring in [after, by] after the cursor
// (after, afterID).
func (q *queries) ListCertificatesExpiring(ctx context.Context, after, by time.Time, afterID int64, limit int) ([]domain.Certificate, error) {
	limit = max(1, min(limit, store.MaxLimit))
	out, err := list(ctx, q, scanCert, "SELECT "+certCols+` FROM certificates c
		WHERE replaced_at IS NULL AND removed_at IS NULL AND not_after >= $1 AND not_after <= $2
		AND (not_after > $1 OR id > $3)
		AND EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id AND u.status IN ('pending', 'active'))
		ORDER BY not_after, id LIMIT $4`, after.UnixMicro(), by.UnixMicro(), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("certificates expiring: %w", err)
	}
	return out, nil
}

// MarkExpiryNotice records a notice once.
func (q *queries) MarkExpiryNotice(ctx context.Context, kind domain.ExpiryNoticeKind, subjectID int64, at time.Time, days int, t time.Time) (bool, error) {
	n, err := q.exec(ctx, `INSERT INTO expiry_notices (kind, subject_id, expires_at, days, sent_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, subject_id, expires_at, days) DO NOTHING`,
		string(kind), subjectID, at.UnixMicro(), days, tv(nowOr(t)))
	if err != nil {
		return false, fmt.Errorf("expiry notice %s %d: %w", kind, subjectID, err)
	}
	return n == 1, nil
}

// DormantSince returns when a dormant account was locked.
func (q *queries) DormantSince(ctx context.Context, userID int64) (time.Time, error) {
	var t time.Time
	err := q.row(ctx, `SELECT d.locked_at FROM dormant_accounts d JOIN users u ON u.id = d.user_id
		WHERE d.user_id = $1 AND u.status = 'locked'`, userID).Scan(timeCol{&t})
	if err != nil {
		return t, notFound(err, "dormant account %d", userID)
	}
	return t, nil
}

// ReopenDormant reopens a dormant account; the status change clears its
// dormant row (trigger of migration 00041).
func (q *queries) ReopenDormant(ctx context.Context, userID int64, status domain.UserStatus, t time.Time) (bool, error) {
	if status != domain.UserActive && status != domain.UserPending {
		return false, domain.Errorf(domain.EINVALID, "reopen account %d as %q", userID, status)
	}
	t = nowOr(t)
	n, err := q.exec(ctx, `UPDATE users SET status = $2, last_login_at = $3, updated_at = $3
		WHERE id = $1 AND status = 'locked' AND EXISTS (SELECT 1 FROM dormant_accounts WHERE user_id = $1)`,
		userID, string(status), t.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("reopen account %d: %w", userID, err)
	}
	return n == 1, nil
}

// PutUserProfile upserts (or, both empty, deletes) a user's department
// and position.
func (q *queries) PutUserProfile(ctx context.Context, p domain.UserProfile) error {
	var err error
	if p.Department == "" && p.Position == "" {
		_, err = q.exec(ctx, "DELETE FROM user_profiles WHERE user_id = $1", p.UserID)
	} else {
		_, err = q.exec(ctx, `INSERT INTO user_profiles (user_id, department, position) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET department = excluded.department, position = excluded.position`,
			p.UserID, p.Department, p.Position)
	}
	if err != nil {
		return fmt.Errorf("profile of user %d: %w", p.UserID, err)
	}
	return nil
}

// GetUserProfiles returns the profiles of the given users.
func (q *queries) GetUserProfiles(ctx context.Context, userIDs []int64) (map[int64]domain.UserProfile, error) {
	out := map[int64]domain.UserProfile{}
	for start := 0; start < len(userIDs); start += 500 {
		var w where
		w.in("user_id", userIDs[start:min(start+500, len(userIDs))])
		rows, err := list(ctx, q, func(sc scanner) (domain.UserProfile, error) {
			var p domain.UserProfile
			return p, sc.Scan(&p.UserID, &p.Department, &p.Position)
		}, "SELECT user_id, department, position FROM user_profiles"+w.sql(), w.args...)
		if err != nil {
			return nil, fmt.Errorf("profiles: %w", err)
		}
		for _, p := range rows {
			out[p.UserID] = p
		}
	}
	return out, nil
}
