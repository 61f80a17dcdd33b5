package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/review"
	"github.com/gwanmun/gwanmun/internal/store"
)

func init() {
	adminLinks = append(adminLinks, adminLink{URL: "/admin/reviews", Label: "reviews.title"})
}

// adminReviewsPage lists the campaigns an administrator sees and the
// form that opens one.
type adminReviewsPage struct {
	Campaigns     []domain.ReviewCampaign
	Systems       []domain.System
	Roles         []domain.Role
	Jurisdictions []domain.Institution
	Form          map[string]string
	Error         string
	Created       *domain.ReviewCampaign
	Actions       []domain.ReviewAction
}

// visible reports whether an administrator of scope sees campaign c:
// national administrators every campaign, a province administrator those
// wholly within their province.
func visible(r *http.Request, s *Server, sc access.AdminScope, c domain.ReviewCampaign) bool {
	if sc.National {
		return true
	}
	if len(c.JurisdictionIDs) == 0 {
		return false
	}
	for _, id := range c.JurisdictionIDs {
		inst, err := s.store.GetInstitution(r.Context(), id)
		if err != nil {
			return false
		}
		if ok, err := sc.Covers(r.Context(), s.store, inst); err != nil || !ok {
			return false
		}
	}
	return true
}

// adminReviewsShow handles GET /admin/reviews.
func (s *Server) adminReviewsShow(w http.ResponseWriter, r *http.Request) {
	s.adminReviewsRender(w, r, http.StatusOK, nil, "", nil)
}

func (s *Server) adminReviewsRender(w http.ResponseWriter, r *http.Request, status int, form map[string]string, errMsg string, created *domain.ReviewCampaign) {
	ctx := r.Context()
	sc := adminScope(ctx)
	now := s.now()
	p := &adminReviewsPage{Form: form, Error: errMsg, Created: created,
		Actions: []domain.ReviewAction{domain.ReviewRevoke, domain.ReviewKeep, domain.ReviewEscalate}}
	if p.Form == nil {
		p.Form = map[string]string{
			"deadline":  now.In(kst).AddDate(0, 0, 14).Format("2006-01-02"),
			"reminders": "7,3,1", "action": string(domain.ReviewRevoke),
		}
	}
	cs, _, err := s.store.ListReviewCampaigns(ctx, store.ReviewCampaignFilter{Page: store.Page{Limit: 100}})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, c := range cs {
		if visible(r, s, sc, c) {
			p.Campaigns = append(p.Campaigns, c)
		}
	}
	if p.Systems, err = s.store.ListSystems(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Roles, err = s.store.ListRoles(ctx, 0); err != nil {
		s.serverError(w, r, err)
		return
	}
	jf := store.InstitutionFilter{Kind: domain.KindProvince, Page: store.Page{Limit: store.MaxLimit}}
	if !sc.National {
		p.Jurisdictions = append(p.Jurisdictions, sc.Province)
		jf = store.InstitutionFilter{Kind: domain.KindHealthCentre, ParentID: sc.Province.ID, Page: store.Page{Limit: store.MaxLimit}}
	}
	js, _, err := s.store.ListInstitutions(ctx, jf)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Jurisdictions = append(p.Jurisdictions, js...)
	s.render(w, r, status, "admin_reviews", p)
}

// adminReviewsCreate handles POST /admin/reviews: open a campaign.
func (s *Server) adminReviewsCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	form := map[string]string{}
	for _, k := range []string{"name", "starts", "deadline", "reminders", "action", "keep_note"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	ids := func(key string) []int64 {
		var out []int64
		for _, v := range r.PostForm[key] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
				out = append(out, id)
			}
		}
		return out
	}
	nc := review.NewCampaign{Name: form["name"], SystemIDs: ids("system"), RoleIDs: ids("role"), JurisdictionIDs: ids("jurisdiction"),
		StartsAt: parseDay(form["starts"], false), DeadlineAction: domain.ReviewAction(form["action"]), KeepNeedsNote: form["keep_note"] != ""}
	if d := parseDay(form["deadline"], true); !d.IsZero() {
		nc.Deadline = d.Add(-time.Second) // the end of the day, KST
	}
	if form["reminders"] != "" {
		days, err := review.ParseReminderDays(form["reminders"])
		if err != nil {
			s.adminReviewsRender(w, r, http.StatusBadRequest, form, review.ErrBadReminderDays.Message, nil)
			return
		}
		nc.ReminderDays = days
	}
	c, err := review.Open(ctx, s.store, *userFrom(ctx), clientIP(r), nc, s.now())
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		s.adminReviewsRender(w, r, httpStatus(de.Code), form, de.Message, nil)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "items": c.Items})
		return
	}
	http.Redirect(w, r, "/admin/reviews/"+strconv.FormatInt(c.ID, 10)+"?created=1", http.StatusSeeOther)
}

