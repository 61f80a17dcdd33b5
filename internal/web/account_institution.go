package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/lifecycle"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Change of institution (기관 변경, lifecycle/instchange.go): the user's
// page /account/institution (search as in signup step 03, request,
// withdraw, and after confirmation the one-step re-request of the revoked
// roles), and the confirming centre's queue /approvals/institutions.

// instChangePage is the data of the account_institution page.
type instChangePage struct {
	Current      domain.Institution
	Query        string
	Institutions []domain.Institution
	Last         *instChangeItem
	// Offered are the roles the confirmed change revoked, to request again
	// at the new jurisdiction in one step.
	Offered []heldRole
	Juris   domain.Institution // the new jurisdiction's centre
	Error   string
	Notice  string
}

// instChangeItem is a change with its institutions and people.
type instChangeItem struct {
	Change   domain.InstitutionChange
	User     domain.User
	From, To domain.Institution
	Centre   domain.Institution
	Waiting  time.Duration
	Decider  string
	Grants   []heldRole // the user's roles in force (for the approver)
}

func (s *Server) instChangeItem(r *http.Request, c domain.InstitutionChange, withGrants bool) (instChangeItem, error) {
	ctx := r.Context()
	it := instChangeItem{Change: c, Waiting: s.now().Sub(c.CreatedAt)}
	var err error
	if it.User, err = s.store.GetUser(ctx, c.UserID); err != nil {
		return it, err
	}
	for _, x := range []struct {
		id  int64
		dst *domain.Institution
	}{{c.FromInstitutionID, &it.From}, {c.ToInstitutionID, &it.To}, {c.ApproverInstitutionID, &it.Centre}} {
		if *x.dst, err = s.store.GetInstitution(ctx, x.id); err != nil {
			return it, err
		}
	}
	if c.DeciderID != 0 {
		if d, err := s.store.GetUser(ctx, c.DeciderID); err == nil {
			it.Decider = d.Name
		}
	}
	if withGrants {
		held, err := access.Held(ctx, s.store, c.UserID, s.now())
		if err != nil {
			return it, err
		}
		for _, g := range held {
			hr, err := s.heldRole(r, g)
			if err != nil {
				return it, err
			}
			it.Grants = append(it.Grants, hr)
		}
	}
	return it, nil
}

func (s *Server) heldRole(r *http.Request, g domain.Grant) (heldRole, error) {
	role, err := s.store.GetRole(r.Context(), g.RoleID)
	if err != nil {
		return heldRole{}, err
	}
	sys, err := s.store.GetSystem(r.Context(), role.SystemID)
	return heldRole{Grant: g, Role: role, System: sys}, err
}

// accountInstitutionShow handles GET /account/institution; ?q= searches
// institutions by name or code.
func (s *Server) accountInstitutionShow(w http.ResponseWriter, r *http.Request) {
	p := &instChangePage{}
	if k := r.URL.Query().Get("done"); k == "requested" || k == "withdrawn" || k == "rerequested" {
		p.Notice = translate(state(r).lang, "instchange.done_"+k)
	}
	s.accountInstitutionRender(w, r, http.StatusOK, p)
}

