package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- API tokens ----

const apiTokenCols = "id, name, scopes, token_hash, prefix, created_at, created_by, expires_at, revoked_at, revoked_by, last_used_at"

func scanAPIToken(sc scanner) (domain.APIToken, error) {
	var t domain.APIToken
	var scopes string
	err := sc.Scan(&t.ID, &t.Name, &scopes, bytesCol{&t.Hash}, &t.Prefix, timeCol{&t.CreatedAt}, idCol{&t.CreatedBy},
		timeCol{&t.ExpiresAt}, timeCol{&t.RevokedAt}, idCol{&t.RevokedBy}, timeCol{&t.LastUsedAt})
	t.Scopes = strings.Fields(scopes)
	return t, err
}

// CreateAPIToken inserts a new, unrevoked and unused token.
func (q *queries) CreateAPIToken(ctx context.Context, t *domain.APIToken) error {
	if len(t.Hash) != 32 {
		return domain.Errorf(domain.EINVALID, "API token hash must be 32 bytes, not %d", len(t.Hash))
	}
	t.CreatedAt, t.ExpiresAt = nowOr(t.CreatedAt), norm(t.ExpiresAt)
	t.RevokedAt, t.RevokedBy, t.LastUsedAt = time.Time{}, 0, time.Time{}
	err := q.row(ctx, `INSERT INTO api_tokens (name, scopes, token_hash, prefix, created_at, created_by, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		t.Name, strings.Join(t.Scopes, " "), t.Hash, t.Prefix, tv(t.CreatedAt), idv(t.CreatedBy), tv(t.ExpiresAt)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("create API token %q: %w", t.Name, mapErr(err))
	}
	return nil
}

func (q *queries) GetAPIToken(ctx context.Context, id int64) (domain.APIToken, error) {
	t, err := scanAPIToken(q.row(ctx, "SELECT "+apiTokenCols+" FROM api_tokens WHERE id = $1", id))
	if err != nil {
		return t, notFound(err, "API token %d", id)
	}
	return t, nil
}

func (q *queries) GetAPITokenByHash(ctx context.Context, hash []byte) (domain.APIToken, error) {
	t, err := scanAPIToken(q.row(ctx, "SELECT "+apiTokenCols+" FROM api_tokens WHERE token_hash = $1", hash))
	if err != nil {
		return t, notFound(err, "API token")
	}
	return t, nil
}

// ListAPITokens returns tokens newest first and how many there are.
func (q *queries) ListAPITokens(ctx context.Context, p store.Page) ([]domain.APIToken, int, error) {
	total, err := q.count(ctx, "SELECT COUNT(*) FROM api_tokens")
	if err != nil {
		return nil, 0, fmt.Errorf("list API tokens: %w", err)
	}
	var w where
	off, lim := p.Window()
	out, err := list(ctx, q, scanAPIToken, "SELECT "+apiTokenCols+" FROM api_tokens ORDER BY created_at DESC, id DESC"+w.page(off, lim), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list API tokens: %w", err)
	}
	return out, total, nil
}

// RevokeAPIToken revokes a token once: a second revocation is a conflict.
func (q *queries) RevokeAPIToken(ctx context.Context, id, by int64, t time.Time) error {
	n, err := q.exec(ctx, "UPDATE api_tokens SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL",
		id, tv(nowOr(t)), idv(by))
	if err != nil {
		return fmt.Errorf("revoke API token %d: %w", id, err)
	}
	if n == 1 {
		return nil
	}
	if _, err := q.GetAPIToken(ctx, id); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	return fmt.Errorf("revoke API token %d: already revoked: %w", id, store.ErrConflict)
}

// TouchAPIToken records a use at t; it never moves LastUsedAt back.
func (q *queries) TouchAPIToken(ctx context.Context, id int64, t time.Time) error {
	at := nowOr(t).UnixMicro()
	n, err := q.exec(ctx, "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)", id, at)
	if err != nil {
		return fmt.Errorf("touch API token %d: %w", id, err)
	}
	if n == 0 {
		if _, err := q.GetAPIToken(ctx, id); err != nil {
			return fmt.Errorf("touch: %w", err)
		}
	}
	return nil
}
