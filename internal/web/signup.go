package web

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The signup wizard (manual 1.2–1.6). Its state lives server-side in a
// draft (package signup); the browser holds only the draft's token in
// this cookie. Each step is a GET that shows it and a POST that completes
// it; a POST for a step whose predecessors are not done changes nothing.
const signupCookie = "gwanmun_signup"

// signupPage is the data of every wizard page.
type signupPage struct {
	Step    int
	Steps   []string
	Error   string            // a message for the whole step
	Fields  map[string]string // per-field messages (step 03)
	Consent domain.ConsentVersion
	// ConsentEn is the English consent text on the English page ("" when
	// there is no translation: the Korean text shows, with a note).
	ConsentEn string
	Draft     signup.Draft

	// Step 02.
	CertCode string
	// HaveAccount: the certificate already has an account; the page
	// offers [공동인증서 로그인] instead of a new signup.
	HaveAccount bool

	// Step 03.
	Info         signup.Info
	Query        string
	Institutions []domain.Institution
	Institution  domain.Institution
	IDRules      string

	// Step 04.
	Roles        []access.RoleOption
	Approvers    []approverGroup
	Jurisdiction domain.Institution
	Choice       signup.Choice

	// Step 05.
	Result *signup.Result
	Role   domain.Role
}

// approverGroup is the institutions of one province in the 승인기관 chooser.
type approverGroup struct {
	Province string
	Options  []domain.Institution
}

func (s *Server) signupToken(r *http.Request) string {
	if c, err := r.Cookie(signupCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) setSignupCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: signupCookie, Value: token, Path: "/signup",
		MaxAge: int(signup.DraftTTL.Seconds()), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

func (s *Server) signupRender(w http.ResponseWriter, r *http.Request, status int, p *signupPage) {
	p.Steps = []string{"signup.step1", "signup.step2", "signup.step3", "signup.step4", "signup.step5"}
	p.ConsentEn = s.consentEnglish(r, p.Consent.Text)
	s.render(w, r, status, "signup", p)
}

// signupLoad loads the draft for a step page; a missing draft or a skipped
// step sends the user to the step they are at.
func (s *Server) signupLoad(w http.ResponseWriter, r *http.Request, need int) (signup.Draft, bool) {
	d, err := s.signup.Load(r.Context(), s.signupToken(r))
	if errors.Is(err, signup.ErrNoDraft) {
		if need > signup.StepConsent {
			http.Redirect(w, r, "/signup?msg=signup_expired", http.StatusSeeOther)
			return d, false
		}
		return d, true
	} else if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	if d.Step >= signup.StepComplete && need < signup.StepComplete {
		http.Redirect(w, r, "/signup/complete", http.StatusSeeOther)
		return d, false
	}
	if d.Step < need-1 {
		http.Redirect(w, r, stepPath(d.Step+1), http.StatusSeeOther)
		return d, false
	}
	return d, true
}

func stepPath(step int) string {
	switch step {
	case signup.StepCert:
		return "/signup/cert"
	case signup.StepInfo:
		return "/signup/info"
	case signup.StepRequest:
		return "/signup/request"
	case signup.StepComplete:
		return "/signup/complete"
	}
	return "/signup"
}

// signupConsentShow handles GET /signup: step 01, the consent text.
func (s *Server) signupConsentShow(w http.ResponseWriter, r *http.Request) {
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, "/menu", http.StatusSeeOther)
		return
	}
	c, err := s.store.LatestConsentVersion(r.Context())
	if err != nil {
		if !s.signupUnready(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	d, _ := s.signup.Load(r.Context(), s.signupToken(r))
	s.signupRender(w, r, http.StatusOK, &signupPage{Step: signup.StepConsent, Consent: c, Draft: d})
}

// signupConsentCreate handles POST /signup/consent.
func (s *Server) signupConsentCreate(w http.ResponseWriter, r *http.Request) {
	version, _ := strconv.Atoi(r.PostFormValue("consent_version"))
	token, err := s.signup.Consent(r.Context(), s.signupToken(r), version, r.PostFormValue("agree") == "yes")
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) {
			if !s.signupUnready(w, r, err) {
				s.serverError(w, r, err)
			}
			return
		}
		c, cerr := s.store.LatestConsentVersion(r.Context())
		if cerr != nil {
			s.serverError(w, r, cerr)
			return
		}
		s.signupRender(w, r, httpStatus(de.Code), &signupPage{Step: signup.StepConsent, Consent: c, Error: de.Message})
		return
	}
	s.setSignupCookie(w, token)
	http.Redirect(w, r, "/signup/cert", http.StatusSeeOther)
}

