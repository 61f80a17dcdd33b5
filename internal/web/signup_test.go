package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The medical institution the tests sign up at, its health centre (관할
// 보건소) and another centre.
const (
	clinicCode      = "91111001" // 행복내과의원
	clinicName      = "행복내과의원"
	centreCode      = "HC-11110" // 종로구보건소
	otherCentreCode = "HC-11140" // 중구보건소
)

// infoForm is a valid step-03 form for the holder of a certificate named
// name.
func infoForm(name, loginID string, instID int64) url.Values {
	return url.Values{
		"name":           {name},
		"login_id":       {loginID},
		"institution_id": {strconv.FormatInt(instID, 10)},
		"mobile":         {"010-1234-5678"},
		"office_phone":   {"02-123-4567"},
		"email":          {"hong@example.org"},
		"action":         {"save"},
	}
}

// consent completes step 01.
func (c *client) consent() {
	c.e.t.Helper()
	res, body := c.postForm("/signup/consent", url.Values{"consent_version": {strconv.Itoa(c.e.demo.ConsentVersion)}, "agree": {"yes"}})
	wantRedirect(c.e.t, "POST /signup/consent", res, body, "/signup/cert")
}

// registerCert completes step 02 with iss, by the dialog's JSON call.
func (c *client) registerCert(iss *pki.Issued) {
	c.e.t.Helper()
	res, body := c.postJSON("/signup/cert", c.signed(pki.PurposeSignup, iss))
	wantStatus(c.e.t, "POST /signup/cert", res, body, http.StatusOK)
	if !strings.Contains(body, `"redirect":"/signup/info"`) {
		c.e.t.Fatalf("POST /signup/cert = %s, want redirect to /signup/info", body)
	}
}

// saveInfo completes step 03.
func (c *client) saveInfo(f url.Values) {
	c.e.t.Helper()
	res, body := c.postForm("/signup/info", f)
	wantRedirect(c.e.t, "POST /signup/info", res, body, "/signup/request")
}

// toStep4 runs steps 01 to 03 for iss with login ID loginID at the clinic.
func (c *client) toStep4(iss *pki.Issued, loginID string) {
	c.e.t.Helper()
	c.consent()
	c.registerCert(iss)
	c.saveInfo(infoForm(signup.CertName(iss.Cert.Subject.CommonName), loginID, c.e.inst(clinicCode).ID))
}

// requestForm is a step-04 form.
func requestForm(roleID, approverID int64, confirm bool) url.Values {
	f := url.Values{"role_id": {strconv.FormatInt(roleID, 10)}, "approver_id": {strconv.FormatInt(approverID, 10)},
		"justification": {"접종 등록 담당"}}
	if confirm {
		f.Set("confirm_outside", "yes")
	}
	return f
}

var (
	roleRadioRe = regexp.MustCompile(`name="role_id" value="(\d+)"( disabled)?`)
	selectedRe  = regexp.MustCompile(`<option value="(\d+)" selected>`)
	stepErrorRe = regexp.MustCompile(`id="gw-step-error">[^<]*`)
)

// offeredRoles returns the role IDs on a step-04 page and which are disabled.
func offeredRoles(body string) map[int64]bool {
	out := map[int64]bool{}
	for _, m := range roleRadioRe.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out[id] = m[2] != ""
	}
	return out
}

