package domain

import "time"

// SSOClient is a portal system registered as an OpenID Connect relying
// party (package sso, docs/sso.md). A system has at most one client.
type SSOClient struct {
	SystemID int64
	ClientID string
	// Public clients (no secret) must use PKCE; confidential ones
	// authenticate with a secret of which only SecretHash (SHA-256) is kept.
	Public     bool
	SecretHash []byte
	// RedirectURIs and PostLogoutURIs are matched exactly.
	RedirectURIs   []string
	PostLogoutURIs []string
	// BackchannelLogoutURI receives logout tokens (OpenID Back-Channel
	// Logout 1.0); empty: the system is not told.
	BackchannelLogoutURI string
	// InitiateLoginURI starts the system's login (OIDC Core §4); 메뉴보기
	// links to it when set.
	InitiateLoginURI string
	// SubjectType is "pairwise" (sub differs per system) or "public".
	SubjectType     string
	AccessTokenTTL  time.Duration
	IDTokenTTL      time.Duration
	RefreshTokenTTL time.Duration
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DisabledAt      time.Time // zero while in use
}

// SSOKey is a signing key of the provider, shared by every process on the
// database. It signs until RetireAt (zero: still current) and stays in the
// JWKS until ExpiresAt (zero: no end yet).
type SSOKey struct {
	ID        string // kid
	Alg       string // "RS256" or "ES256"
	Private   []byte // PKCS #8 DER
	CreatedAt time.Time
	RetireAt  time.Time
	ExpiresAt time.Time
}

// SSOAuthRequest is an authorization request between /authorize and the
// code exchange. Params holds the protocol parameters as the sso package
// encodes them. It is Done once a user authenticated for it; its code is
// redeemed at most once.
type SSOAuthRequest struct {
	ID        string
	ClientID  string
	Params    []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	// Set when the user authenticated.
	UserID    int64
	SessionID string
	AuthTime  time.Time
	CertClass CertClass
	AMR       []string
	// The code: its SHA-256, until when it may be redeemed, and when it was.
	CodeHash      []byte
	CodeExpiresAt time.Time
	RedeemedAt    time.Time
}

// Done reports whether a user authenticated for the request.
func (a SSOAuthRequest) Done() bool { return a.UserID != 0 }

// SSOToken is an access or refresh token issued to a client. Refresh
// tokens are kept as their SHA-256 only; access tokens are JWTs whose ID
// is the row's.
type SSOToken struct {
	ID            string
	Kind          string // "access" or "refresh"
	ClientID      string
	UserID        int64
	AuthRequestID string // the code exchange the token descends from
	SessionID     string // the portal session it was issued in
	RefreshHash   []byte
	Scopes        []string
	AMR           []string
	CertClass     CertClass
	AuthTime      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time
	RevokedAt     time.Time
}

// Active reports whether the token is usable at t.
func (t SSOToken) Active(at time.Time) bool {
	return t.RevokedAt.IsZero() && at.Before(t.ExpiresAt)
}

// SSOTokenFilter selects tokens; zero fields match any. At least one
// field must be set.
type SSOTokenFilter struct {
	UserID        int64
	ClientID      string
	AuthRequestID string
	SessionID     string
}

// OutboxHTTPPrefix starts the kinds of outbox messages that are HTTP POSTs
// to the URL in Recipient rather than e-mail (the sso package's
// back-channel logouts).
const OutboxHTTPPrefix = "http."