// signupCertShow handles GET /signup/cert: step 02.
func (s *Server) signupCertShow(w http.ResponseWriter, r *http.Request) {
	d, ok := s.signupLoad(w, r, signup.StepCert)
	if !ok {
		return
	}
	s.signupRender(w, r, http.StatusOK, &signupPage{Step: signup.StepCert, Draft: d})
}

// signupCertCreate handles POST /signup/cert: the dialog's signed signup
// challenge.
func (s *Server) signupCertCreate(w http.ResponseWriter, r *http.Request) {
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	d, err := s.signup.RegisterCert(r.Context(), s.signupToken(r), sr)
	if err != nil {
		// A refusal leaves the draft as it was: show the certificate it
		// may already hold, and the way on.
		d, _ = s.signup.Load(r.Context(), s.signupToken(r))
		if s.certFailure(w, r, err, "signup", func(code, msg string) any {
			return s.signupPageFor(signup.StepCert, msg, code, d)
		}) {
			return
		}
		if errors.Is(err, signup.ErrCertTaken) {
			s.signupHaveAccount(w, r, d) // signup_have_account.go
			return
		}
		s.signupStepError(w, r, signup.StepCert, err, d)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"redirect": "/signup/info"})
		return
	}
	http.Redirect(w, r, "/signup/info", http.StatusSeeOther)
}

func (s *Server) signupPageFor(step int, msg, code string, d signup.Draft) *signupPage {
	p := &signupPage{Step: step, Error: msg, CertCode: code, Draft: d,
		Steps: []string{"signup.step1", "signup.step2", "signup.step3", "signup.step4", "signup.step5"}}
	return p
}

// signupStepError shows a domain error on the step's page, or answers an
// internal error.
func (s *Server) signupStepError(w http.ResponseWriter, r *http.Request, step int, err error, d signup.Draft) {
	var de *domain.Error
	if !errors.As(err, &de) {
		s.serverError(w, r, err)
		return
	}
	if errors.Is(err, signup.ErrNoDraft) || errors.Is(err, signup.ErrStepSkipped) || errors.Is(err, signup.ErrAlreadySubmitted) {
		if wantsJSON(r) {
			s.renderError(w, r, httpStatus(de.Code), de.Code, de.Message)
			return
		}
	}
	if wantsJSON(r) {
		s.renderError(w, r, httpStatus(de.Code), de.Code, de.Message)
		return
	}
	s.signupRender(w, r, httpStatus(de.Code), s.signupPageFor(step, de.Message, de.Code, d))
}

// signupInfoShow handles GET /signup/info: step 03. ?q= searches
// institutions by name or code (it works without JavaScript).
func (s *Server) signupInfoShow(w http.ResponseWriter, r *http.Request) {
	d, ok := s.signupLoad(w, r, signup.StepInfo)
	if !ok {
		return
	}
	p := &signupPage{Step: signup.StepInfo, Draft: d, IDRules: signup.LoginIDRules}
	if d.Data.Info != nil {
		p.Info = *d.Data.Info
	}
	if p.Info.Name == "" && d.Data.CertClass == domain.CertPersonal {
		p.Info.Name = signup.CertName(d.Data.CertCN)
	}
	if err := s.signupInfoFill(r, p); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.signupRender(w, r, http.StatusOK, p)
}

