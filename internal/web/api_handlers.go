package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- auth ----

// apiCSRF handles GET /api/v1/auth/csrf: the CSRF token that a session
// (or an anonymous browser, for login) sends in X-CSRF-Token.
func (s *Server) apiCSRF(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"csrfToken": state(r).csrf})
}

// apiChallenge handles POST /api/v1/auth/challenge, as POST /auth/challenge.
func (s *Server) apiChallenge(w http.ResponseWriter, r *http.Request) { s.challengeCreate(w, r) }

// apiLogin handles POST /api/v1/auth/login: a signed login challenge
// (docs/auth-protocol.md) starts a session (cookie) like POST /login.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var sr struct {
		Nonce       string `json:"nonce"`
		Certificate string `json:"certificate"`
		Signature   string `json:"signature"`
		CMS         string `json:"cms"`
	}
	if !s.readJSON(w, r, &sr) {
		return
	}
	ctx := r.Context()
	resp, err := signedResponseOf(sr.Nonce, sr.Certificate, sr.Signature, sr.CMS)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	if !s.allowKey(w, r, s.limits.loginCert, certKey(resp.Certificate)) {
		return
	}
	ns, cert, err := s.certLogin(r, resp, map[string]any{"via": "api"})
	user := ns.user
	if err != nil {
		if !s.certFailure(w, r, err, "login_error", func(code, msg string) any { return nil }) {
			s.apiError(w, r, err)
		}
		return
	}
	s.startSession(w, r, ns)
	need := false
	if cert.Class != domain.CertPersonal {
		if need, err = s.needsPersonalCert(ctx, user.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(user), "csrfToken": ns.session.CSRFToken,
		"certClass": string(cert.Class), "needsPersonalCert": need, "mustReregisterCert": user.MustReregisterCert})
}

// apiLogout handles POST /api/v1/auth/logout.
func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.logout(w, r); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- me ----

// apiMe handles GET /api/v1/me: the user, the institution, and the
// certificates.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	inst, err := s.store.GetInstitution(ctx, u.InstitutionID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	certs, err := s.store.ListCertificates(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cj := []jsonCertificate{}
	for _, c := range certs {
		if c.Current() {
			cj = append(cj, certJSON(c))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(*u), "institution": instJSON(inst), "certificates": cj})
}

// apiMeUpdate handles PATCH /api/v1/me: the additional information
// (mobile, officePhone, email); absent fields stay as they are.
func (s *Server) apiMeUpdate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Mobile      *string `json:"mobile"`
		OfficePhone *string `json:"officePhone"`
		Email       *string `json:"email"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	ctx := r.Context()
	u := *userFrom(ctx)
	fe := map[string]string{}
	check := func(field string, v *string, cur *string, f func(string) (string, string)) {
		if v == nil {
			return
		}
		if norm, msg := f(*v); msg != "" {
			fe[field] = msg
		} else {
			*cur = norm
		}
	}
	check("mobile", in.Mobile, &u.Mobile, signup.Mobile)
	check("officePhone", in.OfficePhone, &u.OfficePhone, signup.Phone)
	check("email", in.Email, &u.Email, signup.Email)
	if len(fe) > 0 {
		fieldErrors(w, translate(state(r).lang, "error.invalid.message"), fe)
		return
	}
	now := s.now()
	var out domain.User
	err := s.store.InTx(ctx, func(q store.Queries) error {
		cur, err := q.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		cur.Mobile, cur.OfficePhone, cur.Email, cur.UpdatedAt = u.Mobile, u.OfficePhone, u.Email, now
		if err := q.UpdateUser(ctx, &cur); err != nil {
			return err
		}
		out = cur
		return logAudit(ctx, q, r, "user.update_info", "user", u.ID, map[string]any{"via": "api"}, now)
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(out)})
}

// apiMeMenus handles GET /api/v1/me/menus (메뉴보기): the menus of every
// current system of which the user holds an active role.
func (s *Server) apiMeMenus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	systems, err := s.userMenus(ctx, u.ID, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	type item struct {
		System jsonSystem `json:"system"`
		Roles  []string   `json:"roles"`
		Menus  []jsonMenu `json:"menus"`
	}
	items := []item{}
	for _, ms := range systems {
		it := item{System: systemJSON(ms.System), Roles: ms.Roles, Menus: []jsonMenu{}}
		for _, m := range ms.Menus {
			it.Menus = append(it.Menus, jsonMenu{ID: m.ID, Name: m.Name, URL: m.URL, SortOrder: m.SortOrder})
		}
		items = append(items, it)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// apiMeRoles handles GET /api/v1/me/roles?view=requestable|held|pending|rejected
// (권한/부가정보; held when absent).
func (s *Server) apiMeRoles(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	now := s.now()
	view := r.URL.Query().Get("view")
	if view == "" {
		view = "held"
	}
	if !validView(view) {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "view는 requestable, held, pending, rejected 중 하나입니다.")
		return
	}
	held, err := access.Held(ctx, s.store, u.ID, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	switch view {
	case "held":
		items := []jsonGrant{}
		for _, g := range held {
			role, sys, err := s.roleAndSystem(r, g.RoleID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			items = append(items, grantJSON(g, role, sys))
		}
		writeJSON(w, http.StatusOK, map[string]any{"view": view, "items": items})
	case "pending", "rejected":
		status := domain.RequestStatus(view)
		reqs, _, err := s.store.ListRequests(ctx, store.RequestFilter{UserID: u.ID, Status: status, NewestFirst: status != domain.RequestPending,
			Page: store.Page{Limit: store.MaxLimit}})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		type item struct {
			Request  jsonRequest     `json:"request"`
			Role     jsonRole        `json:"role"`
			Approver jsonInstitution `json:"approver"`
		}
		items := []item{}
		for _, rq := range reqs {
			role, err := s.store.GetRole(ctx, rq.RoleID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			appr, err := s.store.GetInstitution(ctx, rq.ApproverInstitutionID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			items = append(items, item{requestJSON(rq), roleJSON(role), instJSON(appr)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"view": view, "items": items})
	case "requestable":
		inst, opts, err := s.requestable(r, *u, held)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		type item struct {
			Role   jsonRole   `json:"role"`
			System jsonSystem `json:"system"`
			// Jurisdiction is the institution with jurisdiction that
			// approves it (absent when there is none).
			Jurisdiction *jsonInstitution `json:"jurisdiction,omitempty"`
			Blocked      string           `json:"blocked,omitempty"`
		}
		items := []item{}
		for _, o := range opts {
			it := item{Role: roleJSON(o.Role), System: systemJSON(o.System), Blocked: o.Blocked}
			if j, err := access.ApprovingInstitution(ctx, s.store, inst, o.Role.ApproverKind); err == nil {
				ij := instJSON(j)
				it.Jurisdiction = &ij
			} else if !errors.Is(err, store.ErrNotFound) {
				s.serverError(w, r, err)
				return
			}
			items = append(items, it)
		}
		writeJSON(w, http.StatusOK, map[string]any{"view": view, "items": items})
	}
}

// roleAndSystem returns a role and its system.
func (s *Server) roleAndSystem(r *http.Request, roleID int64) (domain.Role, domain.System, error) {
	role, err := s.store.GetRole(r.Context(), roleID)
	if err != nil {
		return role, domain.System{}, err
	}
	sys, err := s.store.GetSystem(r.Context(), role.SystemID)
	return role, sys, err
}

// apiRequestCreate handles POST /api/v1/me/requests ([권한 신청]).
func (s *Server) apiRequestCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RoleID                     int64  `json:"roleId"`
		ApproverInstitutionID      int64  `json:"approverInstitutionId"`
		Justification              string `json:"justification"`
		ConfirmOutsideJurisdiction bool   `json:"confirmOutsideJurisdiction"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	ctx := r.Context()
	class, err := s.currentCertClass(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var req domain.RoleRequest
	err = s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		req, _, err = access.CreateRequest(ctx, q, actorOf(r), access.NewRequest{
			Applicant: *userFrom(ctx), CertClass: class, RoleID: in.RoleID, ApproverInstitutionID: in.ApproverInstitutionID,
			Justification: in.Justification, ConfirmedOutsideJurisdiction: in.ConfirmOutsideJurisdiction, Notices: s.cfg.Mail,
		}, s.now())
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"request": requestJSON(req)})
}

