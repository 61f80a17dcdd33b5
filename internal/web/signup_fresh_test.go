package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/firstrun"
)

// TestSignupFreshDatabase: on a database without any consent text /signup
// answers 503 with "가입 준비 중" (never 500); once the start-up step that
// `gwanmun migrate` and `gwanmun serve` run has added the default text, a
// newcomer sees the manual's text and gets past step 01.
func TestSignupFreshDatabase(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	b := e.browser()
	token := b.csrf()

	res, body := b.get("/signup")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "가입 준비 중: 관리자가 동의 문구를 등록해야 합니다") {
		t.Fatalf("GET /signup on a fresh database = %d, want 503 with the 가입 준비 중 text:\n%s", res.StatusCode, body)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	postConsent := func(version string) (*http.Response, string) {
		form := url.Values{csrfField: {token}, "consent_version": {version}, "agree": {"yes"}}
		r := httptest.NewRequest("POST", "/signup/consent", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res := b.do(r)
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	if res, body := postConsent("1"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /signup/consent on a fresh database = %d, want 503:\n%s", res.StatusCode, body)
	}
	// English too.
	b.get("/signup?lang=en")
	if res, body := b.get("/signup"); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "an administrator must add the consent text") {
		t.Errorf("English GET /signup = %d:\n%s", res.StatusCode, body)
	}
	b.get("/signup?lang=ko")

	c, added, err := firstrun.EnsureConsent(context.Background(), e.s.store, e.clock.Now())
	if err != nil || !added || c.Version != 1 {
		t.Fatalf("EnsureConsent = %+v, %v, %v", c, added, err)
	}
	res, body = b.get("/signup")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /signup after the default consent = %d:\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"사용자 확인 및 중복 가입 방지", `name="consent_version" value="1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /signup lacks %q", want)
		}
	}
	res, _ = postConsent("1")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signup/cert" {
		t.Errorf("POST /signup/consent = %d → %q, want 303 → /signup/cert", res.StatusCode, res.Header.Get("Location"))
	}
}
