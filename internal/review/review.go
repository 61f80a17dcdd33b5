// Package review holds the rules of periodic access reviews (정기 권한
// 점검): who opens a campaign and over what, where each grant under review
// is routed, who may decide an item, what a decision does, and what the
// periodic sweep does at reminder days and at the deadline. It knows
// nothing of HTTP; storage is store.ReviewStore. See docs/reviews.md.
package review

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// DefaultReminderDays are the reminder days of a campaign that names
// none: D-7, D-3, D-1.
var DefaultReminderDays = []int{7, 3, 1}

// Limits of a campaign's settings.
const (
	MaxName     = 100
	MaxNote     = 500
	MaxDuration = 366 * 24 * time.Hour
	MinDuration = 24 * time.Hour
)

// Notices, when not nil, e-mails holders and reviewers through the
// outbox, in the transaction of the event.
type Notices struct {
	Site notify.Site
}

// NewCampaign is what an administrator asks for.
type NewCampaign struct {
	Name string
	// SystemIDs adds every current role of those systems to RoleIDs.
	SystemIDs []int64
	RoleIDs   []int64
	// JurisdictionIDs are the institutions whose users' grants are
	// reviewed (with everything below them). Empty: the administrator's
	// whole scope (everything for a national administrator, the province
	// for a province administrator).
	JurisdictionIDs []int64
	StartsAt        time.Time // zero: now
	Deadline        time.Time
	ReminderDays    []int // nil: DefaultReminderDays
	DeadlineAction  domain.ReviewAction
	KeepNeedsNote   bool
}

// Errors the administrator reads.
var (
	ErrNotAdmin          = domain.Errorf(domain.EFORBIDDEN, "정기 권한 점검은 질병관리청 또는 시도 관리자만 시작할 수 있습니다.")
	ErrOutsideScope      = domain.Errorf(domain.EFORBIDDEN, "관할 밖의 기관은 점검 대상으로 지정할 수 없습니다.")
	ErrNoRoles           = domain.Errorf(domain.EINVALID, "점검할 시스템 또는 권한을 하나 이상 선택하세요.")
	ErrBadDeadline       = domain.Errorf(domain.EINVALID, "마감일은 시작일로부터 1일 이후, 1년 이내로 정하세요.")
	ErrBadReminderDays   = domain.Errorf(domain.EINVALID, "알림일은 마감 전 1~60일 사이의 날짜로 입력하세요.")
	ErrBadAction         = domain.Errorf(domain.EINVALID, "마감 시 처리 방법(유지, 회수, 시도 이관)을 선택하세요.")
	ErrBadName           = domain.Errorf(domain.EINVALID, "점검 이름을 100자 이내로 입력하세요.")
	ErrCampaignNotFound  = domain.Errorf(domain.ENOTFOUND, "정기 권한 점검을 찾을 수 없습니다.")
	ErrItemNotFound      = domain.Errorf(domain.ENOTFOUND, "점검 대상을 찾을 수 없습니다.")
	ErrNotYours          = domain.Errorf(domain.EFORBIDDEN, "이 점검 대상을 결정할 권한이 없습니다. 소속 기관으로 배정된 대상만 결정할 수 있습니다.")
	ErrOwnGrant          = domain.Errorf(domain.EFORBIDDEN, "본인의 권한은 직접 점검할 수 없습니다.")
	ErrReasonRequired    = domain.Errorf(domain.EINVALID, "회수 사유를 입력하세요. 권한 보유자에게 전달됩니다.")
	ErrNoteRequired      = domain.Errorf(domain.EINVALID, "이 점검은 유지할 때도 사유(메모)를 입력해야 합니다.")
	ErrNoteTooLong       = domain.Errorf(domain.EINVALID, "사유는 500자 이내로 입력하세요.")
	ErrCampaignNotActive = domain.Errorf(domain.ECONFLICT, "아직 시작하지 않은 점검입니다.")
	ErrAlreadyDecided    = domain.Errorf(domain.ECONFLICT, "이미 결정된 점검 대상입니다.")
)

