package domain

import (
	"slices"
	"time"
)

// APIToken is a credential that a national administrator issues to a
// system that integrates with the portal through the JSON API (/api/v1).
// The secret is shown once, at issue; the store keeps only its SHA-256
// (Hash). A token acts for no user: its Scopes say what it may do.
type APIToken struct {
	ID         int64
	Name       string   // what the token is for, e.g. "예방접종 시스템 연계"
	Scopes     []string // e.g. "grants:read", "users:write"
	Hash       []byte   // SHA-256 of the secret, 32 bytes; unique
	Prefix     string   // the secret's first characters, to recognise it in lists
	CreatedAt  time.Time
	CreatedBy  int64     // the administrator who issued it
	ExpiresAt  time.Time // the token is refused from then on
	RevokedAt  time.Time // zero while not revoked
	RevokedBy  int64
	LastUsedAt time.Time // zero until first use
}

// Active reports whether the token may be used at t: not revoked and not
// expired.
func (t APIToken) Active(at time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || at.Before(t.ExpiresAt))
}

// HasScope reports whether the token carries scope.
func (t APIToken) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }
