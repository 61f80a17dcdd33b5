package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// TestCertRefusalAdvice: a refused certificate's message names its date
// and gives the advice of where it happened: at signup a new certificate
// and a new signup, at login 인증서 재등록 (issue 17, items 2 and 4).
func TestCertRefusalAdvice(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	old := issue(t, "홍길동", 0, expired)
	day := old.Cert.NotAfter.In(kst).Format("2006-01-02")

	// Login: the date, renew, then 인증서 재등록.
	c := e.client()
	res, body := c.postForm("/login", form(c.signed(pki.PurposeLogin, old)))
	wantStatus(t, "login, expired", res, body, http.StatusUnauthorized)
	for _, want := range []string{day + "에 만료되었습니다", "갱신", "[인증서 재등록]"} {
		if !strings.Contains(body, esc(want)) {
			t.Errorf("login with an expired certificate: the page lacks %q", want)
		}
	}
	// Signup: the date, renew, sign up with the new one; no 재등록.
	s := e.client()
	s.consent()
	res, body = s.postForm("/signup/cert", form(s.signed(pki.PurposeSignup, old)))
	wantStatus(t, "signup, expired", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, esc(day+"에 만료되었습니다")) || !strings.Contains(body, "새 인증서로 가입하세요") {
		t.Errorf("signup with an expired certificate: no date or signup advice")
	}
	if strings.Contains(body, "재등록") {
		t.Error("signup with an expired certificate advises 인증서 재등록, which is for existing accounts")
	}
	// English.
	en := e.client()
	en.getPage("/?lang=en")
	res, body = en.postForm("/login", form(en.signed(pki.PurposeLogin, old)))
	wantStatus(t, "login, expired, English", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, "The certificate expired on "+day) {
		t.Error("the English refusal lacks the date")
	}

	// Not yet valid: the day it starts.
	future := issue(t, "홍길동", 1, func(o *pki.IssueOptions) {
		o.NotBefore = time.Now().AddDate(0, 0, 10).UTC().Truncate(time.Second)
		o.NotAfter = time.Now().AddDate(1, 0, 0).UTC().Truncate(time.Second)
	})
	n := e.client()
	res, body = n.postForm("/login", form(n.signed(pki.PurposeLogin, future)))
	wantStatus(t, "login, not yet valid", res, body, http.StatusUnauthorized)
	if from := future.Cert.NotBefore.In(kst).Format("2006-01-02"); !strings.Contains(body, esc(from+"부터입니다(유효기간 전)")) {
		t.Errorf("login with a not-yet-valid certificate: the page lacks its start date %s", from)
	}
}

// TestRevokedAdviceBySignupOrLogin: a revoked certificate at signup is
// told to get a new certificate and sign up, not to re-register.
func TestRevokedAdviceBySignupOrLogin(t *testing.T) {
	t.Parallel()
	revoked := issue(t, "홍길동", 4, func(o *pki.IssueOptions) { o.Revoked = true })
	e := newSeededEnv(t, crlVerifier(t))
	s := e.client()
	s.consent()
	res, body := s.postForm("/signup/cert", form(s.signed(pki.PurposeSignup, revoked)))
	wantStatus(t, "signup, revoked", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, esc(translate("ko", "certmsg.cert_revoked.signup"))) || strings.Contains(body, "재등록") {
		t.Errorf("signup with a revoked certificate: want the signup advice without 인증서 재등록")
	}
	c := e.client()
	res, body = c.postForm("/login", form(c.signed(pki.PurposeLogin, revoked)))
	wantStatus(t, "login, revoked", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, esc(translate("ko", "certmsg.cert_revoked.login"))) {
		t.Errorf("login with a revoked certificate: want the login advice")
	}
}

// TestLoginInstitutionCertNotRegistered: an unregistered institution
// certificate is told that it is one, that signup needs a personal
// certificate, and is offered [사용자 가입] and [공동인증서 로그인].
func TestLoginInstitutionCertNotRegistered(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	inst := issue(t, e.inst(clinicCode).Name, 2, func(o *pki.IssueOptions) { o.Class = domain.CertInstitution })
	c := e.client()
	res, body := c.postForm("/login", form(c.signed(pki.PurposeLogin, inst)))
	wantStatus(t, "login, institution certificate", res, body, http.StatusUnauthorized)
	msg := (&auth.LoginError{Code: auth.CodeInstitutionNotRegistered}).Message("ko")
	if !strings.Contains(body, esc(msg)) || !strings.Contains(msg, "법인(기관) 인증서") || !strings.Contains(msg, "개인 공동인증서") {
		t.Errorf("the page does not explain the institution certificate: %q", msg)
	}
	for _, want := range []string{`href="/signup"`, `data-cert-purpose="login"`, `id="gm-cert-dialog"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal page lacks %s", want)
		}
	}
	if strings.Contains(body, `href="/account/cert/reregister"`) {
		t.Error("an institution certificate is offered 인증서 재등록")
	}
	// A personal certificate unregistered: the old advice stays.
	p := e.client()
	res, body = p.postJSON("/login", p.signed(pki.PurposeLogin, issue(t, "홍길동", 3, nil)))
	if code, _ := jsonError(t, body); res.StatusCode != http.StatusUnauthorized || code != auth.CodeNotRegistered {
		t.Errorf("unregistered personal certificate: %d %q", res.StatusCode, code)
	}
}
