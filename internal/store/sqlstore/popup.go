package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Pop-up notices (팝업 공지) ----

const popupCols = "id, title, body, starts_at, ends_at, audience, role_id, version, created_at, created_by, updated_at"

func scanPopup(sc scanner) (domain.Popup, error) {
	var p domain.Popup
	var aud string
	err := sc.Scan(&p.ID, &p.Title, &p.Body, timeCol{&p.StartsAt}, timeCol{&p.EndsAt}, &aud, idCol{&p.RoleID}, &p.Version,
		timeCol{&p.CreatedAt}, idCol{&p.CreatedBy}, timeCol{&p.UpdatedAt})
	p.Audience = domain.PopupAudience(aud)
	return p, err
}

func (q *queries) CreatePopup(ctx context.Context, p *domain.Popup) error {
	p.CreatedAt = nowOr(p.CreatedAt)
	p.UpdatedAt, p.Version = p.CreatedAt, 1
	p.StartsAt, p.EndsAt = norm(p.StartsAt), norm(p.EndsAt)
	err := q.row(ctx, `INSERT INTO popups (title, body, starts_at, ends_at, audience, role_id, version, created_at, created_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $7) RETURNING id`,
		p.Title, p.Body, tv(p.StartsAt), tv(p.EndsAt), string(p.Audience), idv(p.RoleID), tv(p.CreatedAt), idv(p.CreatedBy)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("create popup: %w", mapErr(err))
	}
	return nil
}

func (q *queries) UpdatePopup(ctx context.Context, p *domain.Popup) error {
	p.UpdatedAt = nowOr(p.UpdatedAt)
	p.StartsAt, p.EndsAt = norm(p.StartsAt), norm(p.EndsAt)
	err := q.row(ctx, `UPDATE popups SET title = $2, body = $3, starts_at = $4, ends_at = $5, audience = $6, role_id = $7,
		version = version + 1, updated_at = $8 WHERE id = $1 RETURNING version`,
		p.ID, p.Title, p.Body, tv(p.StartsAt), tv(p.EndsAt), string(p.Audience), idv(p.RoleID), tv(p.UpdatedAt)).Scan(&p.Version)
	if err != nil {
		return fmt.Errorf("update popup %d: %w", p.ID, mapErr(err))
	}
	return nil
}

func (q *queries) GetPopup(ctx context.Context, id int64) (domain.Popup, error) {
	p, err := scanPopup(q.row(ctx, "SELECT "+popupCols+" FROM popups WHERE id = $1", id))
	if err != nil {
		return p, notFound(err, "popup %d", id)
	}
	return p, nil
}

func (q *queries) ListPopups(ctx context.Context, activeAt time.Time) ([]domain.Popup, error) {
	var out []domain.Popup
	var err error
	if activeAt.IsZero() {
		out, err = list(ctx, q, scanPopup, "SELECT "+popupCols+" FROM popups ORDER BY created_at DESC, id DESC LIMIT $1", store.MaxLimit)
	} else {
		t := activeAt.UnixMicro()
		out, err = list(ctx, q, scanPopup, "SELECT "+popupCols+` FROM popups WHERE ends_at > $1 AND starts_at <= $1
			ORDER BY starts_at, id LIMIT $2`, t, store.MaxLimit)
	}
	if err != nil {
		return nil, fmt.Errorf("list popups: %w", err)
	}
	return out, nil
}