// apiRequestCancel handles POST /api/v1/me/requests/{id}/cancel.
func (s *Server) apiRequestCancel(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var req domain.RoleRequest
	err := s.store.InTx(ctx, func(q store.Queries) error {
		if err := access.Cancel(ctx, q, *userFrom(ctx), clientIP(r), id, s.now()); err != nil {
			return err
		}
		var err error
		req, err = q.GetRequest(ctx, id)
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"request": requestJSON(req)})
}

// apiGrantRelinquish handles POST /api/v1/me/grants/{id}/relinquish.
func (s *Server) apiGrantRelinquish(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		return access.Relinquish(ctx, q, *userFrom(ctx), clientIP(r), id, s.now())
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- approvals ----

// apiApprovals handles GET /api/v1/approvals (승인 관리):
// ?tab=inbox|escalated|history, &status=, &role=, &from=, &to=
// (YYYY-MM-DD, KST), &applicant=, &offset=, &limit=.
func (s *Server) apiApprovals(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.now()
	sc, err := access.ScopeOf(ctx, s.store, *userFrom(ctx), now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !sc.Any() {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "approvals.not_approver"))
		return
	}
	q := r.URL.Query()
	page := pageOf(r)
	f := access.InboxFilter{Status: domain.RequestPending, Applicant: q.Get("applicant"), Page: page}
	f.RoleID, _ = strconv.ParseInt(q.Get("role"), 10, 64)
	switch tab := q.Get("tab"); tab {
	case "", "inbox":
	case "escalated":
		f.Escalated = true
	case "history":
		f.History, f.Status = true, domain.RequestStatus(q.Get("status"))
		if f.Status == domain.RequestPending {
			f.Status = ""
		}
		if v := q.Get("from"); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, kst)
			if err != nil {
				s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "from은 YYYY-MM-DD 형식입니다.")
				return
			}
			f.From = t
		}
		if v := q.Get("to"); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, kst)
			if err != nil {
				s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "to는 YYYY-MM-DD 형식입니다.")
				return
			}
			f.To = t.AddDate(0, 0, 1)
		}
	default:
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "tab은 inbox, escalated, history 중 하나입니다.")
		return
	}
	items, total, err := access.Inbox(ctx, s.store, sc, f, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	type item struct {
		Request        jsonRequest      `json:"request"`
		Role           jsonRole         `json:"role"`
		System         jsonSystem       `json:"system"`
		Applicant      jsonUser         `json:"applicant"`
		Institution    jsonInstitution  `json:"institution"`
		Approver       jsonInstitution  `json:"approver"`
		Certificate    *jsonCertificate `json:"certificate,omitempty"`
		WaitingSeconds int64            `json:"waitingSeconds"`
		Decider        string           `json:"decider,omitempty"`
	}
	out := make([]item, 0, len(items))
	for _, it := range items {
		x := item{Request: requestJSON(it.Request), Role: roleJSON(it.Role), System: systemJSON(it.System),
			Applicant: userJSON(it.Applicant), Institution: instJSON(it.Institution), Approver: instJSON(it.Approver),
			WaitingSeconds: int64(it.Waiting / time.Second), Decider: it.Decider}
		if it.Cert != nil {
			c := certJSON(*it.Cert)
			x.Certificate = &c
		}
		out = append(out, x)
	}
	writeJSON(w, http.StatusOK, listJSON(out, total, page))
}

