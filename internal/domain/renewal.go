package domain

import "time"

// Renewal marks a role request as the renewal (권한 연장) of a grant with a
// lifetime: approved, the grant's expiry moves on by the role's lifetime
// from its current expiry, without a gap. GrantExpiresAt is the expiry
// the renewal was asked for; once the grant was renewed, a new renewal
// asks for the new expiry.
type Renewal struct {
	RequestID      int64
	GrantID        int64
	GrantExpiresAt time.Time
	CreatedAt      time.Time
}

// ExpiryNoticeKind names what an expiry notice warns of.
type ExpiryNoticeKind string

// Expiry notice kinds.
const (
	NoticeGrantExpiry ExpiryNoticeKind = "grant"       // a grant's lifetime ends
	NoticeCertExpiry  ExpiryNoticeKind = "certificate" // a registered certificate expires
)