// TestSignupWizard walks the whole signup (manual 1.2–1.6) and checks
// what it leaves in the store.
func TestSignupWizard(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	clinic, centre, other := e.inst(clinicCode), e.inst(centreCode), e.inst(otherCentreCode)
	users0 := e.userCount()
	c := e.client()

	// Step 01: the consent text with its version.
	res, body := c.getPage("/signup")
	wantStatus(t, "GET /signup", res, body, http.StatusOK)
	for _, want := range []string{"사용자 확인 및 중복 가입 방지", fmt.Sprintf(`name="consent_version" value="%d"`, e.demo.ConsentVersion), `name="agree" value="yes"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /signup lacks %q", want)
		}
	}
	// Unticked: an error, and no draft.
	res, body = c.postForm("/signup/consent", url.Values{"consent_version": {strconv.Itoa(e.demo.ConsentVersion)}})
	wantStatus(t, "unticked consent", res, body, http.StatusBadRequest)
	if !strings.Contains(body, esc(signup.ErrConsentRequired.Message)) {
		t.Errorf("unticked consent: page lacks %q", signup.ErrConsentRequired.Message)
	}
	if _, ok := c.cookies[signupCookie]; ok {
		t.Fatal("unticked consent set a signup cookie")
	}
	// An outdated version is refused too.
	res, body = c.postForm("/signup/consent", url.Values{"consent_version": {"99"}, "agree": {"yes"}})
	wantStatus(t, "outdated consent", res, body, http.StatusConflict)
	if _, ok := c.cookies[signupCookie]; ok {
		t.Fatal("outdated consent set a signup cookie")
	}
	c.consent()
	if _, ok := c.cookies[signupCookie]; !ok {
		t.Fatal("consent set no signup cookie")
	}

	// Step 02.
	res, body = c.getPage("/signup/cert")
	wantStatus(t, "GET /signup/cert", res, body, http.StatusOK)
	if !strings.Contains(body, `data-cert-purpose="signup"`) {
		t.Error("step 02 has no signup certificate button")
	}
	iss := issue(t, "홍길동", 0, nil)
	c.registerCert(iss)
	res, body = c.getPage("/signup/cert")
	if !strings.Contains(body, esc(iss.Cert.Subject.CommonName)) {
		t.Error("step 02 does not show the registered certificate")
	}

	// Step 03: the name comes from the certificate.
	res, body = c.getPage("/signup/info")
	wantStatus(t, "GET /signup/info", res, body, http.StatusOK)
	if !strings.Contains(body, `name="name" value="홍길동"`) {
		t.Error("step 03 does not prefill the certificate holder's name")
	}
	// Institution search by name and by code.
	for _, q := range []string{"행복내과", clinicCode} {
		_, body = c.getPage("/signup/info?q=" + url.QueryEscape(q))
		if !strings.Contains(body, fmt.Sprintf(`name="institution_id" value="%d"`, clinic.ID)) || !strings.Contains(body, clinicName) {
			t.Errorf("search %q does not offer %s", q, clinicName)
		}
	}
	_, body = c.getPage("/signup/info?q=" + url.QueryEscape("없는기관이름"))
	if strings.Contains(body, `name="institution_id"`) {
		t.Error("search for a missing name offers institutions")
	}
	// ID availability.
	for _, tc := range []struct {
		id    string
		avail bool
		msg   string
	}{
		{"hong2026", true, "사용할 수 있는 아이디입니다."},
		{"approver11110", false, signup.ErrLoginIDTaken.Message}, // a seeded account
		{"1hong", false, "아이디는 " + signup.LoginIDRules},
		{"", false, "아이디를 입력하세요."},
	} {
		res, body := c.getPage("/signup/check-id?id=" + url.QueryEscape(tc.id))
		wantStatus(t, "check-id", res, body, http.StatusOK)
		want := fmt.Sprintf(`"available":%v`, tc.avail)
		if !strings.Contains(body, want) || !strings.Contains(body, tc.msg) {
			t.Errorf("check-id %q = %s, want %s and %q", tc.id, body, want, tc.msg)
		}
	}
	// Every field error.
	for _, tc := range []struct {
		field, value, want string
	}{
		{"login_id", "Hong!", "아이디는 " + signup.LoginIDRules},
		{"login_id", "abc", "아이디는 " + signup.LoginIDRules},
		{"login_id", "approver11110", signup.ErrLoginIDTaken.Message},
		{"name", "김철수", "이름이 인증서의 명의와 다릅니다"},
		{"name", "", "이름을 입력하세요."},
		{"mobile", "02-123-4567", "휴대폰번호를 확인하세요"},
		{"mobile", "", "휴대폰번호를 입력하세요."},
		{"office_phone", "12345", "전화번호를 확인하세요"},
		{"email", "hong@example", "이메일 주소를 확인하세요"},
		{"institution_id", "", "소속 기관을 검색하여 선택하세요."},
		{"institution_id", "999999", "선택한 기관을 찾을 수 없습니다"},
	} {
		t.Run("field/"+tc.field+"="+tc.value, func(t *testing.T) {
			f := infoForm("홍길동", "hong2026", clinic.ID)
			f.Set(tc.field, tc.value)
			res, body := c.postForm("/signup/info", f)
			wantStatus(t, "POST /signup/info", res, body, http.StatusUnprocessableEntity)
			key := tc.field
			if key == "institution_id" {
				key = "institution"
			}
			msgs := fieldMessages(body)
			if !strings.Contains(msgs[key], esc(tc.want)) {
				t.Errorf("field %s message = %q, want %q (all: %v)", key, msgs[key], tc.want, msgs)
			}
			if len(msgs) != 1 {
				t.Errorf("messages for %d fields, want 1: %v", len(msgs), msgs)
			}
		})
	}
	// The search button keeps what was typed and searches.
	f := infoForm("홍길동", "hong2026", 0)
	f.Set("action", "search")
	f.Set("q", clinicCode)
	res, body = c.postForm("/signup/info", f)
	wantStatus(t, "search button", res, body, http.StatusOK)
	if !strings.Contains(body, `value="hong2026"`) || !strings.Contains(body, clinicName) {
		t.Error("the search button lost the form or found nothing")
	}

	c.saveInfo(infoForm("홍길동", "hong2026", clinic.ID))
	// An abandoned signup leaves no account: nothing exists before step 04.
	e.noUser("hong2026")
	if e.certRegistered(iss) || e.userCount() != users0 {
		t.Fatal("an account or certificate exists before step 04")
	}

	// Step 04: the roles of a medical institution, its health centre preselected.
	res, body = c.getPage("/signup/request")
	wantStatus(t, "GET /signup/request", res, body, http.StatusOK)
	roles := offeredRoles(body)
	want := map[int64]bool{e.demo.UserRoleID: false, e.demo.AutoReportRoleID: false}
	if fmt.Sprint(roles) != fmt.Sprint(want) {
		t.Errorf("offered roles %v, want %v (User(의료기관) and 자동보고, none blocked)", roles, want)
	}
	if m := selectedRe.FindStringSubmatch(body); m == nil || m[1] != strconv.FormatInt(centre.ID, 10) {
		t.Errorf("preselected approver %v, want %s (%d)", m, centre.Name, centre.ID)
	}
	if !strings.Contains(body, "<strong>"+centre.DisplayName()+"</strong>") {
		t.Errorf("step 04 does not name the jurisdiction's centre %s", centre.Name)
	}
	// Another centre without the confirmation: refused with the warning.
	requests0 := e.requestCount()
	res, body = c.postForm("/signup/request", requestForm(e.demo.UserRoleID, other.ID, false))
	wantStatus(t, "outside jurisdiction unconfirmed", res, body, http.StatusBadRequest)
	if !strings.Contains(body, esc(access.ErrOutsideJurisdiction.Message)) {
		t.Error("no delay warning for a centre outside the jurisdiction")
	}
	if !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>`, other.ID)) {
		t.Error("the refused page does not keep the chosen centre")
	}
	e.noUser("hong2026")
	if e.requestCount() != requests0 || e.certRegistered(iss) {
		t.Fatal("a refused step 04 created something")
	}
	// With the confirmation it works.
	res, body = c.postForm("/signup/request", requestForm(e.demo.UserRoleID, other.ID, true))
	wantRedirect(t, "POST /signup/request", res, body, "/signup/complete")

	// Step 05: the approving centre's name and phone.
	res, body = c.getPage("/signup/complete")
	wantStatus(t, "GET /signup/complete", res, body, http.StatusOK)
	for _, want := range []string{other.Name, other.Phone, "hong2026", "[코로나19 예방접종대응팀 User(의료기관)]"} {
		if want == "" || !strings.Contains(body, esc(want)) {
			t.Errorf("step 05 lacks %q", want)
		}
	}

	// The store: one pending user, its personal certificate, one pending
	// request to the chosen centre, and the audit events.
	if n := e.userCount(); n != users0+1 {
		t.Errorf("users %d, want %d", n, users0+1)
	}
	u, err := e.s.store.GetUserByLoginID(e.ctx, "hong2026")
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != domain.UserPending || u.Name != "홍길동" || u.InstitutionID != clinic.ID || u.Mobile != "01012345678" ||
		u.OfficePhone != "021234567" || u.Email != "hong@example.org" || u.ConsentVersion != e.demo.ConsentVersion || u.ConsentAt.IsZero() {
		t.Errorf("user = %+v", u)
	}
	certs, err := e.s.store.ListCertificates(e.ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 1 || certs[0].Class != domain.CertPersonal || certs[0].PolicyOID != pki.OIDDevPersonal ||
		!certs[0].Current() || string(certs[0].DER) != string(iss.Cert.Raw) {
		t.Errorf("certificates = %+v", certs)
	}
	reqs, _, err := e.s.store.ListRequests(e.ctx, store.RequestFilter{UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0].Status != domain.RequestPending || reqs[0].RoleID != e.demo.UserRoleID ||
		reqs[0].ApproverInstitutionID != other.ID || reqs[0].Justification != "접종 등록 담당" {
		t.Errorf("requests = %+v", reqs)
	}
	if n := e.requestCount(); n != requests0+1 {
		t.Errorf("requests %d, want %d", n, requests0+1)
	}
	ev, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{ActorID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range ev {
		actions = append(actions, a.Action)
		if a.Actor != u.Pseudonym || strings.Contains(a.Detail, "홍길동") || strings.Contains(a.Detail, "hong2026") {
			t.Errorf("audit event %+v: wrong actor or personal data", a)
		}
		if a.Action == "request.create" && !strings.Contains(a.Detail, `"outside_jurisdiction":true`) {
			t.Errorf("request.create detail %s does not record the choice outside the jurisdiction", a.Detail)
		}
	}
	if strings.Join(actions, ",") != "user.signup,request.create" {
		t.Errorf("audit actions %v, want user.signup, request.create", actions)
	}

	// Replaying step 04 after completion: refused, nothing more created.
	res, body = c.postForm("/signup/request", requestForm(e.demo.AutoReportRoleID, centre.ID, false))
	wantStatus(t, "replayed step 04", res, body, http.StatusConflict)
	if !strings.Contains(body, esc(signup.ErrAlreadySubmitted.Message)) {
		t.Error("replayed step 04 does not say the signup is complete")
	}
	if e.userCount() != users0+1 || e.requestCount() != requests0+1 {
		t.Error("replayed step 04 created something")
	}
	// The earlier steps now lead to the completion page.
	res, body = c.getPage("/signup/info")
	wantRedirect(t, "GET /signup/info after completion", res, body, "/signup/complete")
	res, body = c.postForm("/signup/info", infoForm("홍길동", "hong2027", clinic.ID))
	wantStatus(t, "POST /signup/info after completion", res, body, http.StatusConflict)
	e.noUser("hong2027")
}

// TestSignupStepsInOrder: a step whose predecessors are not done changes
// nothing and says so.
func TestSignupStepsInOrder(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	clinic, centre := e.inst(clinicCode), e.inst(centreCode)
	users0, requests0 := e.userCount(), e.requestCount()
	info := infoForm("홍길동", "skipper1", clinic.ID)
	req := requestForm(e.demo.UserRoleID, centre.ID, false)

	t.Run("no draft", func(t *testing.T) {
		c := e.in(t).client()
		for _, tc := range []struct {
			path string
			form url.Values
		}{{"/signup/info", info}, {"/signup/request", req}} {
			res, body := c.postForm(tc.path, tc.form)
			wantStatus(t, "POST "+tc.path, res, body, http.StatusNotFound)
			if !strings.Contains(body, esc(signup.ErrNoDraft.Message)) {
				t.Errorf("POST %s without a draft: no clear message", tc.path)
			}
		}
		for _, p := range []string{"/signup/cert", "/signup/info", "/signup/request"} {
			res, body := c.getPage(p)
			wantRedirect(t, "GET "+p, res, body, "/signup?msg=signup_expired")
		}
		res, body := c.getPage("/signup/complete")
		wantRedirect(t, "GET /signup/complete", res, body, "/signup")
		// Certificate step without consent.
		res, body = c.postJSON("/signup/cert", c.signed(pki.PurposeSignup, issue(t, "홍길동", 0, nil)))
		wantStatus(t, "POST /signup/cert", res, body, http.StatusNotFound)
	})
	t.Run("consent only", func(t *testing.T) {
		c := e.in(t).client()
		c.consent()
		for _, tc := range []struct {
			path string
			form url.Values
		}{{"/signup/info", info}, {"/signup/request", req}} {
			res, body := c.postForm(tc.path, tc.form)
			wantStatus(t, "POST "+tc.path, res, body, http.StatusBadRequest)
			if !strings.Contains(body, esc(signup.ErrStepSkipped.Message)) {
				t.Errorf("POST %s after consent only: no clear message", tc.path)
			}
		}
		res, body := c.getPage("/signup/info")
		wantRedirect(t, "GET /signup/info", res, body, "/signup/cert")
		res, body = c.getPage("/signup/request")
		wantRedirect(t, "GET /signup/request", res, body, "/signup/cert")
	})
	t.Run("certificate only", func(t *testing.T) {
		c := e.in(t).client()
		c.consent()
		c.registerCert(issue(t, "홍길동", 0, nil))
		res, body := c.postForm("/signup/request", req)
		wantStatus(t, "POST /signup/request", res, body, http.StatusBadRequest)
		if !strings.Contains(body, esc(signup.ErrStepSkipped.Message)) {
			t.Error("POST /signup/request after step 02: no clear message")
		}
		res, body = c.getPage("/signup/request")
		wantRedirect(t, "GET /signup/request", res, body, "/signup/info")
	})
	e.noUser("skipper1")
	if e.userCount() != users0 || e.requestCount() != requests0 {
		t.Error("skipped steps created something")
	}
}

// TestSignupCertificateRefused: certificates and signatures that step 02
// must refuse, each with its code, leaving the draft at step 01.
func TestSignupCertificateRefused(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	origin := e.s.Origin()
	good := issue(t, "홍길동", 0, nil)
	c := e.client()
	c.consent()

	tampered := func(c *client) pki.SignedResponse {
		sr := c.signed(pki.PurposeSignup, good)
		sig := []byte(sr.Signature)
		if sig[10] == 'A' {
			sig[10] = 'B'
		} else {
			sig[10] = 'A'
		}
		sr.Signature = string(sig)
		return sr
	}
	for _, tc := range []struct {
		name string
		sr   func(c *client) pki.SignedResponse
		code string
	}{
		{"wrong purpose", func(c *client) pki.SignedResponse { return c.signed(pki.PurposeLogin, good) }, pki.CodeNonceWrongPurpose},
		{"signed for the wrong purpose", func(c *client) pki.SignedResponse {
			return sign(t, good, pki.PurposeLogin, origin, c.challenge(pki.PurposeSignup))
		}, pki.CodeSignatureInvalid},
		{"other origin", func(c *client) pki.SignedResponse {
			return sign(t, good, pki.PurposeSignup, "https://evil.example", c.challenge(pki.PurposeSignup))
		}, pki.CodeSignatureInvalid},
		{"tampered signature", tampered, pki.CodeSignatureInvalid},
		{"unknown nonce", func(c *client) pki.SignedResponse { return sign(t, good, pki.PurposeSignup, origin, "bm9ub25jZQ") }, pki.CodeNonceUnknown},
		{"expired", func(c *client) pki.SignedResponse {
			return c.signed(pki.PurposeSignup, issue(t, "홍길동", 1, expired))
		}, pki.CodeCertExpired},
		{"unknown CA", func(c *client) pki.SignedResponse {
			return c.signed(pki.PurposeSignup, issueUntrusted(t, "홍길동", 1))
		}, pki.CodeCertUntrusted},
		{"other key", func(c *client) pki.SignedResponse {
			sr := c.signed(pki.PurposeSignup, issue(t, "홍길동", 1, nil))
			sr.Certificate = c.signed(pki.PurposeSignup, good).Certificate
			return sr
		}, pki.CodeSignatureInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := c.in(t)
			res, body := c.postJSON("/signup/cert", tc.sr(c))
			wantStatus(t, "POST /signup/cert", res, body, http.StatusUnauthorized)
			if code, msg := jsonError(t, body); code != tc.code || msg == "" {
				t.Errorf("code %q (%q), want %q", code, msg, tc.code)
			}
		})
	}
	// The form variant shows the code on the step-02 page.
	res, body := c.postForm("/signup/cert", form(c.signed(pki.PurposeSignup, issue(t, "홍길동", 1, expired))))
	wantStatus(t, "form POST /signup/cert", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, "("+pki.CodeCertExpired+")") || !strings.Contains(body, `data-cert-purpose="signup"`) {
		t.Error("the step-02 page does not show cert_expired with the certificate button")
	}
	d, err := e.s.signup.Load(e.ctx, c.cookies[signupCookie].Value)
	if err != nil || d.Step != signup.StepConsent || d.Data.CertDER != nil {
		t.Fatalf("after refusals the draft is at step %d with certificate %v (%v), want step 01 and none", d.Step, d.Data.CertDER != nil, err)
	}
	// A used nonce cannot be used again. (A new client: c has used up
	// its address's burst of the login limiter, which step 02 shares.)
	c = e.client()
	c.consent()
	sr := c.signed(pki.PurposeSignup, good)
	res, body = c.postJSON("/signup/cert", sr)
	wantStatus(t, "first use", res, body, http.StatusOK)
	res, body = c.postJSON("/signup/cert", sr)
	wantStatus(t, "replay", res, body, http.StatusUnauthorized)
	if code, _ := jsonError(t, body); code != pki.CodeNonceReplayed {
		t.Errorf("replay code %q, want %q", code, pki.CodeNonceReplayed)
	}
}

// TestSignupRevokedCertificate: with a CRL configured, a revoked
// certificate is refused at step 02.
func TestSignupRevokedCertificate(t *testing.T) {
	t.Parallel()
	revoked := issue(t, "홍길동", 2, func(o *pki.IssueOptions) { o.Revoked = true })
	e := newSeededEnv(t, crlVerifier(t))
	c := e.client()
	c.consent()
	res, body := c.postJSON("/signup/cert", c.signed(pki.PurposeSignup, revoked))
	wantStatus(t, "revoked", res, body, http.StatusUnauthorized)
	if code, _ := jsonError(t, body); code != pki.CodeCertRevoked {
		t.Errorf("code %q, want %q", code, pki.CodeCertRevoked)
	}
	c.registerCert(issue(t, "홍길동", 0, nil)) // a good one still passes the CRL check
}

// TestSignupInstitutionCertificate: an institution certificate may sign up
// only for roles that do not need a personal certificate.
func TestSignupInstitutionCertificate(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	centre := e.inst(centreCode)
	iss := issue(t, "행복내과의원", 3, func(o *pki.IssueOptions) { o.Class = domain.CertInstitution })
	c := e.client()
	c.consent()
	c.registerCert(iss)
	// The entered name must match the certificate's: here the institution's.
	c.saveInfo(infoForm("행복내과의원", "happyclinic", e.inst(clinicCode).ID))
	res, body := c.getPage("/signup/request")
	wantStatus(t, "GET /signup/request", res, body, http.StatusOK)
	roles := offeredRoles(body)
	if blocked, ok := roles[e.demo.UserRoleID]; !ok || !blocked {
		t.Errorf("User(의료기관) offered=%v blocked=%v, want offered and blocked", ok, blocked)
	}
	if blocked, ok := roles[e.demo.AutoReportRoleID]; !ok || blocked {
		t.Errorf("자동보고 offered=%v blocked=%v, want offered and open", ok, blocked)
	}
	if !strings.Contains(body, "개인 공동인증서로 가입") {
		t.Error("the blocked role does not say why")
	}
	if m := selectedRe.FindStringSubmatch(body); m == nil || m[1] != strconv.FormatInt(centre.ID, 10) {
		t.Errorf("preselected approver %v, want %d", m, centre.ID)
	}
	users0 := e.userCount()
	res, body = c.postForm("/signup/request", requestForm(e.demo.UserRoleID, centre.ID, false))
	wantStatus(t, "User(의료기관) with an institution certificate", res, body, http.StatusForbidden)
	if !strings.Contains(body, esc(access.ErrNeedsPersonalCert.Message)) {
		t.Error("no message that the role needs a personal certificate")
	}
	e.noUser("happyclinic")
	if e.userCount() != users0 || e.certRegistered(iss) {
		t.Fatal("a refused request created something")
	}
	res, body = c.postForm("/signup/request", requestForm(e.demo.AutoReportRoleID, centre.ID, false))
	wantRedirect(t, "자동보고 with an institution certificate", res, body, "/signup/complete")
	u, err := e.s.store.GetUserByLoginID(e.ctx, "happyclinic")
	if err != nil {
		t.Fatal(err)
	}
	certs, _ := e.s.store.ListCertificates(e.ctx, u.ID)
	if len(certs) != 1 || certs[0].Class != domain.CertInstitution {
		t.Errorf("certificates %+v, want one institution certificate", certs)
	}
	reqs, _, _ := e.s.store.ListRequests(e.ctx, store.RequestFilter{UserID: u.ID})
	if len(reqs) != 1 || reqs[0].RoleID != e.demo.AutoReportRoleID || reqs[0].ApproverInstitutionID != centre.ID {
		t.Errorf("requests %+v, want one for 자동보고 to %s", reqs, centre.Name)
	}
}

// TestSignupCertificateTaken: a certificate registered to an account
// cannot start another signup.
func TestSignupCertificateTaken(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	iss := issue(t, "홍길동", 0, nil)
	a := e.client()
	a.toStep4(iss, "firstuser")
	res, body := a.postForm("/signup/request", requestForm(e.demo.UserRoleID, e.inst(centreCode).ID, false))
	wantRedirect(t, "first signup", res, body, "/signup/complete")

	b := e.client()
	b.consent()
	res, body = b.postJSON("/signup/cert", b.signed(pki.PurposeSignup, iss))
	wantStatus(t, "second signup, JSON", res, body, http.StatusConflict)
	// The signer holds the certificate's key: it is their account.
	haveAccount := translate("ko", "signup.have_account")
	if code, msg := jsonError(t, body); code != domain.ECONFLICT || msg != haveAccount {
		t.Errorf("error %q %q, want %q %q", code, msg, domain.ECONFLICT, haveAccount)
	}
	res, body = b.postForm("/signup/cert", form(b.signed(pki.PurposeSignup, iss)))
	wantStatus(t, "second signup, form", res, body, http.StatusConflict)
	if !strings.Contains(body, esc(haveAccount)) {
		t.Error("the step-02 page does not say the account exists")
	}
	// [공동인증서 로그인] on the page, and no bare "(conflict)" code.
	if !strings.Contains(body, `action="/login"`) || !strings.Contains(body, `data-cert-purpose="login"`) {
		t.Error("the step-02 page does not offer [공동인증서 로그인]")
	}
	if strings.Contains(body, "(conflict)") {
		t.Error("the step-02 page shows the code (conflict)")
	}
}

// TestSignupTamperedRequest: hidden fields changed by hand are refused
// and create nothing.
func TestSignupTamperedRequest(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	centre := e.inst(centreCode)
	c := e.client()
	c.toStep4(issue(t, "홍길동", 0, nil), "tamperer")
	users0, requests0 := e.userCount(), e.requestCount()
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		msg    string
	}{
		{"role of health centres", requestForm(e.demo.ApproverRoleID, centre.ID, true), http.StatusForbidden, access.ErrNotRequestable.Message},
		{"seeded-only role", requestForm(e.demo.NationalAdminRoleID, e.demo.NationalID, true), http.StatusForbidden, access.ErrNotRequestable.Message},
		{"unknown role", requestForm(999999, centre.ID, true), http.StatusNotFound, "신청할 권한을 찾을 수 없습니다"},
		{"province as approver", requestForm(e.demo.UserRoleID, e.inst("PR-11").ID, true), http.StatusBadRequest, access.ErrWrongApproverKind.Message},
		{"clinic as approver", requestForm(e.demo.UserRoleID, e.inst(clinicCode).ID, true), http.StatusBadRequest, access.ErrWrongApproverKind.Message},
		{"unknown approver", requestForm(e.demo.UserRoleID, 999999, true), http.StatusBadRequest, "승인기관을 선택하세요."},
		{"justification too long", func() url.Values {
			f := requestForm(e.demo.UserRoleID, centre.ID, false)
			f.Set("justification", strings.Repeat("가", access.MaxJustification+1))
			return f
		}(), http.StatusBadRequest, "신청 사유는"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := c.postForm("/signup/request", tc.form)
			wantStatus(t, "POST /signup/request", res, body, tc.status)
			if !strings.Contains(body, esc(tc.msg)) {
				t.Errorf("page lacks %q", tc.msg)
			}
			if !strings.Contains(body, `name="role_id"`) {
				t.Error("the refusal does not show step 04 again")
			}
		})
	}
	// Without the CSRF token: 403.
	f := requestForm(e.demo.UserRoleID, centre.ID, false)
	res, body := c.send("POST", "/signup/request", strings.NewReader(f.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	wantStatus(t, "no CSRF token", res, body, http.StatusForbidden)
	f.Set(csrfField, "forged")
	res, body = c.send("POST", "/signup/request", strings.NewReader(f.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	wantStatus(t, "wrong CSRF token", res, body, http.StatusForbidden)
	res, body = c.send("POST", "/signup/consent", strings.NewReader("agree=yes&consent_version=1"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	wantStatus(t, "consent without CSRF token", res, body, http.StatusForbidden)

	e.noUser("tamperer")
	if e.userCount() != users0 || e.requestCount() != requests0 {
		t.Fatal("tampered requests created something")
	}
	// The draft still works.
	res, body = c.postForm("/signup/request", requestForm(e.demo.UserRoleID, centre.ID, false))
	wantRedirect(t, "honest request", res, body, "/signup/complete")
}

// TestSignupRace: two signups that reach step 04 with the same user ID,
// or the same certificate, and submit at once. Exactly one account is
// made; the other gets the clear message and leaves nothing behind.
func TestSignupRace(t *testing.T) {
	t.Parallel()
	signupRace(t, func(t testing.TB) store.Store { return testStore(t) })
}

func signupRace(t *testing.T, open func(testing.TB) store.Store) {
	for _, tc := range []struct {
		name       string
		keyA, keyB int
		idA, idB   string
		msg        string
	}{
		{name: "same user ID", keyA: 0, keyB: 1, idA: "racer", idB: "racer", msg: signup.ErrLoginIDTaken.Message},
		{name: "same certificate", keyA: 2, keyB: 2, idA: "racera", idB: "racerb", msg: signup.ErrCertTaken.Message},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSeededEnvOn(t, nil, open(t))
			centre := e.inst(centreCode)
			users0, requests0 := e.userCount(), e.requestCount()
			issA, issB := issue(t, "홍길동", tc.keyA, nil), issue(t, "홍길동", tc.keyB, nil)
			a, b := e.client(), e.client()
			a.toStep4(issA, tc.idA)
			b.toStep4(issB, tc.idB)

			type answer struct {
				res  *http.Response
				body string
			}
			var answers [2]answer
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, c := range []*client{a, b} {
				wg.Go(func() {
					<-start
					res, body := c.postForm("/signup/request", requestForm(e.demo.UserRoleID, centre.ID, false))
					answers[i] = answer{res, body}
				})
			}
			close(start)
			wg.Wait()

			won, lost := -1, -1
			for i, an := range answers {
				switch an.res.StatusCode {
				case http.StatusSeeOther:
					won = i
				case http.StatusConflict:
					lost = i
					if !strings.Contains(an.body, esc(tc.msg)) {
						t.Errorf("the loser's page lacks %q", tc.msg)
					}
				default:
					t.Errorf("signup %d: status %d:\n%s", i, an.res.StatusCode, an.body)
				}
			}
			if won < 0 || lost < 0 {
				t.Fatalf("want one winner and one loser, got statuses %d and %d", answers[0].res.StatusCode, answers[1].res.StatusCode)
			}
			if n := e.userCount(); n != users0+1 {
				t.Errorf("users %d, want %d", n, users0+1)
			}
			if n := e.requestCount(); n != requests0+1 {
				t.Errorf("requests %d, want %d (no orphan request)", n, requests0+1)
			}
			winID := []string{tc.idA, tc.idB}[won]
			u, err := e.s.store.GetUserByLoginID(e.ctx, winID)
			if err != nil {
				t.Fatal(err)
			}
			certs, _ := e.s.store.ListCertificates(e.ctx, u.ID)
			winIss := []*pki.Issued{issA, issB}[won]
			if len(certs) != 1 || string(certs[0].DER) != string(winIss.Cert.Raw) {
				t.Errorf("the winner's certificates: %d, want its own one", len(certs))
			}
			if loseIss := []*pki.Issued{issA, issB}[lost]; tc.keyA != tc.keyB && e.certRegistered(loseIss) {
				t.Error("the loser's certificate was registered (orphan)")
			}
			if tc.idA != tc.idB {
				e.noUser([]string{tc.idA, tc.idB}[lost])
			}
			if n := e.auditCount("user.signup"); n != 1 {
				t.Errorf("user.signup events %d, want 1", n)
			}
			// The loser's draft is still at step 03: it can fix and retry.
			loser := []*client{a, b}[lost]
			res, body := loser.getPage("/signup/request")
			wantStatus(t, "the loser's step 04", res, body, http.StatusOK)
		})
	}
}

// TestSignupCertificateRetry: a refused certificate after an accepted one
// keeps the accepted one; the step-02 page still shows it and the way on.
func TestSignupCertificateRetry(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	good := issue(t, "홍길동", 0, nil)
	c := e.client()
	c.consent()
	c.registerCert(good)
	res, body := c.postForm("/signup/cert", form(c.signed(pki.PurposeSignup, issue(t, "홍길동", 1, expired))))
	wantStatus(t, "expired after a good one", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, esc(good.Cert.Subject.CommonName)) || !strings.Contains(body, `href="/signup/info"`) {
		t.Error("the refusal page forgets the certificate registered before")
	}
	c.saveInfo(infoForm("홍길동", "retrier", e.inst(clinicCode).ID))
}

// TestSignupHealthCentreStaff: staff of a health centre may request the
// approver role, approved by their province.
func TestSignupHealthCentreStaff(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	centre, seoul := e.inst(centreCode), e.inst("PR-11")
	c := e.client()
	c.consent()
	c.registerCert(issue(t, "홍길동", 0, nil))
	c.saveInfo(infoForm("홍길동", "hcstaff", centre.ID))
	res, body := c.getPage("/signup/request")
	wantStatus(t, "GET /signup/request", res, body, http.StatusOK)
	if roles := offeredRoles(body); fmt.Sprint(roles) != fmt.Sprint(map[int64]bool{e.demo.ApproverRoleID: false}) {
		t.Errorf("offered roles %v, want only the health-centre approver role %d", roles, e.demo.ApproverRoleID)
	}
	if m := selectedRe.FindStringSubmatch(body); m == nil || m[1] != strconv.FormatInt(seoul.ID, 10) {
		t.Errorf("preselected approver %v, want %s (%d)", m, seoul.Name, seoul.ID)
	}
	res, body = c.postForm("/signup/request", requestForm(e.demo.ApproverRoleID, seoul.ID, false))
	wantRedirect(t, "POST /signup/request", res, body, "/signup/complete")
	_, body = c.getPage("/signup/complete")
	if !strings.Contains(body, seoul.Name) {
		t.Errorf("step 05 does not name %s", seoul.Name)
	}
}

// TestSignupDoubleSubmit: the [권한 신청] button clicked twice sends the
// same draft twice at once. One account is made, and the second answer
// says the signup is complete, not that the user ID is taken.
func TestSignupDoubleSubmit(t *testing.T) {
	t.Parallel()
	signupDoubleSubmit(t, func(t testing.TB) store.Store { return testStore(t) })
}

// TestSignupPostgres runs the concurrent signups on PostgreSQL, whose
// transactions interleave where SQLite's take turns.
func TestSignupPostgres(t *testing.T) {
	t.Parallel()
	t.Run("race", func(t *testing.T) { signupRace(t, pgStore) })
	t.Run("double submit", func(t *testing.T) { signupDoubleSubmit(t, pgStore) })
}

func signupDoubleSubmit(t *testing.T, open func(testing.TB) store.Store) {
	st := &draftBarrier{Store: open(t)}
	e := newSeededEnvOn(t, nil, st)
	users0 := e.userCount()
	a := e.client()
	a.toStep4(issue(t, "홍길동", 0, nil), "doubleclick")
	b := e.client() // the same browser's second request
	for k, v := range a.cookies {
		b.cookies[k] = v
	}
	b.token = a.token

	st.arm(2)
	var answers [2]struct {
		status int
		body   string
	}
	var wg sync.WaitGroup
	for i, c := range []*client{a, b} {
		wg.Go(func() {
			res, body := c.postForm("/signup/request", requestForm(e.demo.UserRoleID, e.inst(centreCode).ID, false))
			answers[i].status, answers[i].body = res.StatusCode, body
		})
	}
	wg.Wait()
	statuses := []int{answers[0].status, answers[1].status}
	if !(statuses[0] == http.StatusSeeOther && statuses[1] == http.StatusConflict) &&
		!(statuses[1] == http.StatusSeeOther && statuses[0] == http.StatusConflict) {
		t.Fatalf("statuses %v, want one 303 and one 409", statuses)
	}
	for _, an := range answers {
		if an.status == http.StatusConflict && !strings.Contains(an.body, esc(signup.ErrAlreadySubmitted.Message)) {
			t.Errorf("the second answer says %q, want %q", stepErrorRe.FindString(an.body), signup.ErrAlreadySubmitted.Message)
		}
	}
	if n := e.userCount(); n != users0+1 {
		t.Errorf("users %d, want %d", n, users0+1)
	}
}

// TestSignupDraftLifetime: a draft left longer than signup.DraftTTL is gone,
// and a consent text changed during the signup must be agreed to again.
func TestSignupDraftLifetime(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	centre := e.inst(centreCode)
	users0 := e.userCount()

	c := e.client()
	c.toStep4(issue(t, "홍길동", 0, nil), "slowuser")
	e.clock.Advance(signup.DraftTTL + time.Minute)
	res, body := c.postForm("/signup/request", requestForm(e.demo.UserRoleID, centre.ID, false))
	wantStatus(t, "expired draft", res, body, http.StatusNotFound)
	if !strings.Contains(body, esc(signup.ErrNoDraft.Message)) {
		t.Error("an expired draft is not explained")
	}
	res, body = c.getPage("/signup/request")
	wantRedirect(t, "GET step 04 of an expired draft", res, body, "/signup?msg=signup_expired")
	e.noUser("slowuser")

	c = e.client()
	c.toStep4(issue(t, "홍길동", 1, nil), "consentuser")
	v2 := domain.ConsentVersion{Text: "개인정보 수집(이용) 동의 v2", CreatedAt: e.clock.Now()}
	if err := e.s.store.AddConsentVersion(e.ctx, &v2); err != nil {
		t.Fatal(err)
	}
	res, body = c.postForm("/signup/request", requestForm(e.demo.UserRoleID, centre.ID, false))
	wantStatus(t, "outdated consent", res, body, http.StatusConflict)
	if !strings.Contains(body, esc(signup.ErrConsentOutdated.Message)) {
		t.Error("an outdated consent is not explained")
	}
	if e.userCount() != users0 {
		t.Fatal("an outdated consent created an account")
	}
	// Agreeing to the new text keeps the steps done.
	res, body = c.postForm("/signup/consent", url.Values{"consent_version": {strconv.Itoa(v2.Version)}, "agree": {"yes"}})
	wantRedirect(t, "new consent", res, body, "/signup/cert")
	res, body = c.postForm("/signup/request", requestForm(e.demo.UserRoleID, centre.ID, false))
	wantRedirect(t, "request after the new consent", res, body, "/signup/complete")
	u, err := e.s.store.GetUserByLoginID(e.ctx, "consentuser")
	if err != nil || u.ConsentVersion != v2.Version {
		t.Errorf("user consent version %d (%v), want %d", u.ConsentVersion, err, v2.Version)
	}
}
