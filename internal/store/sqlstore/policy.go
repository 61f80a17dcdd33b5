package sqlstore

import (
	"context"
	"fmt"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Privacy policy versions (개인정보 처리방침) ----

const policyCols = "version, text, source, created_at, created_by"

func scanPolicy(sc scanner) (domain.PrivacyPolicy, error) {
	var p domain.PrivacyPolicy
	err := sc.Scan(&p.Version, &p.Text, &p.Source, timeCol{&p.CreatedAt}, idCol{&p.CreatedBy})
	return p, err
}

// AddPrivacyPolicy stores p as the next version, as AddConsentVersion
// does: a table lock on PostgreSQL, the write lock on SQLite.
func (q *queries) AddPrivacyPolicy(ctx context.Context, p *domain.PrivacyPolicy) error {
	p.CreatedAt = nowOr(p.CreatedAt)
	err := q.atomically(ctx, func(q *queries) error {
		if q.s.dialect == Postgres {
			if _, err := q.exec(ctx, "LOCK TABLE privacy_policies IN SHARE ROW EXCLUSIVE MODE"); err != nil {
				return err
			}
		}
		return mapErr(q.row(ctx, `INSERT INTO privacy_policies (version, text, source, created_at, created_by)
			SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4 FROM privacy_policies RETURNING version`,
			p.Text, p.Source, tv(p.CreatedAt), idv(p.CreatedBy)).Scan(&p.Version))
	})
	if err != nil {
		return fmt.Errorf("add privacy policy: %w", err)
	}
	return nil
}

// PrivacyPolicy returns a version, or the newest for 0.
func (q *queries) PrivacyPolicy(ctx context.Context, version int) (domain.PrivacyPolicy, error) {
	var p domain.PrivacyPolicy
	var err error
	if version == 0 {
		p, err = scanPolicy(q.row(ctx, "SELECT "+policyCols+" FROM privacy_policies ORDER BY version DESC LIMIT 1"))
	} else {
		p, err = scanPolicy(q.row(ctx, "SELECT "+policyCols+" FROM privacy_policies WHERE version = $1", version))
	}
	if err != nil {
		return p, notFound(err, "privacy policy %d", version)
	}
	return p, nil
}

// ListPrivacyPolicies pages through the versions, newest first.
func (q *queries) ListPrivacyPolicies(ctx context.Context, pg store.Page) ([]domain.PrivacyPolicy, int, error) {
	total, err := q.count(ctx, "SELECT COUNT(*) FROM privacy_policies")
	if err != nil {
		return nil, 0, fmt.Errorf("list privacy policies: %w", err)
	}
	off, lim := pg.Window()
	out, err := list(ctx, q, scanPolicy, "SELECT "+policyCols+" FROM privacy_policies ORDER BY version DESC LIMIT $1 OFFSET $2", lim, off)
	if err != nil {
		return nil, 0, fmt.Errorf("list privacy policies: %w", err)
	}
	return out, total, nil
}