// adminReviewPage is a campaign's progress.
type adminReviewPage struct {
	Campaign domain.ReviewCampaign
	Roles    []domain.Role
	Rows     []review.ProgressRow
	Total    review.ProgressRow
	Chart    reviewChart
	Created  bool
	Overdue  bool
}

// reviewChart is the progress as a horizontal stacked bar chart, drawn
// as inline SVG by the template: one bar per reviewing institution.
type reviewChart struct {
	Width, Height int
	LabelWidth    int
	Bars          []reviewBar
}

type reviewBar struct {
	Label                  string
	Y                      int
	Kept, Revoked, Open    reviewSegment
	KeptN, RevokedN, OpenN int
	Total                  int
	TextX                  int
}

type reviewSegment struct{ X, W int }

const (
	chartBarArea = 480
	chartLabel   = 160
	chartRow     = 22
)

func progressChart(rows []review.ProgressRow) reviewChart {
	maxTotal := 1
	for _, r := range rows {
		maxTotal = max(maxTotal, r.Total())
	}
	ch := reviewChart{Width: chartLabel + chartBarArea + 60, Height: chartRow*len(rows) + 4, LabelWidth: chartLabel}
	for i, r := range rows {
		scale := func(n int) int { return n * chartBarArea / maxTotal }
		b := reviewBar{Label: r.Institution.Name, Y: 2 + i*chartRow, KeptN: r.Kept, RevokedN: r.Revoked, OpenN: r.Open, Total: r.Total()}
		if b.Label == "" {
			b.Label = "-"
		}
		x := chartLabel
		b.Kept = reviewSegment{X: x, W: scale(r.Kept)}
		x += b.Kept.W
		b.Revoked = reviewSegment{X: x, W: scale(r.Revoked)}
		x += b.Revoked.W
		b.Open = reviewSegment{X: x, W: scale(r.Open)}
		b.TextX = x + b.Open.W + 6
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// adminCampaign reads the campaign of the path for an administrator who
// may see it, or writes the error page.
func (s *Server) adminCampaign(w http.ResponseWriter, r *http.Request) (domain.ReviewCampaign, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var c domain.ReviewCampaign
	if err == nil {
		c, err = s.store.GetReviewCampaign(r.Context(), id)
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && !visible(r, s, adminScope(r.Context()), c)) || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, review.ErrCampaignNotFound.Message)
		return c, false
	} else if err != nil {
		s.serverError(w, r, err)
		return c, false
	}
	return c, true
}

// adminReviewShow handles GET /admin/reviews/{id}: the campaign's
// progress per reviewing institution, with a chart.
func (s *Server) adminReviewShow(w http.ResponseWriter, r *http.Request) {
	c, ok := s.adminCampaign(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	now := s.now()
	p := &adminReviewPage{Campaign: c, Created: r.URL.Query().Get("created") != "", Overdue: c.Overdue(now)}
	var err error
	if p.Rows, p.Total, err = review.Progress(ctx, s.store, c, now); err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, id := range c.RoleIDs {
		if role, err := s.store.GetRole(ctx, id); err == nil {
			p.Roles = append(p.Roles, role)
		}
	}
	p.Chart = progressChart(p.Rows)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"campaign": reviewCampaignJSON(c), "progress": progressJSON(p.Rows),
			"total": progressJSON([]review.ProgressRow{p.Total})[0]})
		return
	}
	s.render(w, r, http.StatusOK, "admin_review", p)
}

// adminReviewExport handles GET /admin/reviews/{id}/export.csv: the
// outcome of every item, as evidence; the export is audited.
func (s *Server) adminReviewExport(w http.ResponseWriter, r *http.Request) {
	c, ok := s.adminCampaign(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	now := s.now()
	u := *userFrom(ctx)
	if err := audit.Log(ctx, s.store, audit.ActorOf(u, clientIP(r)), "review.export", "review_campaign", c.ID, nil, now); err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="review-`+strconv.FormatInt(c.ID, 10)+`.csv"`)
	h.Set("Cache-Control", "no-store")
	if _, err := review.WriteCSV(ctx, s.store, w, c, now); err != nil {
		s.log.Warn("review export failed", "campaign", c.ID, "err", err)
	}
}