func (s *Server) accountInstitutionRender(w http.ResponseWriter, r *http.Request, status int, p *instChangePage) {
	ctx := r.Context()
	u := userFrom(ctx)
	cur, err := s.store.GetUser(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Current, err = s.store.GetInstitution(ctx, cur.InstitutionID); err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Query = strings.TrimSpace(r.FormValue("q"))
	if len([]rune(p.Query)) >= 2 {
		list, _, err := s.store.ListInstitutions(ctx, store.InstitutionFilter{Query: p.Query, Page: store.Page{Limit: 30}})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, in := range list {
			if in.RetiredAt.IsZero() && in.ID != cur.InstitutionID {
				p.Institutions = append(p.Institutions, in)
			}
		}
	}
	last, err := lifecycle.LastChange(ctx, s.store, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if last != nil {
		it, err := s.instChangeItem(r, *last, false)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Last = &it
		offered, err := lifecycle.RevokedByChange(ctx, s.store, *last, s.now())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, g := range offered {
			hr, err := s.heldRole(r, g)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			p.Offered = append(p.Offered, hr)
		}
		p.Juris = it.Centre
	}
	s.render(w, r, status, "account_institution", p)
}

// instChangeError answers a domain error of the user's page.
func (s *Server) instChangeError(w http.ResponseWriter, r *http.Request, err error) {
	var de *domain.Error
	if errors.As(err, &de) {
		if wantsJSON(r) {
			s.renderError(w, r, httpStatus(de.Code), de.Code, de.Message)
			return
		}
		s.accountInstitutionRender(w, r, httpStatus(de.Code), &instChangePage{Error: de.Message})
		return
	}
	s.serverError(w, r, err)
}

// accountInstitutionCreate handles POST /account/institution: the
// request to move to institution_id.
func (s *Server) accountInstitutionCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	to, _ := strconv.ParseInt(r.PostFormValue("institution_id"), 10, 64)
	err := s.store.InTx(ctx, func(q store.Queries) error {
		u, err := q.GetUser(ctx, userFrom(ctx).ID)
		if err != nil {
			return err
		}
		_, _, err = lifecycle.RequestChange(ctx, q, u, to, clientIP(r), s.lifecycleMail(), s.now())
		return err
	})
	if err != nil {
		s.instChangeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/institution?done=requested", http.StatusSeeOther)
}

// accountInstitutionWithdraw handles POST /account/institution/{id}/withdraw.
func (s *Server) accountInstitutionWithdraw(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	err := s.store.InTx(ctx, func(q store.Queries) error {
		return lifecycle.WithdrawChange(ctx, q, *userFrom(ctx), id, clientIP(r), s.now())
	})
	if err != nil {
		s.instChangeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/institution?done=withdrawn", http.StatusSeeOther)
}

// accountInstitutionRerequest handles POST /account/institution/rerequest:
// the roles the confirmed change revoked (role_id, several), requested
// again at the new jurisdiction, all or none.
func (s *Server) accountInstitutionRerequest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	var ids []int64
	for _, v := range r.PostForm["role_id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	class, err := s.currentCertClass(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		u, err := q.GetUser(ctx, userFrom(ctx).ID)
		if err != nil {
			return err
		}
		last, err := lifecycle.LastChange(ctx, q, u.ID)
		if err != nil {
			return err
		}
		if last == nil {
			return lifecycle.ErrChangeNotFound
		}
		_, err = lifecycle.RerequestRoles(ctx, q, u, class, *last, ids, clientIP(r), s.cfg.Mail, s.now())
		return err
	})
	if err != nil {
		s.instChangeError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/roles?view=pending&done=requested", http.StatusSeeOther)
}

// instQueuePage is the data of the approvals_institutions page.
type instQueuePage struct {
	Scope     access.Scope
	CanEscal  bool
	Items     []instChangeItem
	History   []instChangeItem
	Error     string
	Done      string
	ReasonMax int
}

// approvalsInstitutionsShow handles GET /approvals/institutions: the
// changes of institution waiting for the approver's health centre.
func (s *Server) approvalsInstitutionsShow(w http.ResponseWriter, r *http.Request) {
	done := r.URL.Query().Get("done")
	if done != "approve" && done != "reject" {
		done = ""
	}
	s.approvalsInstitutionsRender(w, r, http.StatusOK, &instQueuePage{Done: done})
}

func (s *Server) approvalsInstitutionsRender(w http.ResponseWriter, r *http.Request, status int, p *instQueuePage) {
	ctx := r.Context()
	sc, ok, err := s.reregisterScope(ctx, *userFrom(ctx))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "instchange.not_approver"))
		return
	}
	p.Scope, p.CanEscal, p.ReasonMax = sc, len(sc.Escalated) > 0 || sc.National, access.MaxReason
	pending, _, err := s.store.ListInstitutionChanges(ctx, domain.InstChangeFilter{ApproverInstitutionID: sc.Institution.ID,
		Status: domain.InstChangePending, Limit: 100})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	recent, _, err := s.store.ListInstitutionChanges(ctx, domain.InstChangeFilter{ApproverInstitutionID: sc.Institution.ID,
		NewestFirst: true, Limit: 40})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, c := range pending {
		it, err := s.instChangeItem(r, c, true)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Items = append(p.Items, it)
	}
	for _, c := range recent {
		if c.Status == domain.InstChangePending || len(p.History) >= 20 {
			continue
		}
		it, err := s.instChangeItem(r, c, false)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.History = append(p.History, it)
	}
	s.render(w, r, status, "approvals_institutions", p)
}

// approvalsInstitutionsDecide handles POST /approvals/institutions/{id}/decide
// (action approve or reject, reason).
func (s *Server) approvalsInstitutionsDecide(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	action := r.PostFormValue("action")
	if action != "approve" && action != "reject" {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, translate(state(r).lang, "approvals.choose_action"))
		return
	}
	out, err := s.decideInstChange(r, id, action == "approve", r.PostFormValue("reason"))
	var de *domain.Error
	if errors.As(err, &de) {
		if wantsJSON(r) || de.Code == domain.ENOTFOUND {
			s.renderError(w, r, httpStatus(de.Code), de.Code, de.Message)
			return
		}
		s.approvalsInstitutionsRender(w, r, httpStatus(de.Code), &instQueuePage{Error: de.Message})
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, instChangeJSON(out))
		return
	}
	http.Redirect(w, r, "/approvals/institutions?done="+action, http.StatusSeeOther)
}

func (s *Server) decideInstChange(r *http.Request, id int64, approve bool, reason string) (lifecycle.ChangeOutcome, error) {
	ctx := r.Context()
	var out lifecycle.ChangeOutcome
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		out, err = lifecycle.DecideChange(ctx, q, *userFrom(ctx), id, approve, reason, clientIP(r), s.lifecycleMail(), s.now())
		return err
	})
	return out, err
}

// instChangeJSON is a decided change in the API.
func instChangeJSON(out lifecycle.ChangeOutcome) map[string]any {
	c := out.Change
	m := map[string]any{"id": c.ID, "userId": c.UserID, "fromInstitutionId": c.FromInstitutionID, "toInstitutionId": c.ToInstitutionID,
		"approverInstitutionId": c.ApproverInstitutionID, "status": string(c.Status), "createdAt": c.CreatedAt,
		"revokedGrants": len(out.Revoked), "cancelledRequests": len(out.Cancelled)}
	if !c.DecidedAt.IsZero() {
		m["decidedAt"] = c.DecidedAt
	}
	if c.Reason != "" {
		m["reason"] = c.Reason
	}
	return m
}