// apiApprovalDecide handles POST /api/v1/approvals/{id}/decision:
// {"decision":"approve"|"reject","reason":"..."} (a reason is required to
// reject).
func (s *Server) apiApprovalDecide(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	var in struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	if in.Decision != "approve" && in.Decision != "reject" {
		fieldErrors(w, translate(state(r).lang, "approvals.choose_action"), map[string]string{"decision": "approve 또는 reject"})
		return
	}
	ctx := r.Context()
	var req domain.RoleRequest
	var grant *domain.Grant
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		req, grant, err = access.Decide(ctx, q, *userFrom(ctx), clientIP(r),
			access.Decision{RequestID: id, Approve: in.Decision == "approve", Reason: in.Reason, Notices: s.cfg.Mail, Confirmed: s.confirmed(r)}, s.now())
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := map[string]any{"request": requestJSON(req)}
	if grant != nil {
		out["grantId"] = grant.ID
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- institutions and systems ----

// apiInstitutions handles GET /api/v1/institutions?q=&kind=&parent=&region=.
func (s *Server) apiInstitutions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.InstitutionFilter{Query: strings.TrimSpace(q.Get("q")), Kind: domain.InstitutionKind(q.Get("kind")),
		Region: q.Get("region"), Page: pageOf(r)}
	if f.Kind != "" && !f.Kind.Valid() {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "알 수 없는 기관 종류입니다: "+string(f.Kind))
		return
	}
	f.ParentID, _ = strconv.ParseInt(q.Get("parent"), 10, 64)
	list, total, err := s.store.ListInstitutions(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	items := make([]jsonInstitution, 0, len(list))
	for _, in := range list {
		items = append(items, instJSON(in))
	}
	writeJSON(w, http.StatusOK, listJSON(items, total, f.Page))
}

// apiJurisdiction handles GET /api/v1/institutions/{id}/jurisdiction: the
// institution's chain up to the national agency, and its health centre
// with jurisdiction (관할 보건소).
func (s *Server) apiJurisdiction(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	inst, err := s.store.GetInstitution(ctx, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	chain := []jsonInstitution{}
	for cur, depth := inst, 0; cur.ParentID != 0 && depth < 16; depth++ {
		if cur, err = s.store.GetInstitution(ctx, cur.ParentID); err != nil {
			s.serverError(w, r, err)
			return
		}
		chain = append(chain, instJSON(cur))
	}
	out := map[string]any{"institution": instJSON(inst), "ancestors": chain}
	if c, err := s.store.JurisdictionCentre(ctx, id); err == nil {
		out["healthCentre"] = instJSON(c)
	} else if !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// apiSystems handles GET /api/v1/systems: every system with its roles
// (every rule field) and menus.
func (s *Server) apiSystems(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	systems, err := s.store.ListSystems(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	type item struct {
		jsonSystem
		Roles []jsonRole `json:"roles"`
		Menus []jsonMenu `json:"menus"`
	}
	items := make([]item, 0, len(systems))
	for _, sys := range systems {
		it := item{jsonSystem: systemJSON(sys), Roles: []jsonRole{}, Menus: []jsonMenu{}}
		roles, err := s.store.ListRoles(ctx, sys.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, ro := range roles {
			it.Roles = append(it.Roles, roleJSON(ro))
		}
		menus, err := s.store.ListMenus(ctx, sys.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, m := range menus {
			if m.RetiredAt.IsZero() {
				it.Menus = append(it.Menus, jsonMenu{ID: m.ID, Name: m.Name, URL: m.URL, SortOrder: m.SortOrder})
			}
		}
		items = append(items, it)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// ---- users, grants, audit (administrators and API tokens) ----

// apiUsers handles GET /api/v1/users?q=&institution=&status=&cert_serial=&sort=&desc=:
// a province administrator sees the users of the province only. A q of
// one or two characters matches the start of the name, given name or
// login ID; the total is counted up to domain.UserCountCap (totalCapped).
func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	q := r.URL.Query()
	page := pageOf(r)
	f := domain.UserSearch{Query: strings.TrimSpace(q.Get("q")), InstitutionQuery: strings.TrimSpace(q.Get("institution_q")),
		Status: domain.UserStatus(q.Get("status")), CertSerial: strings.TrimSpace(q.Get("cert_serial")),
		Sort: q.Get("sort"), Desc: q.Get("desc") == "true", Offset: page.Offset, Limit: page.Limit}
	f.InstitutionID, _ = strconv.ParseInt(q.Get("institution"), 10, 64)
	if f.Sort != "" && !containsStr(domain.UserSortKeys, f.Sort) {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "sort는 "+strings.Join(domain.UserSortKeys, ", ")+" 중 하나입니다.")
		return
	}
	if !c.admin.National {
		f.UnderInstitutionID = c.admin.Province.ID
	}
	list, total, capped, err := s.store.SearchUsers(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items := make([]jsonUser, 0, len(list))
	for _, u := range list {
		j := userJSON(u)
		j.Mobile, j.OfficePhone, j.Email = "", "", "" // contact details only in GET /users/{id}, which is logged
		items = append(items, j)
	}
	writeJSON(w, http.StatusOK, jsonCappedList[jsonUser]{listJSON(items, total, page), capped})
}

// jsonCappedList is a page of a list counted up to domain.UserCountCap
// (the user search, the holders of a system's roles). TotalCapped says
// the count stopped there: total is then a lower bound.
type jsonCappedList[T any] struct {
	jsonList[T]
	TotalCapped bool `json:"totalCapped"`
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scopedUser loads the user {id} if the caller administers the user's
// institution; otherwise it answers 404 (saying nothing of users outside
// the scope) and returns false.
func (s *Server) scopedUser(w http.ResponseWriter, r *http.Request) (domain.User, bool) {
	id, ok := s.pathID(w, r)
	if !ok {
		return domain.User{}, false
	}
	ctx := r.Context()
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		s.apiError(w, r, err)
		return u, false
	}
	inst, err := s.store.GetInstitution(ctx, u.InstitutionID)
	if err != nil {
		s.serverError(w, r, err)
		return u, false
	}
	if ok, err := callerOf(ctx).admin.Covers(ctx, s.store, inst); err != nil {
		s.serverError(w, r, err)
		return u, false
	} else if !ok {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, "")
		return u, false
	}
	return u, true
}

// apiUser handles GET /api/v1/users/{id}?purpose=...: the user's personal
// data, certificates and grants. The purpose (열람 사유) is required and
// the access is written to the personal-data access log; for a token, in
// the name of the administrator who issued it.
func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) {
	purpose := strings.TrimSpace(r.URL.Query().Get("purpose"))
	if purpose == "" {
		fieldErrors(w, "개인정보 열람 사유(purpose)를 입력하세요.", map[string]string{"purpose": "required"})
		return
	}
	u, ok := s.scopedUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	c := callerOf(ctx)
	entry := domain.PersonalDataAccess{At: s.now(), SubjectID: u.ID, SubjectInstitutionID: u.InstitutionID,
		Purpose: purpose, ClientAddr: clientIP(r)}
	if c.token != nil {
		entry.ActorID = c.token.CreatedBy
		entry.Purpose = "[API 토큰 #" + strconv.FormatInt(c.token.ID, 10) + " " + c.token.Name + "] " + purpose
	} else {
		entry.ActorID = c.user.ID
	}
	certs, err := s.store.ListCertificates(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.LogPersonalDataAccess(ctx, &entry); err != nil {
			return err
		}
		return audit.Log(ctx, q, c.actor(r), "user.view", "user", u.ID, map[string]any{"via": "api"}, entry.At)
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	cj := make([]jsonCertificate, 0, len(certs))
	for _, x := range certs {
		cj = append(cj, certJSON(x))
	}
	inst, _ := s.store.GetInstitution(ctx, u.InstitutionID)
	writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(u), "institution": instJSON(inst), "certificates": cj})
}

// apiUserLock handles POST /api/v1/users/{id}/lock {"reason": "..."}: the
// account is locked and its sessions end.
func (s *Server) apiUserLock(w http.ResponseWriter, r *http.Request) { s.apiUserSetLocked(w, r, true) }

// apiUserUnlock handles POST /api/v1/users/{id}/unlock.
func (s *Server) apiUserUnlock(w http.ResponseWriter, r *http.Request) {
	s.apiUserSetLocked(w, r, false)
}

func (s *Server) apiUserSetLocked(w http.ResponseWriter, r *http.Request, lock bool) {
	// Through a session, as in the console, only after a fresh signature
	// (POST /auth/confirm); an API token carries no certificate: its
	// users:write scope, given by an administrator, stands for it.
	if callerOf(r.Context()).token == nil && !s.confirmed(r) {
		s.renderError(w, r, http.StatusForbidden, "confirm_required", translate(state(r).lang, "confirm.required_api"))
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	u, ok := s.scopedUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	c := callerOf(ctx)
	if c.isSelf(u.ID) {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, "자신의 계정은 잠그거나 풀 수 없습니다.")
		return
	}
	now := s.now()
	var out domain.User
	err := s.store.InTx(ctx, func(q store.Queries) error {
		cur, err := q.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		action := "user.lock"
		switch {
		case cur.Status == domain.UserWithdrawn:
			return domain.Errorf(domain.ECONFLICT, "탈퇴한 사용자입니다.")
		case lock && cur.Status == domain.UserLocked:
			return domain.Errorf(domain.ECONFLICT, "이미 잠긴 계정입니다.")
		case !lock && cur.Status != domain.UserLocked:
			return domain.Errorf(domain.ECONFLICT, "잠기지 않은 계정입니다.")
		case lock:
			cur.Status = domain.UserLocked
			if _, err := q.DeleteUserSessions(ctx, cur.ID); err != nil {
				return err
			}
		default:
			action = "user.unlock"
			// Back to active if the user ever held a role, else pending.
			grants, err := q.ListGrants(ctx, store.GrantFilter{UserID: cur.ID, Page: store.Page{Limit: 1}})
			if err != nil {
				return err
			}
			cur.Status = domain.UserPending
			if len(grants) > 0 {
				cur.Status = domain.UserActive
			}
		}
		cur.UpdatedAt = now
		if err := q.UpdateUser(ctx, &cur); err != nil {
			return err
		}
		out = cur
		detail := map[string]any{"via": "api"}
		if reason := strings.TrimSpace(in.Reason); reason != "" {
			detail["reason"] = truncateRunes(reason, 200)
		}
		return audit.Log(ctx, q, c.actor(r), action, "user", cur.ID, detail, now)
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	j := userJSON(out)
	j.Mobile, j.OfficePhone, j.Email = "", "", ""
	writeJSON(w, http.StatusOK, map[string]any{"user": j})
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// apiUserGrants handles GET /api/v1/users/{id}/grants: the user's active
// grants, or every grant with ?all=true.
func (s *Server) apiUserGrants(w http.ResponseWriter, r *http.Request) {
	u, ok := s.scopedUser(w, r)
	if !ok {
		return
	}
	f := store.GrantFilter{UserID: u.ID, Page: store.Page{Limit: store.MaxLimit}}
	if r.URL.Query().Get("all") != "true" {
		f.ActiveAt = s.now()
	}
	grants, err := s.store.ListGrants(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	items := make([]jsonGrant, 0, len(grants))
	for _, g := range grants {
		role, sys, err := s.roleAndSystem(r, g.RoleID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		items = append(items, grantJSON(g, role, sys))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// apiGrants handles GET /api/v1/grants?system=CODE[&role=CODE]: who holds
// which role of a system now, for the system's operators.
func (s *Server) apiGrants(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := callerOf(ctx)
	q := r.URL.Query()
	code := q.Get("system")
	if code == "" {
		fieldErrors(w, "system(시스템 코드)을 지정하세요.", map[string]string{"system": "required"})
		return
	}
	sys, err := s.store.GetSystemByCode(ctx, code)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	roles, err := s.store.ListRoles(ctx, sys.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	type item struct {
		Grant       jsonGrant       `json:"grant"`
		User        jsonUser        `json:"user"`
		Institution jsonInstitution `json:"institution"`
	}
	byID := map[int64]domain.Role{}
	f := store.GrantFilter{RoleIDs: []int64{}, ActiveAt: s.now(), Page: pageOf(r)}
	for _, role := range roles {
		if rc := q.Get("role"); rc == "" || rc == role.Code {
			f.RoleIDs = append(f.RoleIDs, role.ID)
			byID[role.ID] = role
		}
	}
	if len(f.RoleIDs) == 0 {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, "시스템에 그런 권한 코드가 없습니다.")
		return
	}
	// A province administrator sees the holders under the province; a
	// caller with neither scope, none.
	switch {
	case c.admin.National:
	case c.admin.Province.ID != 0:
		f.UnderInstitutionID = c.admin.Province.ID
	default:
		f.RoleIDs = []int64{}
	}
	// Count one beyond the cap: an exact count of a role held by a
	// million users reads every grant.
	total, err := s.store.CountGrants(ctx, f, domain.UserCountCap+1)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	capped := total > domain.UserCountCap
	total = min(total, domain.UserCountCap)
	grants, err := s.store.ListGrants(ctx, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	users, insts, err := grantHolders(ctx, s.store, grants)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	items := make([]item, 0, len(grants))
	for _, g := range grants {
		u, ok := users[g.UserID]
		if !ok {
			s.serverError(w, r, fmt.Errorf("grant %d: user %d not found", g.ID, g.UserID))
			return
		}
		j := userJSON(u)
		j.Mobile, j.OfficePhone, j.Email = "", "", ""
		items = append(items, item{grantJSON(g, byID[g.RoleID], sys), j, instJSON(insts[u.InstitutionID])})
	}
	writeJSON(w, http.StatusOK, jsonCappedList[item]{listJSON(items, total, f.Page), capped})
}

// apiAudit handles GET /api/v1/audit?actor=&action=&target_type=&target_id=&from=&to=&after_seq=
// (from/to RFC 3339): the audit log in sequence order. Through a session
// only national administrators read it.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	if !c.admin.National {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, "감사 로그는 질병관리청 관리자만 조회할 수 있습니다.")
		return
	}
	q := r.URL.Query()
	page := pageOf(r)
	f := store.AuditFilter{Action: q.Get("action"), TargetType: q.Get("target_type"), TargetID: q.Get("target_id"), Page: page}
	f.ActorID, _ = strconv.ParseInt(q.Get("actor"), 10, 64)
	f.AfterSeq, _ = strconv.ParseInt(q.Get("after_seq"), 10, 64)
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, name+"는 RFC 3339 시각입니다 (예: 2026-03-01T09:00:00+09:00).")
				return
			}
			*dst = t
		}
	}
	events, err := s.store.ListAudit(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	items := make([]jsonAuditEvent, 0, len(events))
	for _, e := range events {
		var detail any
		if e.Detail != "" && e.Detail != "{}" {
			detail = json.RawMessage(e.Detail)
		}
		items = append(items, jsonAuditEvent{Seq: e.Seq, At: e.At, ActorID: e.ActorID, Actor: e.Actor, Action: e.Action,
			TargetType: e.TargetType, TargetID: e.TargetID, Detail: detail, Hash: hexString(e.Hash)})
	}
	// The store does not count audit events; total is -1 ("unknown").
	writeJSON(w, http.StatusOK, listJSON(items, -1, page))
}
