package web

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Certificate re-registration (인증서 재등록). A user whose registered
// certificates can no longer be used (the only one expired) cannot log in
// to change it at /account/cert. Instead, anonymously, they enter their
// user ID and sign a cert-reregister challenge with the new certificate.
// When the certificate is valid, names the account's holder and is nobody's
// yet, a pending request goes to the health centre with jurisdiction over
// the user's institution; its approvers confirm it (after calling the
// user) under 승인 관리 → 인증서 재등록, which registers the certificate
// and retires the old ones, or reject it.
//
// An unknown or withdrawn ID and a certificate in another name get the same
// answer, so the page tells nobody without a certificate in the holder's
// name whether an ID exists or whose it is. The POST is rate-limited per
// client address like login.

// reregisterPage is the data of the cert_reregister page.
type reregisterPage struct {
	LoginID  string
	Error    string
	Code     string
	LoggedIn bool
	// Done is set once a request was stored: the centre to call.
	Done   bool
	Centre domain.Institution
	Cert   domain.CertRequest
}

// certReregisterShow handles GET /account/cert/reregister.
func (s *Server) certReregisterShow(w http.ResponseWriter, r *http.Request) {
	s.certReregisterRender(w, r, http.StatusOK, &reregisterPage{})
}

func (s *Server) certReregisterRender(w http.ResponseWriter, r *http.Request, status int, p *reregisterPage) {
	p.LoggedIn = userFrom(r.Context()) != nil
	s.render(w, r, status, "cert_reregister", p)
}

// reregisterInput reads the user ID and the dialog's signed response from
// a form or a JSON body.
func reregisterInput(w http.ResponseWriter, r *http.Request) (pki.SignedResponse, string, error) {
	if isJSON(r) {
		var in struct {
			pki.SignedResponse
			LoginID string `json:"login_id"`
		}
		err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 512<<10)).Decode(&in)
		return in.SignedResponse, strings.TrimSpace(in.LoginID), err
	}
	sr, err := signedResponse(w, r)
	return sr, strings.TrimSpace(r.PostFormValue("login_id")), err
}

// refusal is a domain error whose message is a catalogue key, formatted
// with args in the request's language.
func refusal(r *http.Request, code, key string, args ...any) *domain.Error {
	msg := translate(state(r).lang, key)
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	return &domain.Error{Code: code, Message: msg}
}

// certReregisterCreate handles POST /account/cert/reregister: the user ID
// and the dialog's answer to a cert-reregister challenge.
func (s *Server) certReregisterCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sr, loginID, err := reregisterInput(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	if len(loginID) > 64 {
		loginID = loginID[:64]
	}
	if !s.allowKey(w, r, s.limits.reregisterID, loginIDKey(loginID)) {
		return
	}
	p := &reregisterPage{LoginID: loginID}
	// The signature and the nonce first: a refused certificate says
	// nothing about accounts.
	v, err := s.auth.Verify(ctx, pki.PurposeCertReregister, sr)
	if err != nil {
		if !s.certFailure(w, r, err, "cert_reregister", func(code, msg string) any {
			p.Error, p.Code, p.LoggedIn = msg, code, userFrom(ctx) != nil
			return p
		}) {
			s.error(w, r, err)
		}
		return
	}
	u, centre, refuse, err := s.reregisterCheck(ctx, r, loginID, v)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var req domain.CertRequest
	if refuse == nil {
		now := s.now()
		req = domain.CertRequest{UserID: u.ID, ApproverInstitutionID: centre.ID, CreatedAt: now}
		rec := v.CertificateRecord(u.ID, now)
		req.SubjectDN, req.IssuerDN, req.Serial, req.KeyHash = rec.SubjectDN, rec.IssuerDN, rec.Serial, rec.KeyHash
		req.NotBefore, req.NotAfter, req.PolicyOID, req.Class, req.DER = rec.NotBefore, rec.NotAfter, rec.PolicyOID, rec.Class, rec.DER
		err = s.store.InTx(ctx, func(q store.Queries) error {
			if err := q.CreateCertRequest(ctx, &req); err != nil {
				return err
			}
			return audit.Log(ctx, q, audit.Actor{ClientAddr: clientIP(r)}, "cert.reregister.request", "cert_request", req.ID,
				map[string]any{"user": u.ID, "approver_institution": centre.Code, "serial": req.Serial, "cert_class": string(req.Class)}, now)
		})
		switch {
		case errors.Is(err, store.ErrAlreadyExists):
			// A concurrent request won the race for the user or the key.
			refuse = refusal(r, domain.ECONFLICT, "reregister.key_pending")
		case err != nil:
			s.serverError(w, r, err)
			return
		}
	}
	if refuse != nil {
		s.log.Info("certificate re-registration refused", "id", state(r).id, "code", refuse.Code)
		if wantsJSON(r) {
			s.renderError(w, r, httpStatus(refuse.Code), refuse.Code, refuse.Message)
			return
		}
		p.Error, p.Code = refuse.Message, refuse.Code
		s.certReregisterRender(w, r, httpStatus(refuse.Code), p)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"status": string(req.Status), "centre": centre.Name, "phone": centre.Phone})
		return
	}
	p.Done, p.Centre, p.Cert = true, centre, req
	s.certReregisterRender(w, r, http.StatusOK, p)
}

