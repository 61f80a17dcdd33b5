package sqlstore

import (
	"context"
	"fmt"

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
