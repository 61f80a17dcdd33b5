package store

import (
	"context"
	"time"
)

// SessionQueries are the session writes of the account's own security
// actions (a certificate change, the user's session list).
type SessionQueries interface {
	// DeleteOtherSessions deletes every session of the user except keep
	// (which may be "" to keep none) and returns how many it deleted.
	DeleteOtherSessions(ctx context.Context, userID int64, keep string) (int, error)
	// SetSessionCert records that session id now stands for certificate
	// certID (the user replaced the one they logged in with);
	// ErrNotFound when there is no such session.
	SetSessionCert(ctx context.Context, id string, certID int64) error
	// ServerSecret returns the secret stored under name, storing fresh
	// (made by the caller, e.g. 32 random bytes) first when there is none:
	// every process on the database gets the same one, whoever asked first.
	ServerSecret(ctx context.Context, name string, fresh []byte, t time.Time) ([]byte, error)
}
