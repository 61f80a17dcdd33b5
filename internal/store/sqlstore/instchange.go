package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Changes of institution (기관 변경) ----

const instChangeCols = `id, user_id, from_institution_id, to_institution_id, approver_institution_id, status, created_at,
	decided_at, decider_id, reason`

func scanInstChange(sc scanner) (domain.InstitutionChange, error) {
	var c domain.InstitutionChange
	var status string
	err := sc.Scan(&c.ID, &c.UserID, &c.FromInstitutionID, &c.ToInstitutionID, &c.ApproverInstitutionID, &status,
		timeCol{&c.CreatedAt}, timeCol{&c.DecidedAt}, idCol{&c.DeciderID}, &c.Reason)
	c.Status = domain.InstChangeStatus(status)
	return c, err
}

// CreateInstitutionChange inserts a pending change.
func (q *queries) CreateInstitutionChange(ctx context.Context, c *domain.InstitutionChange) error {
	c.Status = domain.InstChangePending
	c.CreatedAt = nowOr(c.CreatedAt)
	c.DecidedAt, c.DeciderID, c.Reason = time.Time{}, 0, ""
	err := q.row(ctx, `INSERT INTO institution_changes (user_id, from_institution_id, to_institution_id, approver_institution_id,
		status, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		c.UserID, c.FromInstitutionID, c.ToInstitutionID, c.ApproverInstitutionID, string(c.Status), tv(c.CreatedAt)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("create institution change for user %d: %w", c.UserID, mapErr(err))
	}
	return nil
}

func (q *queries) GetInstitutionChange(ctx context.Context, id int64) (domain.InstitutionChange, error) {
	c, err := scanInstChange(q.row(ctx, "SELECT "+instChangeCols+" FROM institution_changes WHERE id = $1", id))
	if err != nil {
		return c, notFound(err, "institution change %d", id)
	}
	return c, nil
}

// ListInstitutionChanges returns matching changes and how many match.
func (q *queries) ListInstitutionChanges(ctx context.Context, f domain.InstChangeFilter) ([]domain.InstitutionChange, int, error) {
	var w where
	if f.UserID != 0 {
		w.add("user_id = ?", f.UserID)
	}
	if f.ApproverInstitutionID != 0 {
		w.add("approver_institution_id = ?", f.ApproverInstitutionID)
	}
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	total, err := q.count(ctx, "SELECT COUNT(*) FROM institution_changes"+w.sql(), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list institution changes: %w", err)
	}
	off, lim := store.Page{Offset: f.Offset, Limit: f.Limit}.Window()
	desc := ""
	if f.NewestFirst {
		desc = " DESC"
	}
	query := "SELECT " + instChangeCols + " FROM institution_changes" + w.sql() +
		" ORDER BY created_at" + desc + ", id" + desc + w.page(off, lim)
	out, err := list(ctx, q, scanInstChange, query, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list institution changes: %w", err)
	}
	return out, total, nil
}

// DecideInstitutionChange updates the change only while it is pending, in
// one conditional UPDATE: of concurrent deciders exactly one wins.
func (q *queries) DecideInstitutionChange(ctx context.Context, id int64, status domain.InstChangeStatus, deciderID int64, reason string, t time.Time) (domain.InstitutionChange, error) {
	switch status {
	case domain.InstChangeApproved, domain.InstChangeRejected, domain.InstChangeCancelled:
	default:
		return domain.InstitutionChange{}, domain.Errorf(domain.EINVALID, "an institution change cannot be decided as %q", status)
	}
	c, err := scanInstChange(q.row(ctx, `UPDATE institution_changes SET status = $2, decider_id = $3, reason = $4, decided_at = $5
		WHERE id = $1 AND status = 'pending' RETURNING `+instChangeCols,
		id, string(status), idv(deciderID), reason, tv(nowOr(t))))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("decide institution change %d: %w", id, mapErr(err))
	}
	cur, err := q.GetInstitutionChange(ctx, id)
	if err != nil {
		return cur, fmt.Errorf("decide: %w", err)
	}
	return cur, fmt.Errorf("decide institution change %d: already %s: %w", id, cur.Status, store.ErrConflict)
}
