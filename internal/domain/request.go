package domain

import "time"

// RequestStatus is the state of a role request.
type RequestStatus string

// Request statuses. Only a pending request can change, and only once.
const (
	RequestPending   RequestStatus = "pending"   // 신청중
	RequestApproved  RequestStatus = "approved"  // 승인
	RequestRejected  RequestStatus = "rejected"  // 반려
	RequestCancelled RequestStatus = "cancelled" // 취소
	RequestExpired   RequestStatus = "expired"   // 만료
)

// RoleRequest is a user's request for a role, addressed to an approving
// institution.
type RoleRequest struct {
	ID                    int64
	UserID                int64
	RoleID                int64
	ApproverInstitutionID int64
	Status                RequestStatus
	Justification         string // the applicant's short note
	Reason                string // the decider's reason (required to reject)
	CreatedAt             time.Time
	DecidedAt             time.Time
	DeciderID             int64 // zero when the system decided (cancelled, expired)
	RemindedAt            time.Time
	EscalatedAt           time.Time
}

// Grant says that a user holds a role.
type Grant struct {
	ID           int64
	UserID       int64
	RoleID       int64
	RequestID    int64 // zero when granted directly by an administrator or seeded
	GrantedAt    time.Time
	GrantedBy    int64
	ExpiresAt    time.Time // zero: no lifetime
	RevokedAt    time.Time
	RevokedBy    int64
	RevokeReason string
}

// Active reports whether the grant is in force at t.
func (g Grant) Active(t time.Time) bool {
	return g.RevokedAt.IsZero() && (g.ExpiresAt.IsZero() || t.Before(g.ExpiresAt))
}
