package domain

import "time"

// ReviewAction is what happens at a review campaign's deadline to an item
// nobody decided.
type ReviewAction string

// Deadline actions.
const (
	ReviewKeep     ReviewAction = "keep"     // 유지: the grant stays
	ReviewRevoke   ReviewAction = "revoke"   // 회수: the grant is revoked (never the last approver or administrator: escalated instead)
	ReviewEscalate ReviewAction = "escalate" // 상급기관 이관: the province decides
)

// Valid reports whether a is a known deadline action.
func (a ReviewAction) Valid() bool {
	return a == ReviewKeep || a == ReviewRevoke || a == ReviewEscalate
}

// Label returns the Korean name of the action.
func (a ReviewAction) Label() string {
	switch a {
	case ReviewKeep:
		return "유지"
	case ReviewRevoke:
		return "회수"
	case ReviewEscalate:
		return "시도 이관"
	}
	return string(a)
}

// ReviewDecision is a review item's outcome; empty while open.
type ReviewDecision string

// Review decisions.
const (
	ReviewOpen    ReviewDecision = ""
	ReviewKept    ReviewDecision = "keep"
	ReviewRevoked ReviewDecision = "revoke"
)

// ReviewRevokeReason is the revoke reason of a grant revoked by a review.
const ReviewRevokeReason = "정기 점검"

// Label returns the Korean name of the decision.
func (d ReviewDecision) Label() string {
	switch d {
	case ReviewKept:
		return "유지"
	case ReviewRevoked:
		return "회수"
	}
	return "미결정"
}

// ReviewCampaign is a periodic access review (정기 권한 점검): every grant
// of RoleIDs held by a user of an institution under one of
// JurisdictionIDs (all institutions when empty) and active when the
// campaign opened becomes a ReviewItem, decided by the institution that
// approves the role for the holder.
type ReviewCampaign struct {
	ID              int64
	Name            string
	CreatedBy       int64
	CreatedAt       time.Time
	StartsAt        time.Time
	Deadline        time.Time
	RoleIDs         []int64
	JurisdictionIDs []int64
	// ReminderDays are the days before the deadline on which reviewers
	// with open items are reminded (default 7, 3, 1).
	ReminderDays   []int
	DeadlineAction ReviewAction
	KeepNeedsNote  bool // a keep decision needs a short note
	// RemindedDay is the last reminder sent, in days before the deadline
	// (0: none yet).
	RemindedDay int
	// ClosedAt is when the deadline action ran (zero while open).
	ClosedAt time.Time
	// Items counts the campaign's items (set at creation).
	Items int
}

// Started reports whether the campaign takes decisions at t. Items stay
// decidable until decided: after the deadline only those the deadline
// action left open (escalated) remain.
func (c ReviewCampaign) Started(t time.Time) bool { return !t.Before(c.StartsAt) }

// Overdue reports whether open items of the campaign are overdue at t.
func (c ReviewCampaign) Overdue(t time.Time) bool { return !t.Before(c.Deadline) }

// ReviewItem is one grant under review. ReviewerInstitutionID is the
// institution of the role's approver kind with jurisdiction over the
// holder's institution (for a medical institution's user role, its 관할
// 보건소); ProvinceID the province over the holder's institution;
// ApproverRoleID the role a reviewer there must hold. EscalatedAt is set
// when the province administrators decide too: at creation when the
// reviewing institution had no active approver, or at the deadline.
type ReviewItem struct {
	ID                    int64
	CampaignID            int64
	GrantID               int64
	UserID                int64
	RoleID                int64
	InstitutionID         int64
	ReviewerInstitutionID int64
	ProvinceID            int64
	ApproverRoleID        int64
	CreatedAt             time.Time
	EscalatedAt           time.Time
	Decision              ReviewDecision
	DecidedBy             int64 // zero when decided by the deadline action
	DecidedAt             time.Time
	Note                  string // the keep note or the revoke reason
	Automatic             bool   // decided by the deadline action
	// GrantedAt and GrantedBy are the grant's, read with the item.
	GrantedAt time.Time
	GrantedBy int64
}

// Open reports whether the item is undecided.
func (i ReviewItem) Open() bool { return i.Decision == ReviewOpen }