// reregisterCheck applies the rules of a re-registration request for
// loginID with the verified certificate v. It returns the account and the
// health centre that confirms, or the refusal to show; err is for internal
// failures only. It only reads: the store's unique indexes settle races.
func (s *Server) reregisterCheck(ctx context.Context, r *http.Request, loginID string, v *auth.Verified) (domain.User, domain.Institution, *domain.Error, error) {
	var none domain.Institution
	if loginID == "" {
		return domain.User{}, none, refusal(r, domain.EINVALID, "reregister.no_id"), nil
	}
	u, err := s.store.GetUserByLoginID(ctx, loginID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return u, none, refusal(r, domain.EINVALID, "reregister.mismatch"), nil
	case err != nil:
		return u, none, nil, err
	}
	// Unknown IDs, withdrawn accounts and other names look alike.
	names, err := s.certNamesHolder(ctx, u, v)
	if err != nil {
		return u, none, nil, err
	}
	if u.Status == domain.UserWithdrawn || !names {
		return u, none, refusal(r, domain.EINVALID, "reregister.mismatch"), nil
	}
	if u.Status != domain.UserActive && u.Status != domain.UserPending {
		return u, none, refusal(r, domain.EFORBIDDEN, "reregister.locked"), nil
	}
	if v.Class == domain.CertUnknown {
		return u, none, &domain.Error{Code: domain.EINVALID, Message: pki.MessageFor(pki.CodeCertUnknownPolicy, state(r).lang)}, nil
	}
	if need, err := s.needsPersonalCert(ctx, u.ID); err != nil {
		return u, none, nil, err
	} else if need && v.Class != domain.CertPersonal {
		return u, none, refusal(r, domain.EINVALID, "reregister.personal_only"), nil
	}
	existing, err := s.store.GetCertificateByKeyHash(ctx, v.KeyHash)
	switch {
	case err == nil && existing.UserID != u.ID:
		return u, none, refusal(r, domain.ECONFLICT, "reregister.taken"), nil
	case err == nil && existing.Current():
		return u, none, refusal(r, domain.ECONFLICT, "reregister.own_current"), nil
	case err == nil:
		return u, none, refusal(r, domain.ECONFLICT, "reregister.own_old"), nil
	case !errors.Is(err, store.ErrNotFound):
		return u, none, nil, err
	}
	if usable, err := s.hasUsableCert(ctx, u.ID); err != nil {
		return u, none, nil, err
	} else if usable {
		return u, none, refusal(r, domain.ECONFLICT, "reregister.has_valid"), nil
	}
	pending, _, err := s.store.ListCertRequests(ctx, domain.CertRequestFilter{UserID: u.ID, Status: domain.CertRequestPending, Limit: 1})
	if err != nil {
		return u, none, nil, err
	}
	if len(pending) > 0 {
		c, err := s.store.GetInstitution(ctx, pending[0].ApproverInstitutionID)
		if err != nil {
			return u, none, nil, err
		}
		return u, none, refusal(r, domain.ECONFLICT, "reregister.pending", c.Name, signup.FormatPhone(c.Phone)), nil
	}
	inst, err := s.store.GetInstitution(ctx, u.InstitutionID)
	if errors.Is(err, store.ErrNotFound) {
		return u, none, refusal(r, domain.EINVALID, "reregister.no_centre"), nil
	} else if err != nil {
		return u, none, nil, err
	}
	centre, err := access.ApprovingInstitution(ctx, s.store, inst, domain.KindHealthCentre)
	if errors.Is(err, store.ErrNotFound) || err == nil && !centre.RetiredAt.IsZero() {
		return u, none, refusal(r, domain.EINVALID, "reregister.no_centre"), nil
	} else if err != nil {
		return u, none, nil, err
	}
	return u, centre, nil, nil
}

