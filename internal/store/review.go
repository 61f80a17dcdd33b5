package store

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// ReviewStore holds periodic access reviews (package review,
// docs/reviews.md).
//
// CreateReviewCampaign inserts the campaign and, in the same transaction
// and with set-based statements (never a round trip per grant), one item
// per grant in its scope active at c.StartsAt (RoleIDs, users of
// institutions under JurisdictionIDs or everywhere when empty, users not
// withdrawn). Each item is routed to the nearest institution of the
// role's approver kind above (or at) the holder's institution, and
// escalated at once when no active user there holds the role's approver
// role. It sets c.ID and c.Items.
//
// DecideReviewItem records a decision on an open item (ErrConflict, with
// the item as it stands, when it was decided already). EscalateReviewItems
// escalates the open, not yet escalated items of ids (all of the campaign
// when ids is nil). KeepOpenReviewItems decides every open item of the
// campaign keep, automatically. MarkReviewReminded records reminder day
// as sent unless that day or a later one was (true when it recorded it);
// CloseReviewCampaign records the deadline action as run (true for the
// caller that closed it). ReviewProgress counts a campaign's items per
// reviewing institution; ReviewRoutes lists where its open items wait.
type ReviewStore interface {
	CreateReviewCampaign(ctx context.Context, c *domain.ReviewCampaign) error
	GetReviewCampaign(ctx context.Context, id int64) (domain.ReviewCampaign, error)
	ListReviewCampaigns(ctx context.Context, f ReviewCampaignFilter) ([]domain.ReviewCampaign, int, error)
	GetReviewItem(ctx context.Context, id int64) (domain.ReviewItem, error)
	ListReviewItems(ctx context.Context, f ReviewItemFilter) ([]domain.ReviewItem, int, error)
	DecideReviewItem(ctx context.Context, id int64, d domain.ReviewDecision, by int64, note string, automatic bool, t time.Time) (domain.ReviewItem, error)
	EscalateReviewItems(ctx context.Context, campaignID int64, ids []int64, t time.Time) (int, error)
	KeepOpenReviewItems(ctx context.Context, campaignID int64, t time.Time) (int, error)
	MarkReviewReminded(ctx context.Context, campaignID int64, day int) (bool, error)
	CloseReviewCampaign(ctx context.Context, campaignID int64, t time.Time) (bool, error)
	ReviewProgress(ctx context.Context, campaignID int64) ([]ReviewProgressRow, error)
	ReviewRoutes(ctx context.Context, campaignID int64) ([]ReviewRoute, error)
}

// ReviewCampaignFilter selects campaigns, newest first.
type ReviewCampaignFilter struct {
	OpenOnly bool // only campaigns whose deadline action has not run
	// DueBy, when set, keeps open campaigns whose deadline is at or
	// before it.
	DueBy time.Time
	Page
}

// ReviewItemFilter selects review items, by holder institution, then ID.
// Direct and Escalated, when set, are alternatives: an item matches when
// it matches either.
type ReviewItemFilter struct {
	CampaignID int64
	// Direct keeps items routed to InstitutionID for one of RoleIDs.
	Direct *ReviewRouteFilter
	// Escalated keeps escalated items under the province InstitutionID
	// (zero: any) for one of RoleIDs (nil: any).
	Escalated *ReviewRouteFilter
	// NotUserID leaves out the items of that holder (one's own grants).
	NotUserID int64
	// ReviewerInstitutionID keeps the items routed to that institution.
	ReviewerInstitutionID int64
	OpenOnly              bool
	DecidedOnly           bool
	EscalatedOnly         bool
	Page
}

// ReviewRouteFilter is one way items reach a reviewer.
type ReviewRouteFilter struct {
	InstitutionID int64
	RoleIDs       []int64
}

// ReviewProgressRow counts one reviewing institution's items (ID zero:
// items no institution has jurisdiction over).
type ReviewProgressRow struct {
	ReviewerInstitutionID int64
	Kept, Revoked, Open   int
	Escalated             int // open and escalated
}

// ReviewRoute is where open items of a campaign wait: the reviewing
// institution with the approver role, or, when Escalated, the province.
type ReviewRoute struct {
	ReviewerInstitutionID int64
	ApproverRoleID        int64
	ProvinceID            int64
	Escalated             bool
	Open                  int
}
