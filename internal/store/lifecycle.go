package store

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// LifecycleQueries are the reads and writes of an account's later life
// (issue 18): grant renewals and the expiry notices of grants and
// certificates.
//
// A renewal is a role request (at most one pending per user and role, so
// at most one pending renewal per grant: role_requests_pending_key) linked
// to the grant it renews. CreateRenewal links them (ErrAlreadyExists when
// the request is linked already); RenewalsOf returns the links of the
// given requests (absent when not renewals); GrantRenewals lists a
// grant's renewals, newest first. ExtendGrant moves a grant's expiry from
// from to to, only while the grant is unrevoked and still expires at from
// (ErrConflict otherwise, ErrNotFound for an unknown grant).
//
// ListGrantsExpiring returns up to limit unrevoked grants expiring at or
// before by whose (expiry, ID) comes after (after, afterID), by expiry
// then ID: pass the last one's expiry and ID for the next page.
// ListCertificatesExpiring does the same for the current certificates of
// pending or active users. MarkExpiryNotice records that the notice of days before
// the expiry at of kind's subject was sent at t; it reports false when it
// was recorded before (so a notice goes out once, also with several
// processes).
type LifecycleQueries interface {
	CreateRenewal(ctx context.Context, rn *domain.Renewal) error
	RenewalsOf(ctx context.Context, requestIDs []int64) (map[int64]domain.Renewal, error)
	GrantRenewals(ctx context.Context, grantID int64) ([]domain.Renewal, error)
	GetGrant(ctx context.Context, id int64) (domain.Grant, error)
	ExtendGrant(ctx context.Context, id int64, from, to time.Time) error
	ListGrantsExpiring(ctx context.Context, after, by time.Time, afterID int64, limit int) ([]domain.Grant, error)
	ListCertificatesExpiring(ctx context.Context, after, by time.Time, afterID int64, limit int) ([]domain.Certificate, error)
	MarkExpiryNotice(ctx context.Context, kind domain.ExpiryNoticeKind, subjectID int64, at time.Time, days int, t time.Time) (bool, error)

	// Dormant accounts (휴면): locked for inactivity by LockInactiveUser,
	// not by an administrator. DormantSince returns when the account was
	// locked for inactivity, ErrNotFound when it is not dormant (any later
	// change of its status ends that). ReopenDormant gives a dormant
	// account status (pending or active) and t as its last login, and
	// reports whether it was dormant (of concurrent callers one gets true).
	DormantSince(ctx context.Context, userID int64) (time.Time, error)
	ReopenDormant(ctx context.Context, userID int64, status domain.UserStatus, t time.Time) (bool, error)

	// Changes of institution (기관 변경). At most one pending per user:
	// CreateInstitutionChange returns ErrAlreadyExists otherwise.
	// DecideInstitutionChange moves a pending change to status (approved,
	// rejected or cancelled) at t; it returns ErrConflict, with the change
	// as it now stands, when it was no longer pending.
	CreateInstitutionChange(ctx context.Context, c *domain.InstitutionChange) error // sets ID
	GetInstitutionChange(ctx context.Context, id int64) (domain.InstitutionChange, error)
	ListInstitutionChanges(ctx context.Context, f domain.InstChangeFilter) ([]domain.InstitutionChange, int, error)
	DecideInstitutionChange(ctx context.Context, id int64, status domain.InstChangeStatus, deciderID int64, reason string, t time.Time) (domain.InstitutionChange, error)

	// Department and position (부서 / 직책). PutUserProfile stores them,
	// or deletes the row when both are empty; GetUserProfiles returns
	// those of the given users (absent: none given). EraseUserData deletes
	// the row.
	PutUserProfile(ctx context.Context, p domain.UserProfile) error
	GetUserProfiles(ctx context.Context, userIDs []int64) (map[int64]domain.UserProfile, error)

	// Privacy policy versions (개인정보 처리방침). AddPrivacyPolicy stores p
	// as the next version (concurrent adders get distinct ones);
	// PrivacyPolicy returns version v, or the newest for v = 0 (ErrNotFound
	// when none); ListPrivacyPolicies pages through them, newest first,
	// with their total.
	AddPrivacyPolicy(ctx context.Context, p *domain.PrivacyPolicy) error
	PrivacyPolicy(ctx context.Context, version int) (domain.PrivacyPolicy, error)
	ListPrivacyPolicies(ctx context.Context, p Page) ([]domain.PrivacyPolicy, int, error)

	// Pop-up notices (팝업 공지). CreatePopup sets ID and Version 1;
	// UpdatePopup stores the changes with one more Version (ErrNotFound for
	// an unknown ID); ListPopups returns those shown at activeAt, oldest
	// start first, or with a zero activeAt every one, newest first.
	CreatePopup(ctx context.Context, p *domain.Popup) error
	UpdatePopup(ctx context.Context, p *domain.Popup) error
	GetPopup(ctx context.Context, id int64) (domain.Popup, error)
	ListPopups(ctx context.Context, activeAt time.Time) ([]domain.Popup, error)
}
