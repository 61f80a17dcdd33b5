package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/review"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The periodic access review in the JSON API (docs/reviews.md, docs/api.md):
// campaigns for administrators and tokens with reviews:read, the caller's
// items and decisions for reviewers (sessions).

type jsonReviewCampaign struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	CreatedBy       int64      `json:"createdBy,omitempty"`
	CreatedAt       *time.Time `json:"createdAt,omitempty"`
	StartsAt        *time.Time `json:"startsAt,omitempty"`
	Deadline        *time.Time `json:"deadline,omitempty"`
	RoleIDs         []int64    `json:"roleIds"`
	JurisdictionIDs []int64    `json:"jurisdictionIds"`
	ReminderDays    []int      `json:"reminderDays"`
	DeadlineAction  string     `json:"deadlineAction"`
	KeepNeedsNote   bool       `json:"keepNeedsNote"`
	Items           int        `json:"items"`
	ClosedAt        *time.Time `json:"closedAt,omitempty"`
}

func reviewCampaignJSON(c domain.ReviewCampaign) jsonReviewCampaign {
	j := jsonReviewCampaign{ID: c.ID, Name: c.Name, CreatedBy: c.CreatedBy, CreatedAt: tp(c.CreatedAt), StartsAt: tp(c.StartsAt),
		Deadline: tp(c.Deadline), RoleIDs: nonNil(c.RoleIDs), JurisdictionIDs: nonNil(c.JurisdictionIDs), ReminderDays: nonNil(c.ReminderDays),
		DeadlineAction: string(c.DeadlineAction), KeepNeedsNote: c.KeepNeedsNote, Items: c.Items, ClosedAt: tp(c.ClosedAt)}
	return j
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

type jsonReviewProgress struct {
	InstitutionID int64  `json:"institutionId"`
	Institution   string `json:"institution"`
	Kept          int    `json:"kept"`
	Revoked       int    `json:"revoked"`
	Open          int    `json:"open"`
	Escalated     int    `json:"escalated"`
	Overdue       int    `json:"overdue"`
}

func progressJSON(rows []review.ProgressRow) []jsonReviewProgress {
	out := make([]jsonReviewProgress, 0, len(rows))
	for _, r := range rows {
		out = append(out, jsonReviewProgress{InstitutionID: r.Institution.ID, Institution: r.Institution.Name,
			Kept: r.Kept, Revoked: r.Revoked, Open: r.Open, Escalated: r.Escalated, Overdue: r.Overdue})
	}
	return out
}

type jsonReviewItem struct {
	ID                    int64      `json:"id"`
	CampaignID            int64      `json:"campaignId"`
	GrantID               int64      `json:"grantId"`
	Holder                jsonUser   `json:"holder"`
	Institution           string     `json:"institution"`
	ReviewerInstitutionID int64      `json:"reviewerInstitutionId,omitempty"`
	RoleID                int64      `json:"roleId"`
	Role                  string     `json:"role"`
	System                string     `json:"system"`
	GrantedAt             *time.Time `json:"grantedAt,omitempty"`
	GrantedBy             int64      `json:"grantedBy,omitempty"`
	CertClass             string     `json:"certClass,omitempty"`
	Decision              string     `json:"decision"`
	DecidedBy             int64      `json:"decidedBy,omitempty"`
	DecidedAt             *time.Time `json:"decidedAt,omitempty"`
	Note                  string     `json:"note,omitempty"`
	Automatic             bool       `json:"automatic,omitempty"`
	Escalated             bool       `json:"escalated,omitempty"`
	Overdue               bool       `json:"overdue,omitempty"`
}

func reviewItemJSON(r review.Row) jsonReviewItem {
	it := r.Item
	d := string(it.Decision)
	if d == "" {
		d = "open"
	}
	return jsonReviewItem{ID: it.ID, CampaignID: it.CampaignID, GrantID: it.GrantID, Holder: userJSON(r.Holder), Institution: r.Institution.Name,
		ReviewerInstitutionID: it.ReviewerInstitutionID, RoleID: it.RoleID, Role: r.Role.Name, System: r.System.Name,
		GrantedAt: tp(it.GrantedAt), GrantedBy: it.GrantedBy, CertClass: string(r.CertClass), Decision: d, DecidedBy: it.DecidedBy,
		DecidedAt: tp(it.DecidedAt), Note: it.Note, Automatic: it.Automatic, Escalated: !it.EscalatedAt.IsZero(), Overdue: r.Overdue}
}

// apiCampaign reads the campaign of the path, for a caller who may see it.
func (s *Server) apiCampaign(w http.ResponseWriter, r *http.Request) (domain.ReviewCampaign, bool) {
	id, ok := s.pathID(w, r)
	if !ok {
		return domain.ReviewCampaign{}, false
	}
	c, err := s.store.GetReviewCampaign(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !visible(r, s, callerOf(r.Context()).admin, c)) {
		s.apiError(w, r, review.ErrCampaignNotFound)
		return c, false
	} else if err != nil {
		s.apiError(w, r, err)
		return c, false
	}
	return c, true
}

// apiReviews handles GET /api/v1/reviews: the campaigns the caller sees,
// newest first.
func (s *Server) apiReviews(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cs, _, err := s.store.ListReviewCampaigns(ctx, store.ReviewCampaignFilter{OpenOnly: r.URL.Query().Get("open") == "true", Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := []jsonReviewCampaign{}
	for _, c := range cs {
		if visible(r, s, callerOf(ctx).admin, c) {
			out = append(out, reviewCampaignJSON(c))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": out})
}

// apiReviewCreate handles POST /api/v1/reviews: an administrator opens a
// campaign.
func (s *Server) apiReviewCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name            string    `json:"name"`
		SystemIDs       []int64   `json:"systemIds"`
		RoleIDs         []int64   `json:"roleIds"`
		JurisdictionIDs []int64   `json:"jurisdictionIds"`
		StartsAt        time.Time `json:"startsAt"`
		Deadline        time.Time `json:"deadline"`
		ReminderDays    []int     `json:"reminderDays"`
		DeadlineAction  string    `json:"deadlineAction"`
		KeepNeedsNote   bool      `json:"keepNeedsNote"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	ctx := r.Context()
	c, err := review.Open(ctx, s.store, *userFrom(ctx), clientIP(r), review.NewCampaign{Name: in.Name, SystemIDs: in.SystemIDs,
		RoleIDs: in.RoleIDs, JurisdictionIDs: in.JurisdictionIDs, StartsAt: in.StartsAt, Deadline: in.Deadline,
		ReminderDays: in.ReminderDays, DeadlineAction: domain.ReviewAction(in.DeadlineAction), KeepNeedsNote: in.KeepNeedsNote}, s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"campaign": reviewCampaignJSON(c)})
}

// apiReview handles GET /api/v1/reviews/{id}: the campaign and its
// progress per reviewing institution.
func (s *Server) apiReview(w http.ResponseWriter, r *http.Request) {
	c, ok := s.apiCampaign(w, r)
	if !ok {
		return
	}
	rows, total, err := review.Progress(r.Context(), s.store, c, s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaign": reviewCampaignJSON(c), "progress": progressJSON(rows),
		"total": progressJSON([]review.ProgressRow{total})[0]})
}

// apiReviewItems handles GET /api/v1/reviews/{id}/items?state=open|decided:
// a session reviewer's items (never their own grants), or every item for
// a token.
func (s *Server) apiReviewItems(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	c, err := s.store.GetReviewCampaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.apiError(w, r, review.ErrCampaignNotFound)
		return
	} else if err != nil {
		s.apiError(w, r, err)
		return
	}
	now := s.now()
	rv := review.Reviewer{All: true}
	if u := callerOf(ctx).user; u != nil {
		if rv, err = review.ReviewerOf(ctx, s.store, *u, now); err != nil {
			s.apiError(w, r, err)
			return
		}
		if !rv.Any() {
			s.apiError(w, r, review.ErrNotYours)
			return
		}
	}
	f := rv.Filter(c.ID)
	switch r.URL.Query().Get("state") {
	case "open":
		f.OpenOnly = true
	case "decided":
		f.DecidedOnly = true
	}
	f.Page = pageOf(r)
	items, total, err := s.store.ListReviewItems(ctx, f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rows, err := review.Rows(ctx, s.store, c, items, now)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonReviewItem, 0, len(rows))
	for _, row := range rows {
		out = append(out, reviewItemJSON(row))
	}
	off, lim := f.Page.Window()
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "offset": off, "limit": lim})
}

// apiReviewDecide handles POST /api/v1/reviews/items/{id}/decision:
// {"decision":"keep"|"revoke","note":"..."}.
func (s *Server) apiReviewDecide(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	var in struct {
		Decision string `json:"decision"`
		Note     string `json:"note"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	if in.Decision != "keep" && in.Decision != "revoke" {
		fieldErrors(w, translate(state(r).lang, "reviews.choose_action"), map[string]string{"decision": "keep 또는 revoke"})
		return
	}
	ctx := r.Context()
	var it domain.ReviewItem
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		it, err = review.Decide(ctx, q, *userFrom(ctx), clientIP(r), review.Decision{ItemID: id, Keep: in.Decision == "keep", Note: in.Note},
			s.reviewNotices(), s.now())
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.store.GetReviewCampaign(ctx, it.CampaignID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rows, err := review.Rows(ctx, s.store, c, []domain.ReviewItem{it}, s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"item": reviewItemJSON(rows[0])})
}
