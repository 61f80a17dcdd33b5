package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/store"
)

// rolesPage is the data of 권한/부가정보 (manual 2.3–2.4).
type rolesPage struct {
	View      string // 신청가능 (requestable), 보유 (held), 신청중 (pending), 반려 (rejected)
	Views     []string
	Held      []heldRole
	Requests  []pendingRequest
	Roles     []access.RoleOption
	Approvers []approverGroup
	Juris     domain.Institution
	Inst      domain.Institution
	Choice    signupChoice
	Error     string
	Notice    string
	Fields    map[string]string
	Info      signup.Info
	Expiring  []access.ExpiringGrant // grants lapsing soon (account_renew.go)
}

// signupChoice is the role_choice partial's selection.
type signupChoice = signup.Choice

type heldRole struct {
	Grant  domain.Grant
	Role   domain.Role
	System domain.System
}

var roleViews = []string{"requestable", "held", "pending", "rejected"}

// accountRolesShow handles GET /account/roles: the permissions and
// additional information of the logged-in user.
func (s *Server) accountRolesShow(w http.ResponseWriter, r *http.Request) {
	p := &rolesPage{View: r.URL.Query().Get("view")}
	if code := r.URL.Query().Get("system"); code != "" { // from the SSO "no permission" page (sso.go)
		p.View, p.Choice.RoleID = "requestable", s.ssoPreselectFor(r, code)
	}
	switch r.URL.Query().Get("done") {
	case "requested":
		p.Notice = translate(state(r).lang, "roles.done_requested")
	case "cancelled":
		p.Notice = translate(state(r).lang, "roles.done_cancelled")
	case "relinquished":
		p.Notice = translate(state(r).lang, "roles.done_relinquished")
	case "info":
		p.Notice = translate(state(r).lang, "roles.done_info")
	case "renewal":
		p.Notice = translate(state(r).lang, "renew.done")
	}
	s.accountRolesRender(w, r, http.StatusOK, p)
}

