package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// approvalsCountCap is where the inbox stops counting (an exact count of a
// busy centre's history read tens of thousands of rows per page view).
const approvalsCountCap = 10_000

// approvalsPage is the data of the approver's inbox (승인 관리).
type approvalsPage struct {
	Tab       string // inbox, escalated, history
	Scope     access.Scope
	Items     []access.InboxItem
	Total     int
	Page      int
	Pages     int
	Capped    bool // more than approvalsCountCap requests match: the pager stops there
	Filter    approvalsFilter
	Roles     []domain.Role
	Results   []decisionResult
	Error     string
	Statuses  []domain.RequestStatus
	CanEscal  bool
	ReasonMax int
	// Renewals marks the renewal requests among Items (access/renewal.go).
	Renewals map[int64]*access.RenewalInfo
	// Profiles are the applicants' department and position, where given.
	Profiles map[int64]*domain.UserProfile
}

type approvalsFilter struct {
	Status    string
	RoleID    int64
	From, To  string
	Applicant string
}

// decisionResult is the outcome of one decision of a batch.
type decisionResult struct {
	RequestID int64
	OK        bool
	Message   string
}

const approvalsPageSize = 20

// approvalsShow handles GET /approvals: pending requests addressed to the
// approver's institution, oldest first; ?tab=escalated the province queue;
// ?tab=history decided requests with filters.
func (s *Server) approvalsShow(w http.ResponseWriter, r *http.Request) {
	s.approvalsRender(w, r, http.StatusOK, nil, "")
}

func (s *Server) approvalsRender(w http.ResponseWriter, r *http.Request, status int, results []decisionResult, errMsg string) {
	ctx := r.Context()
	u := userFrom(ctx)
	now := s.now()
	sc, err := access.ScopeOf(ctx, s.store, *u, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !sc.Any() {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "approvals.not_approver"))
		return
	}
	q := r.URL.Query()
	p := &approvalsPage{Tab: q.Get("tab"), Scope: sc, Results: results, Error: errMsg,
		CanEscal: len(sc.Escalated) > 0 || sc.National, ReasonMax: access.MaxReason,
		Statuses: []domain.RequestStatus{domain.RequestApproved, domain.RequestRejected, domain.RequestCancelled, domain.RequestExpired}}
	if p.Tab != "history" && p.Tab != "escalated" {
		p.Tab = "inbox"
	}
	if p.Tab == "escalated" && !p.CanEscal {
		p.Tab = "inbox"
	}
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Page = max(p.Page, 1)
	f := access.InboxFilter{Status: domain.RequestPending, Escalated: p.Tab == "escalated", CountCap: approvalsCountCap,
		Page: store.Page{Offset: (p.Page - 1) * approvalsPageSize, Limit: approvalsPageSize}}
	p.Filter = approvalsFilter{Status: q.Get("status"), From: q.Get("from"), To: q.Get("to"), Applicant: q.Get("applicant")}
	p.Filter.RoleID, _ = strconv.ParseInt(q.Get("role"), 10, 64)
	f.RoleID, f.Applicant = p.Filter.RoleID, p.Filter.Applicant
	if p.Tab == "history" {
		f.History = true
		f.Status = domain.RequestStatus(p.Filter.Status)
		if f.Status == domain.RequestPending {
			f.Status = ""
		}
		if t, err := time.ParseInLocation("2006-01-02", p.Filter.From, kst); err == nil {
			f.From = t
		}
		if t, err := time.ParseInLocation("2006-01-02", p.Filter.To, kst); err == nil {
			f.To = t.AddDate(0, 0, 1)
		}
	}
	if p.Items, p.Total, err = access.Inbox(ctx, s.store, sc, f, now); err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Profiles, err = s.profilesOf(r, p.Items); err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Renewals, err = s.renewalsOf(r, p.Items); err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Capped = p.Total > approvalsCountCap
	p.Pages = max(1, (min(p.Total, approvalsCountCap)+approvalsPageSize-1)/approvalsPageSize)
	for _, id := range sc.Direct {
		if role, err := s.store.GetRole(ctx, id); err == nil {
			p.Roles = append(p.Roles, role)
		}
	}
	s.render(w, r, status, "approvals", p)
}

// approvalsDecide handles POST /approvals/decide: approve or reject one or
// several requests (ids), each in its own transaction, so one refusal does
// not undo the others.
func (s *Server) approvalsDecide(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	action := r.PostFormValue("action")
	if action != "approve" && action != "reject" {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, translate(state(r).lang, "approvals.choose_action"))
		return
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		s.approvalsRender(w, r, http.StatusBadRequest, nil, translate(state(r).lang, "approvals.choose_some"))
		return
	}
	if len(ids) > 100 {
		ids = ids[:100]
	}
	u := *userFrom(ctx)
	reason := r.PostFormValue("reason")
	var results []decisionResult
	status := http.StatusOK
	for _, id := range ids {
		err := s.store.InTx(ctx, func(q store.Queries) error {
			_, _, err := access.Decide(ctx, q, u, clientIP(r), access.Decision{RequestID: id, Approve: action == "approve", Reason: reason, Notices: s.cfg.Mail}, s.now())
			return err
		})
		res := decisionResult{RequestID: id, OK: err == nil}
		var de *domain.Error
		var ad *access.AlreadyDecided
		switch {
		case err == nil:
			res.Message = translate(state(r).lang, "approvals.done_"+action)
		case errors.As(err, &ad):
			res.Message = ad.Error()
			status = http.StatusConflict
		case errors.As(err, &de):
			res.Message = de.Message
			status = httpStatus(de.Code)
		default:
			s.serverError(w, r, err)
			return
		}
		results = append(results, res)
	}
	if wantsJSON(r) {
		writeJSON(w, status, map[string]any{"results": results})
		return
	}
	s.approvalsRender(w, r, status, results, "")
}
