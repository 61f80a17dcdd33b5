package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// offSite are redirect targets that leave the site in a browser.
var offSite = []string{"//evil.example/", "/%09/evil.example", "/\t/evil.example", "/\\evil.example",
	"https://evil.example/", "/%2F/evil.example", "/%5Cevil.example"}

// TestLanguageRedirectStaysOnSite: GET //evil.example/?lang=en answered
// 303 Location //evil.example/ (the language middleware redirected to the
// request's own URI); it goes home now, and a normal path keeps its query.
func TestLanguageRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	b := e.browser()
	for _, path := range []string{"//evil.example/?lang=en", "//evil.example/x?lang=ko&a=1", "/%2F/evil.example/?lang=en", "/%5Cevil.example?lang=en"} {
		res := b.do(newRequest("GET", path))
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("GET %s: %d Location %q, want 303 to /", path, res.StatusCode, loc)
		}
	}
	res := b.do(newRequest("GET", "/notices?q=%EC%A0%90%EA%B2%80&lang=en"))
	if loc := res.Header.Get("Location"); loc != "/notices?q=%EC%A0%90%EA%B2%80" {
		t.Errorf("GET /notices?q=…&lang=en: Location %q", loc)
	}
}

// newRequest is a request for a raw request URI, as a client sends it.
func newRequest(method, uri string) *http.Request {
	r, err := http.NewRequest(method, "http://127.0.0.1:8080/", nil)
	if err != nil {
		panic(err)
	}
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		panic(err)
	}
	r.URL, r.RequestURI, r.RemoteAddr = u, uri, "192.0.2.1:1"
	return r
}

// TestConsentNextStaysOnSite: /account/consent?next=/%09/evil.example
// redirected to "/\t/evil.example", which browsers follow to
// evil.example. Every off-site next goes to /menu, on GET and POST.
func TestConsentNextStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	approver, pid := e.demoAccount("approver11110")
	pc := e.signedIn(approver, pid)
	for _, next := range offSite {
		res, body := pc.getPage("/account/consent?next=" + url.QueryEscape(next))
		wantRedirect(t, "GET consent, nothing to agree, next "+next, res, body, "/menu")
	}
	res, body := pc.getPage("/account/consent?next=/%09/evil.example")
	wantRedirect(t, "the review's URL", res, body, "/menu")

	admin, aid := e.demoAccount("admin")
	ac := e.signedIn(admin, aid)
	for _, next := range offSite {
		// A new version each time, for the approver to agree to.
		res, body = ac.postForm("/admin/consent", url.Values{"text": {"개인정보 수집(이용) 동의서, " + next}})
		wantStatus(t, "add version", res, body, http.StatusSeeOther)
		latest, err := e.s.store.LatestConsentVersion(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		v := strconv.Itoa(latest.Version)
		ac.postForm("/account/consent", url.Values{"version": {v}, "agree": {"1"}})
		res, body = pc.postForm("/account/consent", url.Values{"version": {v}, "agree": {"1"}, "next": {next}})
		wantRedirect(t, "agree with next "+next, res, body, "/menu?msg=consent_recorded")
	}
}

// TestConfirmNextStaysOnSite: the step-up confirmation's next, from its
// form or the Referer, never leaves the site.
func TestConfirmNextStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	own := issue(t, "홍길동", 0, nil)
	e.registerUser("hongnext", domain.UserActive, e.inst(clinicCode).ID, own)
	c := e.client()
	c.login(own)
	for _, next := range offSite {
		f := form(c.signed(pki.PurposeConfirm, own))
		f.Set("next", next)
		res, body := c.postForm("/auth/confirm", f)
		wantRedirect(t, "confirm with next "+next, res, body, "/menu")
	}
}