// ParseReminderDays reads reminder days as an administrator types them:
// numbers separated by commas or spaces, each optionally written D-n
// ("7,3,1", "D-7 D-3"). Blank input is no reminders. The values are
// checked by Open.
func ParseReminderDays(s string) ([]int, error) {
	days := []int{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		f = strings.TrimPrefix(strings.TrimPrefix(f, "D-"), "d-")
		d, err := strconv.Atoi(f)
		if err != nil || d < 1 || d > 60 {
			return nil, ErrBadReminderDays
		}
		days = append(days, d)
	}
	if len(days) > 10 {
		return nil, ErrBadReminderDays
	}
	return days, nil
}

// Open checks and records a campaign with its items, and its audit event,
// in one transaction. The actor must be a national or province
// administrator; a province administrator reviews only their province.
func Open(ctx context.Context, st store.Store, actor domain.User, clientAddr string, nc NewCampaign, now time.Time) (domain.ReviewCampaign, error) {
	scope, err := access.AdminScopeOf(ctx, st, actor, now)
	if err != nil {
		return domain.ReviewCampaign{}, err
	}
	if !scope.Any() {
		return domain.ReviewCampaign{}, ErrNotAdmin
	}
	c, err := validate(ctx, st, scope, nc, now)
	if err != nil {
		return c, err
	}
	c.CreatedBy = actor.ID
	err = st.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateReviewCampaign(ctx, &c); err != nil {
			return err
		}
		return audit.Log(ctx, q, audit.ActorOf(actor, clientAddr), "review.campaign.create", "review_campaign", c.ID, map[string]any{
			"roles": c.RoleIDs, "jurisdictions": c.JurisdictionIDs, "items": c.Items, "deadline_action": string(c.DeadlineAction),
			"deadline": c.Deadline.UTC().Format(time.RFC3339), "reminder_days": c.ReminderDays, "keep_needs_note": c.KeepNeedsNote,
		}, now)
	})
	return c, err
}

// validate turns nc into the campaign to store.
func validate(ctx context.Context, q store.Queries, scope access.AdminScope, nc NewCampaign, now time.Time) (domain.ReviewCampaign, error) {
	c := domain.ReviewCampaign{
		Name: strings.TrimSpace(nc.Name), CreatedAt: now, StartsAt: nc.StartsAt, Deadline: nc.Deadline,
		DeadlineAction: nc.DeadlineAction, KeepNeedsNote: nc.KeepNeedsNote,
	}
	if c.Name == "" || utf8.RuneCountInString(c.Name) > MaxName {
		return c, ErrBadName
	}
	if c.StartsAt.IsZero() || c.StartsAt.Before(now) {
		c.StartsAt = now
	}
	if d := c.Deadline.Sub(c.StartsAt); d < MinDuration || d > MaxDuration {
		return c, ErrBadDeadline
	}
	if !c.DeadlineAction.Valid() {
		return c, ErrBadAction
	}
	days := nc.ReminderDays
	if days == nil {
		days = DefaultReminderDays
	}
	for _, d := range days {
		if d < 1 || d > 60 {
			return c, ErrBadReminderDays
		}
		if !slices.Contains(c.ReminderDays, d) {
			c.ReminderDays = append(c.ReminderDays, d)
		}
	}
	slices.Sort(c.ReminderDays)
	slices.Reverse(c.ReminderDays)

	roles := map[int64]bool{}
	for _, id := range nc.SystemIDs {
		rs, err := q.ListRoles(ctx, id)
		if err != nil {
			return c, err
		}
		for _, r := range rs {
			if r.RetiredAt.IsZero() {
				roles[r.ID] = true
			}
		}
	}
	for _, id := range nc.RoleIDs {
		r, err := q.GetRole(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return c, ErrNoRoles
		} else if err != nil {
			return c, err
		}
		roles[r.ID] = true
	}
	if len(roles) == 0 {
		return c, ErrNoRoles
	}
	for id := range roles {
		c.RoleIDs = append(c.RoleIDs, id)
	}
	slices.Sort(c.RoleIDs)

	for _, id := range nc.JurisdictionIDs {
		inst, err := q.GetInstitution(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return c, ErrOutsideScope
		} else if err != nil {
			return c, err
		}
		ok, err := scope.Covers(ctx, q, inst)
		if err != nil {
			return c, err
		}
		if !ok {
			return c, ErrOutsideScope
		}
		if !slices.Contains(c.JurisdictionIDs, id) {
			c.JurisdictionIDs = append(c.JurisdictionIDs, id)
		}
	}
	if len(c.JurisdictionIDs) == 0 && !scope.National {
		c.JurisdictionIDs = []int64{scope.Province.ID}
	}
	return c, nil
}

