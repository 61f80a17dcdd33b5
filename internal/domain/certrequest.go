package domain

import "time"

// CertRequestStatus is the state of a certificate re-registration request.
type CertRequestStatus string

// Certificate re-registration request statuses. Only a pending request can
// change, and only once.
const (
	CertRequestPending   CertRequestStatus = "pending"   // 확인 대기
	CertRequestApproved  CertRequestStatus = "approved"  // 승인: the certificate is registered
	CertRequestRejected  CertRequestStatus = "rejected"  // 반려
	CertRequestCancelled CertRequestStatus = "cancelled" // 취소
)

// CertRequest is a request to register a new certificate to an account
// whose registered certificates can no longer be used (typically the only
// one expired), so the user cannot log in to change it. The user proves
// possession of the new certificate by signing a challenge with it; the
// health centre with jurisdiction over the user's institution confirms
// (usually after calling the user) and the certificate is then registered,
// replacing the old ones. The certificate fields are those of the
// Certificate it becomes.
type CertRequest struct {
	ID                    int64
	UserID                int64
	ApproverInstitutionID int64 // the health centre that confirms
	Status                CertRequestStatus
	SubjectDN             string
	IssuerDN              string
	Serial                string // hexadecimal, lower case
	KeyHash               []byte // SHA-256 of SubjectPublicKeyInfo, 32 bytes
	NotBefore             time.Time
	NotAfter              time.Time
	PolicyOID             string
	Class                 CertClass
	DER                   []byte
	CreatedAt             time.Time
	DecidedAt             time.Time
	DeciderID             int64  // zero when the system decided (cancelled)
	Reason                string // the decider's reason (required to reject)
}

// Certificate returns the certificate record the request registers to its
// user at t.
func (r CertRequest) Certificate(t time.Time) Certificate {
	return Certificate{
		UserID:       r.UserID,
		SubjectDN:    r.SubjectDN,
		IssuerDN:     r.IssuerDN,
		Serial:       r.Serial,
		KeyHash:      r.KeyHash,
		NotBefore:    r.NotBefore,
		NotAfter:     r.NotAfter,
		PolicyOID:    r.PolicyOID,
		Class:        r.Class,
		DER:          r.DER,
		RegisteredAt: t,
	}
}

// CertRequestFilter selects certificate re-registration requests, oldest
// first unless NewestFirst.
type CertRequestFilter struct {
	UserID                int64
	ApproverInstitutionID int64
	Status                CertRequestStatus // any when empty
	KeyHash               []byte            // exact
	NewestFirst           bool
	Offset                int
	Limit                 int // zero means 50; at most 500
}
