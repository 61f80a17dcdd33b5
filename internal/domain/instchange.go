package domain

import "time"

// InstChangeStatus is the state of a change of institution.
type InstChangeStatus string

// Change of institution statuses. Only a pending change can change, and
// only once.
const (
	InstChangePending   InstChangeStatus = "pending"   // 확인 대기
	InstChangeApproved  InstChangeStatus = "approved"  // 확인: the user's institution changed
	InstChangeRejected  InstChangeStatus = "rejected"  // 반려
	InstChangeCancelled InstChangeStatus = "cancelled" // 취소 (withdrawn by the user)
)

// InstitutionChange is a user's request to move to another institution
// (기관 변경). The health centre with jurisdiction over the new
// institution confirms it; until then nothing about the account changes.
type InstitutionChange struct {
	ID                    int64
	UserID                int64
	FromInstitutionID     int64
	ToInstitutionID       int64
	ApproverInstitutionID int64 // the new institution's jurisdiction health centre
	Status                InstChangeStatus
	CreatedAt             time.Time
	DecidedAt             time.Time
	DeciderID             int64  // the user when withdrawn
	Reason                string // the decider's reason (required to reject)
}

// InstChangeFilter selects changes of institution, oldest first unless
// NewestFirst.
type InstChangeFilter struct {
	UserID                int64
	ApproverInstitutionID int64
	Status                InstChangeStatus // any when empty
	NewestFirst           bool
	Offset                int
	Limit                 int // zero means 50; at most 500
}