// certNamesHolder reports whether the verified certificate names the
// account's holder: a personal certificate names the person (the account's
// name), an institution certificate names the institution, which must be
// the user's. Signup, re-registration and the certificate change all apply
// it.
func (s *Server) certNamesHolder(ctx context.Context, u domain.User, v *auth.Verified) (bool, error) {
	want := u.Name
	if v.Class == domain.CertInstitution {
		inst, err := s.store.GetInstitution(ctx, u.InstitutionID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		want = inst.Name
	}
	return want != "" && signup.CertName(v.Cert.Subject.CommonName) == want, nil
}

// hasUsableCert reports whether the user still has a current certificate
// that would log in: one the verifier accepts (validity period, chain,
// revocation, policy). Such a user changes certificates themselves at
// /account/cert.
func (s *Server) hasUsableCert(ctx context.Context, userID int64) (bool, error) {
	certs, err := s.store.ListCertificates(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, c := range certs {
		if !c.Current() {
			continue
		}
		xc, err := x509.ParseCertificate(c.DER)
		if err != nil {
			continue // no usable record of it: it cannot be checked, nor log in here
		}
		if _, err := s.auth.Verifier.Verify(ctx, xc); err == nil {
			return true, nil
		}
	}
	return false, nil
}

// ---- The health centre's queue (승인 관리 → 인증서 재등록) ----

// reregisterQueuePage is the data of the approvals_certs page.
type reregisterQueuePage struct {
	Scope     access.Scope
	CanEscal  bool
	Items     []reregisterItem
	History   []reregisterItem
	Error     string
	Done      string // "approve" or "reject" after a decision
	ReasonMax int
}

// reregisterItem is a request with what the approver needs to decide it.
type reregisterItem struct {
	Request     domain.CertRequest
	Applicant   domain.User
	Institution domain.Institution // the applicant's
	Old         *domain.Certificate
	Waiting     time.Duration
	Decider     string
}

// reregisterScope returns the actor's approval scope and whether they
// confirm re-registrations: they hold an approver role at a health centre.
func (s *Server) reregisterScope(ctx context.Context, u domain.User) (access.Scope, bool, error) {
	sc, err := access.ScopeOf(ctx, s.store, u, s.now())
	if err != nil {
		return sc, false, err
	}
	return sc, len(sc.Direct) > 0 && sc.Institution.Kind == domain.KindHealthCentre, nil
}

// approvalsCertsShow handles GET /approvals/certs: the pending
// re-registration requests addressed to the approver's health centre,
// oldest first, and the recently decided ones.
func (s *Server) approvalsCertsShow(w http.ResponseWriter, r *http.Request) {
	done := r.URL.Query().Get("done")
	if done != "approve" && done != "reject" {
		done = ""
	}
	s.approvalsCertsRender(w, r, http.StatusOK, &reregisterQueuePage{Done: done})
}

func (s *Server) approvalsCertsRender(w http.ResponseWriter, r *http.Request, status int, p *reregisterQueuePage) {
	ctx := r.Context()
	u := userFrom(ctx)
	sc, ok, err := s.reregisterScope(ctx, *u)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "reregister.not_approver"))
		return
	}
	p.Scope, p.CanEscal, p.ReasonMax = sc, len(sc.Escalated) > 0 || sc.National, access.MaxReason
	now := s.now()
	pending, _, err := s.store.ListCertRequests(ctx, domain.CertRequestFilter{ApproverInstitutionID: sc.Institution.ID,
		Status: domain.CertRequestPending, Limit: 100})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	recent, _, err := s.store.ListCertRequests(ctx, domain.CertRequestFilter{ApproverInstitutionID: sc.Institution.ID,
		NewestFirst: true, Limit: 40})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, req := range pending {
		it, err := s.reregisterItem(ctx, req, now)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Items = append(p.Items, it)
	}
	for _, req := range recent {
		if req.Status == domain.CertRequestPending || len(p.History) >= 20 {
			continue
		}
		it, err := s.reregisterItem(ctx, req, now)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.History = append(p.History, it)
	}
	s.render(w, r, status, "approvals_certs", p)
}

func (s *Server) reregisterItem(ctx context.Context, req domain.CertRequest, now time.Time) (reregisterItem, error) {
	it := reregisterItem{Request: req, Waiting: now.Sub(req.CreatedAt)}
	var err error
	if it.Applicant, err = s.store.GetUser(ctx, req.UserID); err != nil {
		return it, err
	}
	if it.Institution, err = s.store.GetInstitution(ctx, it.Applicant.InstitutionID); err != nil {
		return it, err
	}
	certs, err := s.store.ListCertificates(ctx, req.UserID)
	if err != nil {
		return it, err
	}
	// The certificate the request replaces: the last current one, else the
	// last one.
	for i := range certs {
		if certs[i].Current() || it.Old == nil {
			it.Old = &certs[i]
		}
		if certs[i].Current() {
			break
		}
	}
	if req.DeciderID != 0 {
		if d, err := s.store.GetUser(ctx, req.DeciderID); err == nil {
			it.Decider = d.Name
		}
	}
	return it, nil
}

