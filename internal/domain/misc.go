package domain

import "time"

// ConsentVersion is one version of the personal-data consent text.
type ConsentVersion struct {
	Version   int
	Text      string
	CreatedAt time.Time
}

// AuditEvent is one entry of the append-only audit log. Hash is
// SHA-256(PrevHash || canonical encoding of the other fields), so editing,
// inserting or deleting an event breaks the chain.
type AuditEvent struct {
	Seq        int64
	At         time.Time
	ActorID    int64  // zero for the system itself
	Actor      string // pseudonymous actor identifier, never a name
	Action     string // e.g. "request.approve"
	TargetType string // e.g. "request", "user"
	TargetID   string
	ClientAddr string
	Detail     string // JSON object, no personal data
	PrevHash   []byte
	Hash       []byte
}

// Session is a logged-in browser session. The cookie holds a random token;
// the store keeps only its SHA-256 (ID).
type Session struct {
	ID         string // hex SHA-256 of the cookie token
	UserID     int64
	CSRFToken  string
	CertID     int64 // certificate used at login
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute timeout
	ClientAddr string
	UserAgent  string
	// ConfirmedAt is when the user last signed a fresh "confirm"
	// challenge in this session, before a sensitive action.
	ConfirmedAt time.Time
	// CertClass is the class of the certificate CertID, read with the
	// session by GetSession (empty elsewhere, and without a certificate):
	// the personal-certificate rule is checked on every request.
	CertClass CertClass
}

// Challenge is a single-use login nonce bound to a purpose and the site
// origin.
type Challenge struct {
	Nonce     string
	Purpose   string // "signup", "login", "cert-change", "confirm"
	Origin    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// SignupDraft carries the signup wizard across its steps and page loads
// before any account exists. ID is the SHA-256 hex of the random token in
// the browser's cookie; Data is owned by package signup (JSON). Drafts
// expire: an abandoned signup leaves no account and, after ExpiresAt, no
// draft.
type SignupDraft struct {
	ID        string
	Step      int
	Data      []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
}
