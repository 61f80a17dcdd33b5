package domain

import "time"

// UserStatus is the life-cycle state of an account.
type UserStatus string

// User statuses.
const (
	UserPending   UserStatus = "pending"   // signed up, no role granted yet
	UserActive    UserStatus = "active"    // holds or held a role
	UserLocked    UserStatus = "locked"    // locked by an administrator or for inactivity
	UserWithdrawn UserStatus = "withdrawn" // withdrew; personal data deleted
)

// User is a person with a portal account. Name, Mobile, OfficePhone and
// Email are personal data listed in the consent text; they are deleted on
// withdrawal.
type User struct {
	ID             int64
	LoginID        string
	Name           string
	InstitutionID  int64
	Mobile         string // digits only, e.g. 01012345678
	OfficePhone    string // digits only
	Email          string // optional
	Status         UserStatus
	ConsentVersion int
	ConsentAt      time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	LastLoginAt    time.Time
	WithdrawnAt    time.Time
	// Pseudonym is a random identifier that stands for the user in the audit
	// log, so that withdrawal leaves no personal data there.
	Pseudonym string
	// MustReregisterCert is set by an administrator to force the user to
	// register a new certificate at the next login.
	MustReregisterCert bool
}

// CertClass says whom a certificate identifies, from its policy OID.
type CertClass string

// Certificate classes.
const (
	CertPersonal    CertClass = "personal"    // 개인
	CertInstitution CertClass = "institution" // 법인/기관
	CertUnknown     CertClass = "unknown"     // policy not in the table; not treated as personal
)

// Label returns the Korean name of the class, as in the dialog's 구분 column.
func (c CertClass) Label() string {
	switch c {
	case CertPersonal:
		return "개인"
	case CertInstitution:
		return "법인"
	}
	return "미확인"
}

// Certificate is a 공동인증서 registered to a user. KeyHash (SHA-256 of the
// SubjectPublicKeyInfo) is unique across all users. A user may hold several
// (after renewal); the current ones have zero ReplacedAt and RemovedAt.
type Certificate struct {
	ID           int64
	UserID       int64
	SubjectDN    string
	IssuerDN     string
	Serial       string // hexadecimal, lower case
	KeyHash      []byte // SHA-256 of SubjectPublicKeyInfo, 32 bytes
	NotBefore    time.Time
	NotAfter     time.Time
	PolicyOID    string
	Class        CertClass
	DER          []byte
	RegisteredAt time.Time
	ReplacedAt   time.Time
	RemovedAt    time.Time
}

// Current reports whether the certificate is still registered.
func (c Certificate) Current() bool { return c.ReplacedAt.IsZero() && c.RemovedAt.IsZero() }