// approvalsCertsDecide handles POST /approvals/certs/{id}/decide: confirm
// (action=approve) or reject (action=reject, reason required) one request.
// Confirming registers the certificate, retires the user's other
// certificates, clears a forced re-registration and ends the user's
// sessions, in one transaction with the decision and its audit event.
func (s *Server) approvalsCertsDecide(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := *userFrom(ctx)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, translate(state(r).lang, "reregister.not_found"))
		return
	}
	action := r.PostFormValue("action")
	if action != "approve" && action != "reject" {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, translate(state(r).lang, "approvals.choose_action"))
		return
	}
	sc, ok, err := s.reregisterScope(ctx, actor)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "reregister.not_approver"))
		return
	}
	// Confirming registers a login certificate for another person: a
	// fresh signature first.
	if action == "approve" && !s.confirmGate(w, r) {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	now := s.now()
	var refuse *domain.Error
	switch {
	case action == "reject" && reason == "":
		refuse = refusal(r, domain.EINVALID, "reregister.reason_needed")
	case len([]rune(reason)) > access.MaxReason:
		refuse = refusal(r, domain.EINVALID, "reregister.reason_long", access.MaxReason)
	}
	var dec domain.CertRequest
	if refuse == nil {
		err = s.store.InTx(ctx, func(q store.Queries) error {
			var err error
			dec, err = s.reregisterDecide(ctx, q, r, actor, sc, id, action == "approve", reason, now)
			return err
		})
		var de *domain.Error
		if errors.As(err, &de) {
			refuse = de
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if refuse != nil {
		if wantsJSON(r) {
			s.renderError(w, r, httpStatus(refuse.Code), refuse.Code, refuse.Message)
			return
		}
		if refuse.Code == domain.ENOTFOUND {
			s.renderError(w, r, http.StatusNotFound, refuse.Code, refuse.Message)
			return
		}
		s.approvalsCertsRender(w, r, httpStatus(refuse.Code), &reregisterQueuePage{Error: refuse.Message})
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"status": string(dec.Status)})
		return
	}
	http.Redirect(w, r, "/approvals/certs?done="+action, http.StatusSeeOther)
}

// reregisterDecide decides request id inside q. A request of another
// centre is reported as not found, so approvers learn nothing of other
// centres' requests.
func (s *Server) reregisterDecide(ctx context.Context, q store.Queries, r *http.Request, actor domain.User, sc access.Scope, id int64, approve bool, reason string, now time.Time) (domain.CertRequest, error) {
	req, err := q.GetCertRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && req.ApproverInstitutionID != sc.Institution.ID {
		return req, refusal(r, domain.ENOTFOUND, "reregister.not_found")
	} else if err != nil {
		return req, err
	}
	if req.UserID == actor.ID {
		return req, refusal(r, domain.EFORBIDDEN, "reregister.own_request")
	}
	if req.Status != domain.CertRequestPending {
		return req, refusal(r, domain.ECONFLICT, "reregister.already")
	}
	u, err := q.GetUser(ctx, req.UserID)
	if err != nil {
		return req, err
	}
	status := domain.CertRequestRejected
	if approve {
		status = domain.CertRequestApproved
		if !now.Before(req.NotAfter) {
			return req, refusal(r, domain.ECONFLICT, "reregister.new_expired")
		}
		if u.Status != domain.UserActive && u.Status != domain.UserPending {
			return req, refusal(r, domain.ECONFLICT, "reregister.user_gone")
		}
	}
	dec, err := q.DecideCertRequest(ctx, id, status, actor.ID, reason, now)
	if errors.Is(err, store.ErrConflict) {
		return dec, refusal(r, domain.ECONFLICT, "reregister.already")
	} else if err != nil {
		return dec, err
	}
	detail := map[string]any{"user": u.ID, "serial": dec.Serial, "cert_class": string(dec.Class)}
	if approve {
		rec := dec.Certificate(now)
		if err := q.AddCertificate(ctx, &rec); errors.Is(err, store.ErrAlreadyExists) {
			return dec, refusal(r, domain.ECONFLICT, "reregister.taken_meanwhile")
		} else if err != nil {
			return dec, err
		}
		if err := q.ReplaceCertificates(ctx, u.ID, rec.ID, now); err != nil {
			return dec, err
		}
		if u.MustReregisterCert {
			u.MustReregisterCert, u.UpdatedAt = false, now
			if err := q.UpdateUser(ctx, &u); err != nil {
				return dec, err
			}
		}
		// Whoever held a session of the account held it with an old
		// certificate.
		if _, err := q.DeleteUserSessions(ctx, u.ID); err != nil {
			return dec, err
		}
		detail["certificate"] = rec.ID
	}
	action := "cert.reregister.reject"
	if approve {
		action = "cert.reregister.approve"
	}
	if err := audit.Log(ctx, q, audit.ActorOf(actor, clientIP(r)), action, "cert_request", dec.ID, detail, now); err != nil {
		return dec, err
	}
	return dec, nil
}
