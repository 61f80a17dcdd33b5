package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/store"
)

// DeleteOtherSessions deletes the user's sessions but keep.
func (q *queries) DeleteOtherSessions(ctx context.Context, userID int64, keep string) (int, error) {
	n, err := q.exec(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", userID, keep)
	if err != nil {
		return 0, fmt.Errorf("delete other sessions of user %d: %w", userID, err)
	}
	return int(n), nil
}

// SetSessionCert points the session at another certificate.
func (q *queries) SetSessionCert(ctx context.Context, id string, certID int64) error {
	n, err := q.exec(ctx, "UPDATE sessions SET cert_id = $2 WHERE id = $1", id, certID)
	if err != nil {
		return fmt.Errorf("set session certificate: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("set session certificate: %w", store.ErrNotFound)
	}
	return nil
}

// ServerSecret inserts fresh under name unless a secret is there, then
// reads what is (migration 00022).
func (q *queries) ServerSecret(ctx context.Context, name string, fresh []byte, t time.Time) ([]byte, error) {
	if len(fresh) == 0 {
		return nil, fmt.Errorf("server secret %q: empty", name)
	}
	if _, err := q.exec(ctx, "INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
		name, fresh, tv(nowOr(t))); err != nil {
		return nil, fmt.Errorf("server secret %q: %w", name, mapErr(err))
	}
	var secret []byte
	if err := q.row(ctx, "SELECT secret FROM server_secrets WHERE name = $1", name).Scan(&secret); err != nil {
		return nil, fmt.Errorf("server secret %q: %w", name, err)
	}
	return secret, nil
}
