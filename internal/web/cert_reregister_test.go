package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/store"
)

// rrExpiredUser stores an active account at instID named name, with iss
// (typically expired) as its only, current certificate and, when
// personalRole, the demo's 코로나19 예방접종대응팀 User role, which needs a
// personal certificate. The certificate is registered directly: the
// verifier would refuse it.
func (e *seededEnv) rrExpiredUser(loginID, name string, instID int64, iss *pki.Issued, personalRole bool) domain.User {
	e.t.Helper()
	now := e.clock.Now()
	u := domain.User{LoginID: loginID, Name: name, InstitutionID: instID,
		Status: domain.UserActive, Mobile: "01098765432", OfficePhone: "0212345678", Pseudonym: "p-" + loginID,
		CreatedAt: now, UpdatedAt: now}
	if err := e.s.store.CreateUser(e.ctx, &u); err != nil {
		e.t.Fatal(err)
	}
	c := iss.Cert
	rec := domain.Certificate{UserID: u.ID, SubjectDN: c.Subject.String(), IssuerDN: c.Issuer.String(),
		Serial: c.SerialNumber.Text(16), KeyHash: auth.KeyHash(c), NotBefore: c.NotBefore, NotAfter: c.NotAfter,
		PolicyOID: pki.OIDDevPersonal, Class: domain.CertPersonal, DER: c.Raw, RegisteredAt: now}
	if err := e.s.store.AddCertificate(e.ctx, &rec); err != nil {
		e.t.Fatal(err)
	}
	if personalRole {
		g := domain.Grant{UserID: u.ID, RoleID: e.demo.UserRoleID, GrantedAt: now}
		if err := e.s.store.CreateGrant(e.ctx, &g); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

// rrRequest posts a re-registration for loginID signed with iss.
func (c *client) rrRequest(loginID string, iss *pki.Issued) (*http.Response, string) {
	f := form(c.signed(pki.PurposeCertReregister, iss))
	f.Set("login_id", loginID)
	return c.postForm("/account/cert/reregister", f)
}

// rrPending returns the user's pending requests.
func (e *seededEnv) rrPending(userID int64) []domain.CertRequest {
	e.t.Helper()
	list, _, err := e.s.store.ListCertRequests(e.ctx, domain.CertRequestFilter{UserID: userID, Status: domain.CertRequestPending})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// rrLoginCode posts a JSON login signed with iss and returns the refusal
// code, or "" on success.
func (c *client) rrLoginCode(iss *pki.Issued) string {
	c.e.t.Helper()
	res, body := c.postJSON("/login", c.signed(pki.PurposeLogin, iss))
	if res.StatusCode == http.StatusOK {
		c.refreshCSRF() // the session has a token of its own
		return ""
	}
	code, _ := jsonError(c.e.t, body)
	return code
}

func rrDecide(c *client, id int64, action, reason string) (*http.Response, string) {
	return c.postForm("/approvals/certs/"+strconv.FormatInt(id, 10)+"/decide", url.Values{"action": {action}, "reason": {reason}})
}

// TestCertReregister: a user whose only certificate expired cannot log in,
// asks for the renewed certificate to be registered, the approver of their
// health centre (and nobody else) confirms, and the new certificate logs in.
func TestCertReregister(t *testing.T) {
	e := newSeededEnv(t, nil)
	clinic, centre := e.inst(clinicCode), e.inst(centreCode)
	oldIss := issue(t, "김재등", 0, expired)
	newIss := issue(t, "김재등", 1, nil)
	u := e.rrExpiredUser("rereg01", "김재등", clinic.ID, oldIss, true)
	// Someone of the same name holds another certificate.
	takenIss := issue(t, "김재등", 2, nil)
	namesake := e.registerUser("namesake02", domain.UserActive, clinic.ID, takenIss)

	c := e.client()
	if code := c.rrLoginCode(oldIss); code != pki.CodeCertExpired {
		t.Fatalf("login with the expired certificate: %q, want %s", code, pki.CodeCertExpired)
	}
	res, body := c.postForm("/login", form(c.signed(pki.PurposeLogin, newIss)))
	wantStatus(t, "login with the unregistered new certificate", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, `href="/account/cert/reregister"`) {
		t.Fatal("the not-registered login error does not link to re-registration")
	}

	res, body = c.getPage("/account/cert/reregister")
	wantStatus(t, "GET /account/cert/reregister", res, body, http.StatusOK)
	for _, want := range []string{`action="/account/cert/reregister"`, `data-cert-purpose="cert-reregister"`, `name="login_id"`, "인증서 재등록"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}

	// Refusals store nothing.
	mismatch := translate("ko", "reregister.mismatch")
	refusals := []struct {
		name, loginID string
		iss           *pki.Issued
		status        int
		msg           string
	}{
		{"empty ID", "", newIss, http.StatusBadRequest, translate("ko", "reregister.no_id")},
		{"unknown ID", "nobody99", newIss, http.StatusBadRequest, mismatch},
		{"certificate in another name", "rereg01", issue(t, "이몽룡", 3, nil), http.StatusBadRequest, mismatch},
		{"institution certificate for a personal-data role", "rereg01",
			issue(t, clinic.Name, 3, func(o *pki.IssueOptions) { o.Class = domain.CertInstitution }), http.StatusBadRequest,
			translate("ko", "reregister.personal_only")},
		{"certificate of another account", "rereg01", takenIss, http.StatusConflict, translate("ko", "reregister.taken")},
		{"the expired certificate itself", "rereg01", oldIss, http.StatusUnauthorized,
			strings.ReplaceAll(translate("ko", "certmsg.cert_expired.reregister"), "{date}", oldIss.Cert.NotAfter.In(kst).Format("2006-01-02"))},
		{"namesake with a usable certificate", "namesake02", newIss, http.StatusConflict, translate("ko", "reregister.has_valid")},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			c := e.in(t).client() // each its own address: the POST is rate-limited
			res, body := c.rrRequest(tc.loginID, tc.iss)
			wantStatus(t, tc.name, res, body, tc.status)
			if !strings.Contains(body, esc(tc.msg)) {
				t.Errorf("%s: the page does not say %q", tc.name, tc.msg)
			}
		})
	}
	untrusted := issueUntrusted(t, "김재등", 3)
	res, body = e.client().rrRequest("rereg01", untrusted)
	wantStatus(t, "untrusted certificate", res, body, http.StatusUnauthorized)
	if len(e.rrPending(u.ID)) != 0 || len(e.rrPending(namesake.ID)) != 0 || e.auditCount("cert.reregister.request") != 0 {
		t.Fatal("a refused request was stored")
	}

	// A refusal consumes the nonce: the same signed answer cannot be
	// replayed with the right ID; nor does a login challenge do.
	rc := e.client()
	sr := rc.signed(pki.PurposeCertReregister, newIss)
	f := form(sr)
	f.Set("login_id", "nobody99")
	res, body = rc.postForm("/account/cert/reregister", f)
	wantStatus(t, "first use", res, body, http.StatusBadRequest)
	f.Set("login_id", "rereg01")
	res, body = rc.postForm("/account/cert/reregister", f)
	wantStatus(t, "replay", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, pki.CodeNonceReplayed) {
		t.Errorf("replay refused without %s", pki.CodeNonceReplayed)
	}
	f = form(rc.signed(pki.PurposeLogin, newIss))
	f.Set("login_id", "rereg01")
	res, body = rc.postForm("/account/cert/reregister", f)
	wantStatus(t, "login challenge", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, pki.CodeNonceWrongPurpose) {
		t.Errorf("a login challenge refused without %s", pki.CodeNonceWrongPurpose)
	}
	if len(e.rrPending(u.ID)) != 0 {
		t.Fatal("a replayed or misdirected answer was stored")
	}

	// The request: addressed to the clinic's health centre, whose name and
	// phone the page gives.
	res, body = c.rrRequest("rereg01", newIss)
	wantStatus(t, "re-registration request", res, body, http.StatusOK)
	if !strings.Contains(body, esc(centre.Name)) || !strings.Contains(body, esc(signup.FormatPhone(centre.Phone))) {
		t.Errorf("the confirmation does not name %s and its phone", centre.Name)
	}
	pending := e.rrPending(u.ID)
	if len(pending) != 1 || pending[0].ApproverInstitutionID != centre.ID || string(pending[0].KeyHash) != string(auth.KeyHash(newIss.Cert)) ||
		pending[0].Class != domain.CertPersonal || !pending[0].CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("pending requests %+v", pending)
	}
	req := pending[0]
	if n := e.auditCount("cert.reregister.request"); n != 1 {
		t.Errorf("cert.reregister.request events %d, want 1", n)
	}
	// One pending request per user; the certificate is not registered yet.
	res, body = c.rrRequest("rereg01", issue(t, "김재등", 3, nil))
	wantStatus(t, "second request", res, body, http.StatusConflict)
	if !strings.Contains(body, esc(centre.Name)) {
		t.Error("the refusal of a second request does not name the centre to call")
	}
	if code := c.rrLoginCode(newIss); code != auth.CodeNotRegistered {
		t.Fatalf("login before confirmation: %q, want %s", code, auth.CodeNotRegistered)
	}

	// Approvers of another centre neither see nor decide it; users without
	// an approver role cannot open the queue.
	other, otherCert := e.demoAccount("approver11140")
	oc := e.signedIn(other, otherCert)
	e.confirmSessions(other)
	res, body = oc.getPage("/approvals/certs")
	wantStatus(t, "other centre's queue", res, body, http.StatusOK)
	if strings.Contains(body, "rereg01") || !strings.Contains(body, esc(translate("ko", "reregister.none"))) {
		t.Error("another centre's approver sees the request")
	}
	res, body = rrDecide(oc, req.ID, "approve", "")
	wantStatus(t, "other centre's approval", res, body, http.StatusNotFound)
	nc := e.signedIn(namesake, 0)
	res, body = nc.getPage("/approvals/certs")
	wantStatus(t, "queue of a non-approver", res, body, http.StatusForbidden)
	res, body = rrDecide(nc, req.ID, "approve", "")
	wantStatus(t, "non-approver's approval", res, body, http.StatusForbidden)
	if len(e.rrPending(u.ID)) != 1 {
		t.Fatal("the request was decided by someone without authority")
	}

	// The centre's approver sees it under 승인 관리 → 인증서 재등록.
	ap, apCert := e.demoAccount("approver11110")
	ac := e.signedIn(ap, apCert)
	res, body = ac.getPage("/approvals")
	wantStatus(t, "GET /approvals", res, body, http.StatusOK)
	if !strings.Contains(body, `href="/approvals/certs"`) {
		t.Error("승인 관리 has no 인증서 재등록 tab")
	}
	res, body = ac.getPage("/approvals/certs")
	wantStatus(t, "GET /approvals/certs", res, body, http.StatusOK)
	for _, want := range []string{"rereg01", esc(u.Name), req.Serial, "010-9876-5432", `action="/approvals/certs/` + strconv.FormatInt(req.ID, 10) + `/decide"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the queue lacks %s", want)
		}
	}
	res, body = rrDecide(ac, req.ID, "reject", " ")
	wantStatus(t, "reject without reason", res, body, http.StatusBadRequest)
	// Confirming registers a login certificate for someone: not without
	// the approver's fresh signature (issue 15 item 4).
	res, body = rrDecide(ac, req.ID, "approve", "")
	wantStatus(t, "approve without a confirmation", res, body, http.StatusForbidden)
	if !strings.Contains(body, translate("ko", "confirm.action.reregister_decide")) || e.certRegistered(newIss) {
		t.Fatalf("unconfirmed approval: registered %v; page:\n%s", e.certRegistered(newIss), body)
	}
	e.confirmSessions(ap)
	res, body = rrDecide(ac, req.ID, "approve", "")
	wantRedirect(t, "approve", res, body, "/approvals/certs?done=approve")
	res, body = rrDecide(ac, req.ID, "reject", "늦게 반려")
	wantStatus(t, "second decision", res, body, http.StatusConflict)

	got, err := e.s.store.GetCertRequest(e.ctx, req.ID)
	if err != nil || got.Status != domain.CertRequestApproved || got.DeciderID != ap.ID {
		t.Fatalf("request after approval: %+v (%v)", got, err)
	}
	certs, err := e.s.store.ListCertificates(e.ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || certs[0].Current() || !certs[1].Current() || string(certs[1].KeyHash) != string(auth.KeyHash(newIss.Cert)) {
		var got []string
		for _, c := range certs {
			got = append(got, fmt.Sprintf("#%d serial %s current %v", c.ID, c.Serial, c.Current()))
		}
		t.Fatalf("certificates after approval: %v; want the old one replaced and the new one (serial %s) current", got, req.Serial)
	}
	if n := e.auditCount("cert.reregister.approve"); n != 1 {
		t.Errorf("cert.reregister.approve events %d, want 1", n)
	}

	// The new certificate logs in and the user keeps the role; the old one
	// stays refused; re-registration is now refused (a usable certificate).
	lc := e.client()
	if code := lc.rrLoginCode(newIss); code != "" {
		t.Fatalf("login with the confirmed certificate refused: %s", code)
	}
	if code := lc.rrLoginCode(oldIss); code != pki.CodeCertExpired {
		t.Errorf("login with the old certificate: %q, want %s", code, pki.CodeCertExpired)
	}
	held, err := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: u.ID, ActiveAt: e.clock.Now()})
	if err != nil || len(held) != 1 {
		t.Errorf("grants after re-registration: %v (%v)", held, err)
	}
	res, body = e.client().rrRequest("rereg01", issue(t, "김재등", 3, nil))
	wantStatus(t, "request with a usable certificate registered", res, body, http.StatusConflict)
	if !strings.Contains(body, esc(translate("ko", "reregister.has_valid"))) {
		t.Error("a request with a usable certificate registered is not told to log in and change it")
	}
}

// TestCertReregisterRejected: a rejection keeps the old state and lets the
// user ask again; a JSON client gets JSON.
func TestCertReregisterRejected(t *testing.T) {
	e := newSeededEnv(t, nil)
	clinic, centre := e.inst(clinicCode), e.inst(centreCode)
	oldIss := issue(t, "박갱신", 0, expired)
	newIss := issue(t, "박갱신", 1, nil)
	u := e.rrExpiredUser("rereg03", "박갱신", clinic.ID, oldIss, true)

	c := e.client()
	sr := c.signed(pki.PurposeCertReregister, newIss)
	res, body := c.postJSON("/account/cert/reregister", map[string]string{"login_id": "rereg03", "nonce": sr.Nonce,
		"certificate": sr.Certificate, "signature": sr.Signature})
	wantStatus(t, "JSON request", res, body, http.StatusOK)
	if !strings.Contains(body, `"status":"pending"`) || !strings.Contains(body, centre.Name) {
		t.Errorf("JSON answer %s", body)
	}
	pending := e.rrPending(u.ID)
	if len(pending) != 1 {
		t.Fatalf("pending %+v", pending)
	}

	ap, apCert := e.demoAccount("approver11110")
	ac := e.signedIn(ap, apCert)
	res, body = rrDecide(ac, pending[0].ID, "reject", "본인 확인 전화에 응답 없음")
	wantRedirect(t, "reject", res, body, "/approvals/certs?done=reject")
	got, err := e.s.store.GetCertRequest(e.ctx, pending[0].ID)
	if err != nil || got.Status != domain.CertRequestRejected || got.Reason != "본인 확인 전화에 응답 없음" {
		t.Fatalf("after rejection: %+v (%v)", got, err)
	}
	res, body = ac.getPage("/approvals/certs?done=reject")
	wantStatus(t, "GET /approvals/certs after rejecting", res, body, http.StatusOK)
	if !strings.Contains(body, esc("본인 확인 전화에 응답 없음")) || !strings.Contains(body, esc(translate("ko", "reregister.done_reject"))) {
		t.Error("the queue's history does not show the rejection")
	}
	certs, err := e.s.store.ListCertificates(e.ctx, u.ID)
	if err != nil || len(certs) != 1 || !certs[0].Current() {
		t.Fatalf("certificates after rejection: %+v (%v)", certs, err)
	}
	if code := c.rrLoginCode(newIss); code != auth.CodeNotRegistered {
		t.Errorf("login with the rejected certificate: %q", code)
	}
	if n := e.auditCount("cert.reregister.reject"); n != 1 {
		t.Errorf("cert.reregister.reject events %d, want 1", n)
	}
	// The user may ask again.
	res, body = c.rrRequest("rereg03", newIss)
	wantStatus(t, "request after rejection", res, body, http.StatusOK)
}

// TestCertReregisterRateLimited: the anonymous POST is limited per client
// address (burst 5), before any signature is checked.
func TestCertReregisterRateLimited(t *testing.T) {
	e := newSeededEnv(t, nil)
	c := e.client()
	for i := range 5 {
		res, body := c.postForm("/account/cert/reregister", url.Values{"login_id": {"nobody99"}})
		if res.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("request %d limited: %s", i+1, body)
		}
	}
	res, body := c.postForm("/account/cert/reregister", url.Values{"login_id": {"nobody99"}})
	wantStatus(t, "sixth request", res, body, http.StatusTooManyRequests)
	res, body = e.client().postForm("/account/cert/reregister", url.Values{"login_id": {"nobody99"}})
	if res.StatusCode == http.StatusTooManyRequests {
		t.Fatal("another address was limited too")
	}
}

// FuzzCertReregister posts arbitrary bodies, as a form or as JSON, to the
// anonymous re-registration endpoint: it must never panic, answer 5xx or
// store a request.
func FuzzCertReregister(f *testing.F) {
	e := newSeededEnv(f, nil)
	c := e.client()
	iss := issue(f, "김재등", 1, nil)
	sr := c.signed(pki.PurposeCertReregister, iss)
	signed, _ := json.Marshal(map[string]string{"login_id": "admin", "nonce": sr.Nonce, "certificate": sr.Certificate, "signature": sr.Signature})
	f.Add(true, string(signed))
	f.Add(false, form(sr).Encode()+"&login_id=admin")
	f.Add(false, "login_id=%ff%00&nonce=&certificate=AAAA&signature=")
	f.Add(true, `{"login_id":"admin","cms":"MIIB"}`)
	f.Add(true, `{"login_id":1}`)
	f.Add(false, "login_id="+strings.Repeat("가", 100)+"&cms=****")
	f.Fuzz(func(t *testing.T, asJSON bool, body string) {
		ct := "application/x-www-form-urlencoded"
		if asJSON {
			ct = "application/json"
		}
		n := addrSeq.Add(1)
		r := httptest.NewRequest("POST", "/account/cert/reregister", strings.NewReader(body))
		r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
		r.Header.Set("Content-Type", ct)
		r.Header.Set(csrfHeader, c.token)
		for _, ck := range c.cookies {
			r.AddCookie(ck)
		}
		w := httptest.NewRecorder()
		e.s.Handler().ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q", w.Code, body)
		}
		if list, _, err := e.s.store.ListCertRequests(e.ctx, domain.CertRequestFilter{}); err != nil || len(list) != 0 {
			t.Fatalf("a request was stored (%v): %+v", err, list)
		}
	})
}

// TestCertReregisterInstitutionCertificate: an institution certificate
// names the institution, so it must be the user's institution; and it is
// accepted only from users without personal-data roles.
func TestCertReregisterInstitutionCertificate(t *testing.T) {
	e := newSeededEnv(t, nil)
	clinic, otherClinic := e.inst(clinicCode), e.inst("91114001")
	inst := func(o *pki.IssueOptions) { o.Class = domain.CertInstitution }
	oldIss := issue(t, clinic.Name, 0, func(o *pki.IssueOptions) { inst(o); expired(o) })
	u := e.rrExpiredUser("rereg04", "최기관", clinic.ID, oldIss, false)

	res, body := e.client().rrRequest("rereg04", issue(t, otherClinic.Name, 1, inst))
	wantStatus(t, "another institution's certificate", res, body, http.StatusBadRequest)
	if !strings.Contains(body, esc(translate("ko", "reregister.mismatch"))) {
		t.Error("another institution's certificate is not refused as a mismatch")
	}
	res, body = e.client().rrRequest("rereg04", issue(t, clinic.Name, 1, inst))
	wantStatus(t, "the institution's certificate", res, body, http.StatusOK)
	if p := e.rrPending(u.ID); len(p) != 1 || p[0].Class != domain.CertInstitution {
		t.Fatalf("pending %+v", p)
	}
}
