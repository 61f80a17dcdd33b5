package web

import (
	"context"
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
	// Applicant (name and login ID) and Role name a decision made, on
	// the inbox after the redirect (approvals_flash.go).
	Applicant string `json:",omitempty"`
	LoginID   string `json:",omitempty"`
	Role      string `json:",omitempty"`
}

const approvalsPageSize = 20

// approvalsShow handles GET /approvals: pending requests addressed to the
// approver's institution, oldest first; ?tab=escalated the province queue;
// ?tab=history decided requests with filters.
func (s *Server) approvalsShow(w http.ResponseWriter, r *http.Request) {
	var results []decisionResult
	if f, ok := s.takeFlash(w, r); ok {
		results = s.flashResults(r, f)
	}
	s.approvalsRender(w, r, http.StatusOK, results, "")
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

// anyPrivileged reports whether one of the requests asks for a privileged
// role (access.Privileged); unknown requests are left to Decide.
func (s *Server) anyPrivileged(ctx context.Context, ids []int64) (bool, error) {
	for _, id := range ids {
		req, err := s.store.GetRequest(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return false, err
		}
		role, err := s.store.GetRole(ctx, req.RoleID)
		if err != nil {
			return false, err
		}
		if priv, err := access.Privileged(ctx, s.store, role); err != nil || priv {
			return priv, err
		}
	}
	return false, nil
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
	if action == "approve" && !s.confirmed(r) {
		// Approving an administrator or approver role needs a fresh
		// signature (access.Decide enforces it); ask before deciding any.
		if priv, err := s.anyPrivileged(ctx, ids); err != nil {
			s.serverError(w, r, err)
			return
		} else if priv && !s.confirmGate(w, r) {
			return
		}
	}
	u := *userFrom(ctx)
	reason := r.PostFormValue("reason")
	var results []decisionResult
	status := http.StatusOK
	for _, id := range ids {
		err := s.store.InTx(ctx, func(q store.Queries) error {
			_, _, err := access.Decide(ctx, q, u, clientIP(r), access.Decision{RequestID: id, Approve: action == "approve", Reason: reason, Notices: s.cfg.Mail, Confirmed: s.confirmed(r)}, s.now())
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
	decided := false
	f := flash{Action: action}
	for _, res := range results {
		decided = decided || res.OK
		it := flashItem{ID: res.RequestID, OK: res.OK}
		if !res.OK {
			it.Msg = res.Message
		}
		f.Items = append(f.Items, it)
	}
	if !decided {
		// Nothing changed: show the refusals here (a reload changes nothing).
		s.approvalsRender(w, r, status, results, "")
		return
	}
	// Post/Redirect/Get: the inbox shows the outcome once; a reload of it
	// does not decide again.
	s.setFlash(w, r, f)
	next := "/approvals"
	if tab := r.PostFormValue("tab"); tab == "escalated" {
		next += "?tab=escalated"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