// signupInfoFill adds the institution search results and the chosen
// institution to a step-03 page.
func (s *Server) signupInfoFill(r *http.Request, p *signupPage) error {
	ctx := r.Context()
	q := strings.TrimSpace(r.FormValue("q"))
	p.Query = q
	if len([]rune(q)) >= 2 {
		list, _, err := s.store.ListInstitutions(ctx, store.InstitutionFilter{Query: q, Page: store.Page{Limit: 30}})
		if err != nil {
			return err
		}
		for _, in := range list {
			if in.RetiredAt.IsZero() {
				p.Institutions = append(p.Institutions, in)
			}
		}
	}
	if id := p.Info.InstitutionID; id != 0 {
		in, err := s.store.GetInstitution(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		p.Institution = in
	}
	return nil
}

// signupInfoCreate handles POST /signup/info.
func (s *Server) signupInfoCreate(w http.ResponseWriter, r *http.Request) {
	in := signup.Info{
		Name:        r.PostFormValue("name"),
		LoginID:     r.PostFormValue("login_id"),
		Mobile:      r.PostFormValue("mobile"),
		OfficePhone: r.PostFormValue("office_phone"),
		Email:       r.PostFormValue("email"),
		Department:  r.PostFormValue("department"),
		Position:    r.PostFormValue("position"),
	}
	in.InstitutionID, _ = strconv.ParseInt(r.PostFormValue("institution_id"), 10, 64)
	if r.PostFormValue("action") == "search" {
		// The institution search button of the no-JavaScript form.
		d, ok := s.signupLoad(w, r, signup.StepInfo)
		if !ok {
			return
		}
		p := &signupPage{Step: signup.StepInfo, Draft: d, Info: in, IDRules: signup.LoginIDRules}
		if err := s.signupInfoFill(r, p); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.signupRender(w, r, http.StatusOK, p)
		return
	}
	d, err := s.signup.SaveInfo(r.Context(), s.signupToken(r), in)
	var fe signup.FieldErrors
	if errors.As(err, &fe) {
		p := &signupPage{Step: signup.StepInfo, Draft: d, Info: in, Fields: fe, IDRules: signup.LoginIDRules,
			Error: fe.Error()}
		if err := s.signupInfoFill(r, p); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.signupRender(w, r, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		s.signupStepError(w, r, signup.StepInfo, err, d)
		return
	}
	http.Redirect(w, r, "/signup/request", http.StatusSeeOther)
}

// signupIDCheck handles GET /signup/check-id?id=: the ID availability
// check of step 03, as JSON.
func (s *Server) signupIDCheck(w http.ResponseWriter, r *http.Request) {
	id, msg := signup.LoginID(r.URL.Query().Get("id"))
	if msg != "" {
		writeJSON(w, http.StatusOK, map[string]any{"available": false, "message": msg})
		return
	}
	taken, err := s.signup.LoginIDTaken(r.Context(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if taken {
		writeJSON(w, http.StatusOK, map[string]any{"available": false, "message": signup.ErrLoginIDTaken.Message})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"available": true, "message": "사용할 수 있는 아이디입니다."})
}

// signupRequestShow handles GET /signup/request: step 04.
func (s *Server) signupRequestShow(w http.ResponseWriter, r *http.Request) {
	d, ok := s.signupLoad(w, r, signup.StepRequest)
	if !ok {
		return
	}
	p := &signupPage{Step: signup.StepRequest, Draft: d}
	if err := s.signupRequestFill(r, p); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.signupRender(w, r, http.StatusOK, p)
}

// signupRequestFill lists the requestable roles and the 승인기관 chooser,
// preselecting the institution with jurisdiction.
func (s *Server) signupRequestFill(r *http.Request, p *signupPage) error {
	ctx := r.Context()
	info := p.Draft.Data.Info
	if info == nil {
		return errors.New("signup draft at step 04 without user info")
	}
	inst, err := s.store.GetInstitution(ctx, info.InstitutionID)
	if err != nil {
		return err
	}
	p.Institution = inst
	if p.Roles, err = access.RequestableRoles(ctx, s.store, inst.Kind, p.Draft.Data.CertClass, nil); err != nil {
		return err
	}
	kind := domain.KindHealthCentre
	for _, o := range p.Roles {
		if o.Blocked == "" {
			kind = o.Role.ApproverKind
			break
		}
	}
	p.Approvers, p.Jurisdiction, err = s.approverChoices(r, inst, kind)
	if p.Choice.ApproverInstitutionID == 0 {
		p.Choice.ApproverInstitutionID = p.Jurisdiction.ID
	}
	return err
}

// approverChoices lists the institutions of kind grouped by province, and
// the one with jurisdiction over inst.
func (s *Server) approverChoices(r *http.Request, inst domain.Institution, kind domain.InstitutionKind) ([]approverGroup, domain.Institution, error) {
	ctx := r.Context()
	var juris domain.Institution
	if j, err := access.ApprovingInstitution(ctx, s.store, inst, kind); err == nil {
		juris = j
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, juris, err
	}
	list, _, err := s.store.ListInstitutions(ctx, store.InstitutionFilter{Kind: kind, Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, juris, err
	}
	provinces, _, err := s.store.ListInstitutions(ctx, store.InstitutionFilter{Kind: domain.KindProvince, Page: store.Page{Limit: 100}})
	if err != nil {
		return nil, juris, err
	}
	names := map[int64]string{}
	for _, p := range provinces {
		names[p.ID] = p.Name
	}
	groups := map[string]*approverGroup{}
	var order []string
	for _, in := range list {
		if !in.RetiredAt.IsZero() {
			continue
		}
		prov := names[in.ParentID]
		if prov == "" {
			prov = domain.KindOther.Label()
		}
		g, ok := groups[prov]
		if !ok {
			g = &approverGroup{Province: prov}
			groups[prov] = g
			order = append(order, prov)
		}
		g.Options = append(g.Options, in)
	}
	out := make([]approverGroup, 0, len(order))
	for _, p := range order {
		g := groups[p]
		slices.SortFunc(g.Options, func(a, b domain.Institution) int { return cmp.Compare(a.RegionCode+a.Name, b.RegionCode+b.Name) })
		out = append(out, *g)
	}
	return out, juris, nil
}

// signupRequestCreate handles POST /signup/request: the [권한 신청] button
// that creates the account.
func (s *Server) signupRequestCreate(w http.ResponseWriter, r *http.Request) {
	c := signup.Choice{
		Justification:                r.PostFormValue("justification"),
		ConfirmedOutsideJurisdiction: r.PostFormValue("confirm_outside") == "yes",
		ClientAddr:                   clientIP(r),
	}
	c.RoleID, _ = strconv.ParseInt(r.PostFormValue("role_id"), 10, 64)
	c.ApproverInstitutionID, _ = strconv.ParseInt(r.PostFormValue("approver_id"), 10, 64)
	_, err := s.signup.Submit(r.Context(), s.signupToken(r), c)
	if err != nil {
		d, lerr := s.signup.Load(r.Context(), s.signupToken(r))
		var de *domain.Error
		if lerr != nil || !errors.As(err, &de) || d.Step < signup.StepInfo || d.Step >= signup.StepComplete {
			s.signupStepError(w, r, signup.StepRequest, err, d)
			return
		}
		p := &signupPage{Step: signup.StepRequest, Draft: d, Error: de.Message, Choice: c}
		if ferr := s.signupRequestFill(r, p); ferr != nil {
			s.serverError(w, r, ferr)
			return
		}
		s.signupRender(w, r, httpStatus(de.Code), p)
		return
	}
	http.Redirect(w, r, "/signup/complete", http.StatusSeeOther)
}

// signupCompleteShow handles GET /signup/complete: step 05.
func (s *Server) signupCompleteShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := s.signup.Load(ctx, s.signupToken(r))
	if err != nil || d.Step < signup.StepComplete {
		http.Redirect(w, r, "/signup", http.StatusSeeOther)
		return
	}
	req, err := s.store.GetRequest(ctx, d.Data.RequestID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u, err := s.store.GetUser(ctx, d.Data.UserID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	appr, err := s.store.GetInstitution(ctx, req.ApproverInstitutionID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	role, err := s.store.GetRole(ctx, req.RoleID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.signupRender(w, r, http.StatusOK, &signupPage{Step: signup.StepComplete,
		Result: &signup.Result{User: u, Request: req, Approver: appr}, Role: role})
}