func (s *Server) accountRolesRender(w http.ResponseWriter, r *http.Request, status int, p *rolesPage) {
	ctx := r.Context()
	u := userFrom(ctx)
	now := s.now()
	if !validView(p.View) {
		p.View = "held"
	}
	p.Views = roleViews
	if p.Info.LoginID == "" {
		p.Info = signup.Info{Name: u.Name, LoginID: u.LoginID, Mobile: u.Mobile, OfficePhone: u.OfficePhone, Email: u.Email}
		if err := s.fillProfile(r, &p.Info, u.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	held, err := access.Held(ctx, s.store, u.ID, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Expiring, err = s.expiring(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	switch p.View {
	case "held":
		for _, g := range held {
			role, err := s.store.GetRole(ctx, g.RoleID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			sys, err := s.store.GetSystem(ctx, role.SystemID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			p.Held = append(p.Held, heldRole{Grant: g, Role: role, System: sys})
		}
	case "pending", "rejected":
		status := domain.RequestPending
		if p.View == "rejected" {
			status = domain.RequestRejected
		}
		if p.Requests, err = s.userRequests(ctx, u.ID, status); err != nil {
			s.serverError(w, r, err)
			return
		}
	case "requestable":
		if p.Inst, p.Roles, err = s.requestable(r, *u, held); err != nil {
			s.serverError(w, r, err)
			return
		}
		inst := p.Inst
		kind := domain.KindHealthCentre
		for _, o := range p.Roles {
			if o.Blocked == "" {
				kind = o.Role.ApproverKind
				break
			}
		}
		if p.Approvers, p.Juris, err = s.approverChoices(r, inst, kind); err != nil {
			s.serverError(w, r, err)
			return
		}
		if p.Choice.ApproverInstitutionID == 0 {
			p.Choice.ApproverInstitutionID = p.Juris.ID
		}
	}
	s.render(w, r, status, "roles", p)
}

// requestable returns the user's institution and the roles the user may
// request (신청가능): those open to the institution's kind, not held, not
// pending; roles needing a personal certificate are marked blocked when the
// session's certificate is not personal.
func (s *Server) requestable(r *http.Request, u domain.User, held map[int64]domain.Grant) (domain.Institution, []access.RoleOption, error) {
	ctx := r.Context()
	skip := map[int64]bool{}
	for id := range held {
		skip[id] = true
	}
	pend, _, err := s.store.ListRequests(ctx, store.RequestFilter{UserID: u.ID, Status: domain.RequestPending, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return domain.Institution{}, nil, err
	}
	for _, rq := range pend {
		skip[rq.RoleID] = true
	}
	inst, err := s.store.GetInstitution(ctx, u.InstitutionID)
	if err != nil {
		return domain.Institution{}, nil, err
	}
	class, err := s.currentCertClass(r)
	if err != nil {
		return domain.Institution{}, nil, err
	}
	roles, err := access.RequestableRoles(ctx, s.store, inst.Kind, class, skip)
	return inst, roles, err
}

func validView(v string) bool {
	for _, x := range roleViews {
		if v == x {
			return true
		}
	}
	return false
}

// currentCertClass is the class of the certificate the session logged in
// with.
func (s *Server) currentCertClass(r *http.Request) (domain.CertClass, error) {
	st := state(r)
	certs, err := s.store.ListCertificates(r.Context(), st.user.ID)
	if err != nil {
		return "", err
	}
	class := domain.CertUnknown
	for _, c := range certs {
		if c.ID == st.session.CertID || (st.session.CertID == 0 && c.Current()) {
			class = c.Class
		}
	}
	return class, nil
}

// accountRequestCreate handles POST /account/roles/request ([권한 신청]).
func (s *Server) accountRequestCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := *userFrom(ctx)
	c := signup.Choice{
		Justification:                r.PostFormValue("justification"),
		ConfirmedOutsideJurisdiction: r.PostFormValue("confirm_outside") == "yes",
	}
	c.RoleID, _ = strconv.ParseInt(r.PostFormValue("role_id"), 10, 64)
	c.ApproverInstitutionID, _ = strconv.ParseInt(r.PostFormValue("approver_id"), 10, 64)
	class, err := s.currentCertClass(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		_, _, err := access.CreateRequest(ctx, q, actorOf(r), access.NewRequest{
			Applicant: u, CertClass: class, RoleID: c.RoleID, ApproverInstitutionID: c.ApproverInstitutionID,
			Justification: c.Justification, ConfirmedOutsideJurisdiction: c.ConfirmedOutsideJurisdiction,
			Notices: s.cfg.Mail,
		}, now)
		return err
	})
	var de *domain.Error
	if errors.As(err, &de) {
		s.accountRolesRender(w, r, httpStatus(de.Code), &rolesPage{View: "requestable", Error: de.Message, Choice: c})
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/roles?view=pending&done=requested", http.StatusSeeOther)
}

// accountRequestCancel handles POST /account/requests/{id}/cancel.
func (s *Server) accountRequestCancel(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	ctx := r.Context()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		return access.Cancel(ctx, q, *userFrom(ctx), clientIP(r), id, s.now())
	})
	if s.accessError(w, r, err, "/account/roles?view=pending") {
		return
	}
	http.Redirect(w, r, "/account/roles?view=pending&done=cancelled", http.StatusSeeOther)
}

// accountGrantRelinquish handles POST /account/grants/{id}/relinquish.
func (s *Server) accountGrantRelinquish(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	ctx := r.Context()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		return access.Relinquish(ctx, q, *userFrom(ctx), clientIP(r), id, s.now())
	})
	if s.accessError(w, r, err, "/account/roles") {
		return
	}
	http.Redirect(w, r, "/account/roles?view=held&done=relinquished", http.StatusSeeOther)
}

// accountInfoUpdate handles POST /account/info: the additional information
// (phones, e-mail).
func (s *Server) accountInfoUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := *userFrom(ctx)
	in := signup.Info{Name: u.Name, LoginID: u.LoginID, Mobile: r.PostFormValue("mobile"),
		OfficePhone: r.PostFormValue("office_phone"), Email: r.PostFormValue("email"),
		Department: r.PostFormValue("department"), Position: r.PostFormValue("position")}
	fe := map[string]string{}
	var msg string
	if in.Mobile, msg = signup.Mobile(in.Mobile); msg != "" {
		fe["mobile"] = msg
	}
	if in.OfficePhone, msg = signup.Phone(in.OfficePhone); msg != "" {
		fe["office_phone"] = msg
	}
	if in.Email, msg = signup.Email(in.Email); msg != "" {
		fe["email"] = msg
	}
	profileFields(&in, fe) // account_profile.go
	if len(fe) > 0 {
		in.Mobile, in.OfficePhone, in.Email = r.PostFormValue("mobile"), r.PostFormValue("office_phone"), r.PostFormValue("email")
		s.accountRolesRender(w, r, http.StatusUnprocessableEntity, &rolesPage{View: "held", Fields: fe, Info: in,
			Error: translate(state(r).lang, "error.invalid.message")})
		return
	}
	now := s.now()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		cur, err := q.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		cur.Mobile, cur.OfficePhone, cur.Email, cur.UpdatedAt = in.Mobile, in.OfficePhone, in.Email, now
		if err := q.UpdateUser(ctx, &cur); err != nil {
			return err
		}
		if err := q.PutUserProfile(ctx, domain.UserProfile{UserID: u.ID, Department: in.Department, Position: in.Position}); err != nil {
			return err
		}
		return logAudit(ctx, q, r, "user.update_info", "user", u.ID, nil, now)
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/roles?done=info", http.StatusSeeOther)
}

// accessError answers an error of an access action; it returns false for
// nil. Domain errors go back to the page they came from.
func (s *Server) accessError(w http.ResponseWriter, r *http.Request, err error, back string) bool {
	if err == nil {
		return false
	}
	var ad *access.AlreadyDecided
	if errors.As(err, &ad) {
		s.renderError(w, r, http.StatusConflict, domain.ECONFLICT, ad.Error())
		return true
	}
	s.error(w, r, err)
	return true
}
