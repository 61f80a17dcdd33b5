package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/review"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The periodic access review (정기 권한 점검, docs/reviews.md): the
// reviewer's page here, the administrators' pages in reviews_admin.go.
// The rules are package review's; these handlers read forms and render.

// reviewRoutes registers the review pages.
func (s *Server) reviewRoutes(m *http.ServeMux) {
	m.Handle("GET /reviews", s.requireLogin(http.HandlerFunc(s.reviewsShow)))
	m.Handle("POST /reviews/decide", s.requireLogin(http.HandlerFunc(s.reviewsDecide)))
	m.Handle("GET /admin/reviews", s.requireAdmin(http.HandlerFunc(s.adminReviewsShow)))
	m.Handle("POST /admin/reviews", s.requireAdmin(http.HandlerFunc(s.adminReviewsCreate)))
	m.Handle("GET /admin/reviews/{id}", s.requireAdmin(http.HandlerFunc(s.adminReviewShow)))
	m.Handle("GET /admin/reviews/{id}/export.csv", s.requireAdmin(http.HandlerFunc(s.adminReviewExport)))
	m.Handle("GET /admin/access-log/report", s.requireAdmin(http.HandlerFunc(s.accessReportShow)))
	m.Handle("POST /admin/access-log/report/signoff", s.requireAdmin(http.HandlerFunc(s.accessReportSignOff)))
}

// reviewNotices is the e-mail configuration of reviews: the portal's.
func (s *Server) reviewNotices() *review.Notices {
	if s.cfg.Mail == nil {
		return nil
	}
	return &review.Notices{Site: s.cfg.Mail.Site}
}

// reviewSweep runs the campaigns' reminders and deadline actions (called
// by the janitor).
func (s *Server) reviewSweep(ctx context.Context, now time.Time) {
	start := time.Now()
	res, err := review.Sweep(ctx, s.store, s.reviewNotices(), now)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: access reviews", "err", err)
	}
	if res != (review.SweepResult{}) {
		s.log.Info("janitor: access reviews", "reminded", res.Reminded, "closed", res.Closed, "kept", res.Kept,
			"revoked", res.Revoked, "escalated", res.Escalated, "took", time.Since(start).Round(time.Millisecond))
	}
}

const reviewsPageSize = 50

// reviewsPage is the data of 정기 권한 점검 for a reviewer.
type reviewsPage struct {
	Campaigns []reviewCampaignTab
	Campaign  domain.ReviewCampaign
	Tab       string // open, decided
	Rows      []review.Row
	Total     int
	Page      int
	Pages     int
	Results   []reviewResult
	Error     string
	NoteMax   int
	Now       time.Time
}

type reviewCampaignTab struct {
	Campaign domain.ReviewCampaign
	Open     int
}

type reviewResult struct {
	ItemID  int64  `json:"item_id"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// reviewsShow handles GET /reviews[?c=campaign&tab=open|decided&page=n]:
// the items routed to the reviewer, open ones first.
func (s *Server) reviewsShow(w http.ResponseWriter, r *http.Request) {
	s.reviewsRender(w, r, http.StatusOK, nil, "")
}

func (s *Server) reviewsRender(w http.ResponseWriter, r *http.Request, status int, results []reviewResult, errMsg string) {
	ctx := r.Context()
	u := *userFrom(ctx)
	now := s.now()
	rv, err := review.ReviewerOf(ctx, s.store, u, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !rv.Any() {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "reviews.not_reviewer"))
		return
	}
	q := r.URL.Query()
	want, _ := strconv.ParseInt(q.Get("c"), 10, 64)
	if v := r.PostFormValue("campaign"); v != "" {
		want, _ = strconv.ParseInt(v, 10, 64)
	}
	p := &reviewsPage{Tab: q.Get("tab"), Results: results, Error: errMsg, NoteMax: review.MaxNote, Now: now}
	if p.Tab != "decided" {
		p.Tab = "open"
	}
	cs, _, err := s.store.ListReviewCampaigns(ctx, store.ReviewCampaignFilter{Page: store.Page{Limit: 20}})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, c := range cs {
		if !c.Started(now) {
			continue
		}
		f := rv.Filter(c.ID)
		f.OpenOnly, f.Limit = true, 1
		_, open, err := s.store.ListReviewItems(ctx, f)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		f.OpenOnly = false
		if open == 0 {
			if _, all, err := s.store.ListReviewItems(ctx, f); err != nil || all == 0 {
				continue
			}
		}
		p.Campaigns = append(p.Campaigns, reviewCampaignTab{Campaign: c, Open: open})
		if c.ID == want || (want == 0 && p.Campaign.ID == 0) {
			p.Campaign = c
		}
	}
	if p.Campaign.ID != 0 {
		p.Page, _ = strconv.Atoi(q.Get("page"))
		p.Page = max(p.Page, 1)
		f := rv.Filter(p.Campaign.ID)
		f.OpenOnly, f.DecidedOnly = p.Tab == "open", p.Tab == "decided"
		f.Page = store.Page{Offset: (p.Page - 1) * reviewsPageSize, Limit: reviewsPageSize}
		items, total, err := s.store.ListReviewItems(ctx, f)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if p.Rows, err = review.Rows(ctx, s.store, p.Campaign, items, now); err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Total, p.Pages = total, max(1, (total+reviewsPageSize-1)/reviewsPageSize)
	}
	s.render(w, r, status, "reviews", p)
}

// reviewsDecide handles POST /reviews/decide: keep or revoke one or
// several items (id), each in its own transaction.
func (s *Server) reviewsDecide(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := state(r).lang
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	action := r.PostFormValue("action")
	if action != "keep" && action != "revoke" {
		s.reviewsRender(w, r, http.StatusBadRequest, nil, translate(lang, "reviews.choose_action"))
		return
	}
	var ds []review.Decision
	for _, v := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && len(ds) < 100 {
			ds = append(ds, review.Decision{ItemID: id, Keep: action == "keep", Note: r.PostFormValue("note")})
		}
	}
	if len(ds) == 0 {
		s.reviewsRender(w, r, http.StatusBadRequest, nil, translate(lang, "reviews.choose_some"))
		return
	}
	out := review.DecideAll(ctx, s.store, *userFrom(ctx), clientIP(r), ds, s.reviewNotices(), s.now())
	status := http.StatusOK
	results := make([]reviewResult, 0, len(out))
	for _, o := range out {
		res := reviewResult{ItemID: o.ItemID, OK: o.Err == nil}
		var de *domain.Error
		switch {
		case o.Err == nil:
			res.Message = translate(lang, "reviews.done_"+action)
		case errors.As(o.Err, &de):
			res.Message = de.Message
			status = httpStatus(de.Code)
		default:
			s.serverError(w, r, o.Err)
			return
		}
		results = append(results, res)
	}
	if wantsJSON(r) {
		writeJSON(w, status, map[string]any{"results": results})
		return
	}
	s.reviewsRender(w, r, status, results, "")
}