// Reviewer is what an actor may review: nothing, some routes, or
// everything (national administrators).
type Reviewer struct {
	User     domain.User
	All      bool
	Direct   *store.ReviewRouteFilter
	Province *store.ReviewRouteFilter
	// Admin is the actor's administration scope (campaigns and progress).
	Admin access.AdminScope
}

// Any reports whether the actor reviews anything.
func (r Reviewer) Any() bool { return r.All || r.Direct != nil || r.Province != nil }

// ReviewerOf returns what actor reviews at now: the items routed to their
// institution for roles they approve there, and, as province
// administrator (or holder of the escalation role), the escalated items
// of their province; a national administrator reviews every item.
func ReviewerOf(ctx context.Context, q store.Queries, actor domain.User, now time.Time) (Reviewer, error) {
	r := Reviewer{User: actor}
	sc, err := access.ScopeOf(ctx, q, actor, now)
	if err != nil {
		return r, err
	}
	if r.Admin, err = access.AdminScopeOf(ctx, q, actor, now); err != nil {
		return r, err
	}
	if sc.National || r.Admin.National {
		r.All = true
		return r, nil
	}
	if len(sc.Direct) > 0 {
		r.Direct = &store.ReviewRouteFilter{InstitutionID: actor.InstitutionID, RoleIDs: sc.Direct}
	}
	switch {
	case r.Admin.Province.ID != 0:
		r.Province = &store.ReviewRouteFilter{InstitutionID: r.Admin.Province.ID}
	case len(sc.Escalated) > 0:
		r.Province = &store.ReviewRouteFilter{InstitutionID: actor.InstitutionID, RoleIDs: sc.Escalated}
	}
	return r, nil
}

// Filter returns the item filter of what r reviews in a campaign: never
// r's own grants.
func (r Reviewer) Filter(campaignID int64) store.ReviewItemFilter {
	f := store.ReviewItemFilter{CampaignID: campaignID, NotUserID: r.User.ID}
	if !r.All {
		f.Direct, f.Escalated = r.Direct, r.Province
		if f.Direct == nil && f.Escalated == nil {
			f.Direct = &store.ReviewRouteFilter{RoleIDs: []int64{}} // matches nothing
		}
	}
	return f
}

// authorityOver says whether actor may decide item and why: like a
// request (access.AuthorityOver) addressed to the reviewing institution;
// escalated items also to the province administrators of the holder's
// province. Nobody decides on their own grant.
func authorityOver(ctx context.Context, q store.Queries, actor domain.User, it domain.ReviewItem, now time.Time) (access.Authority, error) {
	if actor.ID == it.UserID || actor.Status != domain.UserActive {
		return access.AuthNone, nil
	}
	role, err := q.GetRole(ctx, it.RoleID)
	if err != nil {
		return access.AuthNone, err
	}
	req := domain.RoleRequest{UserID: it.UserID, RoleID: it.RoleID, ApproverInstitutionID: it.ReviewerInstitutionID, EscalatedAt: it.EscalatedAt}
	auth, err := access.AuthorityOver(ctx, q, actor, req, role, now)
	if err != nil || auth != access.AuthNone {
		return auth, err
	}
	if it.EscalatedAt.IsZero() {
		return access.AuthNone, nil
	}
	sc, err := access.AdminScopeOf(ctx, q, actor, now)
	if err != nil {
		return access.AuthNone, err
	}
	if sc.National {
		return access.AuthNational, nil
	}
	if sc.Province.ID != 0 && sc.Province.ID == it.ProvinceID {
		return access.AuthProvince, nil
	}
	return access.AuthNone, nil
}
