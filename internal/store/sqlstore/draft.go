package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// ---- Signup drafts ----

func (q *queries) PutSignupDraft(ctx context.Context, d *domain.SignupDraft) error {
	d.UpdatedAt, d.ExpiresAt = nowOr(d.UpdatedAt), norm(d.ExpiresAt)
	if d.CreatedAt.IsZero() {
		d.CreatedAt = d.UpdatedAt
	}
	d.CreatedAt = norm(d.CreatedAt)
	if d.ID == "" || d.ExpiresAt.IsZero() {
		return domain.Errorf(domain.EINVALID, "signup draft needs an ID and an expiry")
	}
	_, err := q.exec(ctx, `INSERT INTO signup_drafts (id, step, data, created_at, updated_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET step = excluded.step, data = excluded.data,
			updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
		d.ID, d.Step, nonNil(d.Data), tv(d.CreatedAt), tv(d.UpdatedAt), tv(d.ExpiresAt))
	if err != nil {
		return fmt.Errorf("put signup draft: %w", err)
	}
	return nil
}

func (q *queries) GetSignupDraft(ctx context.Context, id string) (domain.SignupDraft, error) {
	var d domain.SignupDraft
	err := q.row(ctx, "SELECT id, step, data, created_at, updated_at, expires_at FROM signup_drafts WHERE id = $1", id).
		Scan(&d.ID, &d.Step, &d.Data, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}, timeCol{&d.ExpiresAt})
	if err != nil {
		return d, notFound(err, "signup draft")
	}
	return d, nil
}

func (q *queries) DeleteExpiredSignupDrafts(ctx context.Context, before time.Time) (int, error) {
	n, err := q.exec(ctx, "DELETE FROM signup_drafts WHERE expires_at < $1", before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("delete expired signup drafts: %w", err)
	}
	return int(n), nil
}
