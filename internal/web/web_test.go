package web

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func TestSecurityHeaders(t *testing.T) {
	e := newTestEnv(t, nil)
	for _, path := range []string{"/", "/no-such-page", "/healthz"} {
		res, _ := e.browser().get(path)
		want := map[string]string{
			"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", path)
		}
	}
}

func TestNoInlineScriptOrStyle(t *testing.T) {
	e := newTestEnv(t, nil)
	b := e.browser()
	for _, login := range []bool{false, true} {
		if login {
			b.login()
		}
		_, body := b.get("/")
		for _, bad := range []string{"<style", " style=", "onclick=", "onload=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("page (login=%v) contains %q, which the CSP blocks", login, bad)
			}
		}
		for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
			if !strings.Contains(m, `src="/static/`) {
				t.Errorf("inline script: %s", m)
			}
		}
	}
}

func TestHomePage(t *testing.T) {
	e := newTestEnv(t, nil)
	res, body := e.browser().get("/")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{
		`<html lang="ko">`, "gwanmun 데모 포털", "데모 / DEMO — 공식 사이트가 아닙니다",
		`href="/signup"`, ">사용자 가입<", ">공동인증서 로그인<", `data-cert-dialog data-cert-purpose="login"`, `id="gm-cert-dialog"`,
		"공지사항", "시험 공지", "02-0000-0000", "help@example.org", `href="#content"`, `id="content"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	// It must never present itself as an official government site.
	for _, bad := range []string{"공식 전자정부 누리집입니다", "공식 누리집입니다", "official government website.</", "krds-identifier"} {
		if strings.Contains(body, bad) {
			t.Errorf("home page contains %q", bad)
		}
	}
	if strings.Contains(body, "로그아웃") {
		t.Error("anonymous home page shows 로그아웃")
	}

	e2 := newTestEnv(t, func(c *Config) { c.Demo = false })
	if _, body := e2.browser().get("/"); strings.Contains(body, "gw-demo-banner") {
		t.Error("demo banner shown with Demo=false")
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newTestEnv(t, nil)
	b := e.browser()
	res, _ := b.get("/?lang=en")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("?lang=en: %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
	_, body := b.get("/")
	for _, want := range []string{`<html lang="en">`, "Sign up", "Certificate login", "this is not an official government site"} {
		if !strings.Contains(body, want) {
			t.Errorf("English home lacks %q", want)
		}
	}
	b.get("/?lang=ko")
	if _, body := b.get("/"); !strings.Contains(body, `<html lang="ko">`) {
		t.Error("?lang=ko did not switch back")
	}
}

func TestCatalogueComplete(t *testing.T) {
	for k, m := range messages {
		if m.ko == "" || m.en == "" {
			t.Errorf("message %q lacks a language", k)
		}
	}
	for k := range messageKeys {
		if _, ok := messages["msg."+k]; !ok {
			t.Errorf("message key %q has no msg.%s text", k, k)
		}
	}
	for _, code := range []string{domain.EINVALID, domain.ENOTFOUND, domain.ECONFLICT, domain.EFORBIDDEN, domain.EUNAUTH, domain.EINTERNAL, "csrf", "rate_limited"} {
		for _, part := range []string{"title", "message"} {
			if _, ok := messages["error."+code+"."+part]; !ok {
				t.Errorf("no error.%s.%s", code, part)
			}
		}
	}
	// Every {{t "key"}} in the templates exists.
	re := regexp.MustCompile(`\{\{-?\s*t "([^"]+)"`)
	files, _ := os.ReadDir("templates/pages")
	paths := []string{"templates/layout.html"}
	for _, f := range files {
		paths = append(paths, "templates/pages/"+f.Name())
	}
	parts, _ := os.ReadDir("templates/partials")
	for _, f := range parts {
		paths = append(paths, "templates/partials/"+f.Name())
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s uses unknown message %q", p, m[1])
			}
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newTestEnv(t, nil)
	b := e.browser()
	token := b.csrf()

	res, body := b.post("/logout", "")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "보안 토큰이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도하세요.") {
		t.Errorf("no token: %d, want 403 with the Korean message", res.StatusCode)
	}
	if res, _ := b.post("/logout", token+"x"); res.StatusCode != http.StatusForbidden {
		t.Errorf("wrong token: %d, want 403", res.StatusCode)
	}
	// Another visitor's token does not work in this browser.
	other := e.browser().csrf()
	if res, _ := b.post("/logout", other); res.StatusCode != http.StatusForbidden {
		t.Errorf("other browser's token: %d, want 403", res.StatusCode)
	}
	// A forged cookie without the key's signature does not help.
	forged := e.browser()
	forged.cookies[csrfCookie] = &http.Cookie{Name: csrfCookie, Value: strings.Repeat("A", 43)}
	if res, _ := forged.post("/logout", strings.Repeat("A", 43)); res.StatusCode != http.StatusForbidden {
		t.Errorf("cookie value as token: %d, want 403", res.StatusCode)
	}
	if res, _ := b.post("/logout", token); res.StatusCode != http.StatusSeeOther {
		t.Errorf("right token: %d, want 303", res.StatusCode)
	}

	// Logged in: the session's token, by header, and not the anonymous one.
	b2 := e.browser()
	anon := b2.csrf()
	b2.login()
	sessTok := b2.csrf()
	if sessTok == anon {
		t.Fatal("logged-in token equals the anonymous one")
	}
	req := func(tok string) int {
		r := httptest.NewRequest("POST", "/session/extend", nil)
		r.Header.Set("Accept", "application/json")
		r.Header.Set(csrfHeader, tok)
		return b2.do(r).StatusCode
	}
	if got := req(anon); got != http.StatusForbidden {
		t.Errorf("anonymous token while logged in: %d, want 403", got)
	}
	if got := req(sessTok); got != http.StatusOK {
		t.Errorf("session token: %d, want 200", got)
	}
}

func TestSessionRotationAndLogout(t *testing.T) {
	e := newTestEnv(t, nil)
	b := e.browser()
	b.login()
	old := b.cookies[sessionCookie].Value
	oldID := e.s.sessionKey(e.t, old)
	if _, err := e.s.store.GetSession(context.Background(), oldID); err != nil {
		t.Fatalf("first session not stored: %v", err)
	}
	if oldID == old {
		t.Fatal("the store key is the cookie token itself")
	}
	b.login()
	cur := b.cookies[sessionCookie].Value
	if cur == old {
		t.Fatal("login kept the session token")
	}
	if _, err := e.s.store.GetSession(context.Background(), oldID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old session after re-login: %v, want ErrNotFound", err)
	}
	// The old token is worthless.
	stale := e.browser()
	stale.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: old}
	if _, body := stale.get("/"); strings.Contains(body, "홍길동") {
		t.Error("old session token still logs in")
	}
	res, body := b.get("/")
	if !strings.Contains(body, "홍길동") || !strings.Contains(body, "권한/부가정보") || !strings.Contains(body, "메뉴보기") || !strings.Contains(body, "로그아웃") {
		t.Errorf("logged-in home lacks the user or the menu (status %d)", res.StatusCode)
	}
	// Logout ends the session in the store and clears the cookie.
	res, _ = b.post("/logout", b.csrf())
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if _, ok := b.cookies[sessionCookie]; ok {
		t.Error("logout left the session cookie")
	}
	if _, err := e.s.store.GetSession(context.Background(), e.s.sessionKey(e.t, cur)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after logout: %v, want ErrNotFound", err)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	for _, tc := range []struct {
		base   string
		secure bool
	}{{"http://127.0.0.1:8080", false}, {"https://portal.example.org", true}} {
		e := newTestEnv(t, func(c *Config) { c.BaseURL = tc.base })
		w := httptest.NewRecorder()
		if err := e.s.login(w, httptest.NewRequest("POST", "/login", nil), newTestUser(t, e.s.store), 0); err != nil {
			t.Fatal(err)
		}
		c := w.Result().Cookies()[0]
		name := sessionCookie
		if tc.secure {
			name = hostSessionCookie // Secure, Path=/, no Domain: the __Host- rules
		}
		if c.Name != name || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || len(c.Value) < 40 ||
			c.Path != "/" || c.Domain != "" {
			t.Errorf("%s: cookie %+v", tc.base, c)
		}
		// The token is opaque: it does not lead with the login time.
		if ms := fmt.Sprintf("%012x", e.clock.Now().UnixMilli()); strings.Contains(c.Value, ms) || strings.Contains(c.Value, ".") {
			t.Errorf("%s: the token %q shows the login time %s", tc.base, c.Value, ms)
		}
		// The server finds the session by the cookie's own name only: on
		// https a cookie without the prefix (which any sibling host could
		// set) is no session, and is cleared.
		b := e.browser()
		b.cookies[name] = &http.Cookie{Name: name, Value: c.Value}
		if res, _ := b.get("/account/roles"); res.StatusCode != http.StatusOK {
			t.Errorf("%s: the session cookie is not a session: %d", tc.base, res.StatusCode)
		}
		if tc.secure {
			b := e.browser()
			b.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: c.Value}
			res, _ := b.get("/account/roles")
			if res.StatusCode != http.StatusSeeOther || b.cookies[sessionCookie] != nil {
				t.Errorf("%s: a cookie without the __Host- prefix was taken: %d", tc.base, res.StatusCode)
			}
		}
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.SessionIdle = 30 * time.Minute })
	b := e.browser()
	b.login()
	// Activity every 20 minutes keeps the session alive.
	for i := 0; i < 3; i++ {
		e.clock.Advance(20 * time.Minute)
		if _, body := b.get("/"); !strings.Contains(body, "홍길동") {
			t.Fatalf("logged out after %d×20 minutes of activity", i+1)
		}
	}
	id := e.s.sessionKey(e.t, b.cookies[sessionCookie].Value)
	e.clock.Advance(31 * time.Minute)
	_, body := b.get("/")
	if strings.Contains(body, "홍길동") {
		t.Fatal("still logged in after 31 idle minutes")
	}
	if !strings.Contains(body, "장시간 사용하지 않아 로그아웃되었습니다") {
		t.Error("no idle-logout message")
	}
	if _, err := e.s.store.GetSession(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("idle session still stored: %v", err)
	}
}

func TestSessionTouchThrottle(t *testing.T) {
	e := newTestEnv(t, nil)
	b := e.browser()
	b.login()
	id := e.s.sessionKey(e.t, b.cookies[sessionCookie].Value)
	start := e.clock.Now()
	e.clock.Advance(30 * time.Second)
	b.get("/")
	se, _ := e.s.store.GetSession(context.Background(), id)
	if !se.LastSeenAt.Equal(start) {
		t.Errorf("touched after 30s: LastSeenAt %v, want %v", se.LastSeenAt, start)
	}
	e.clock.Advance(31 * time.Second)
	b.get("/")
	se, _ = e.s.store.GetSession(context.Background(), id)
	if !se.LastSeenAt.Equal(e.clock.Now()) {
		t.Errorf("not touched after 61s: LastSeenAt %v, want %v", se.LastSeenAt, e.clock.Now())
	}
}

func TestSessionAbsoluteTimeout(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.SessionIdle = 30 * time.Minute; c.SessionMax = time.Hour })
	b := e.browser()
	b.login()
	for i := 0; i < 2; i++ {
		e.clock.Advance(25 * time.Minute)
		if _, body := b.get("/"); !strings.Contains(body, "홍길동") {
			t.Fatalf("logged out at %d minutes", 25*(i+1))
		}
	}
	e.clock.Advance(11 * time.Minute) // 61 minutes after login, 11 idle
	if _, body := b.get("/"); strings.Contains(body, "홍길동") {
		t.Fatal("still logged in past the absolute timeout")
	}
}

func TestSessionExtend(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.SessionIdle = 30 * time.Minute })
	b := e.browser()
	b.login()
	tok := b.csrf()
	e.clock.Advance(20 * time.Minute)
	r := httptest.NewRequest("POST", "/session/extend", nil)
	r.Header.Set(csrfHeader, tok)
	r.Header.Set("Accept", "application/json")
	res := b.do(r)
	var got struct {
		ExpiresAt        string `json:"expiresAt"`
		RemainingSeconds int    `json:"remainingSeconds"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != 200 {
		t.Fatalf("extend: %d %v", res.StatusCode, err)
	}
	if got.RemainingSeconds != 1800 || got.ExpiresAt != e.clock.Now().Add(30*time.Minute).UTC().Format(time.RFC3339) {
		t.Errorf("extend answered %+v", got)
	}
	// Anonymous: 401, not a redirect.
	a := e.browser()
	r = httptest.NewRequest("POST", "/session/extend", nil)
	r.Header.Set(csrfHeader, a.csrf())
	r.Header.Set("Accept", "application/json")
	if res := a.do(r); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous extend: %d, want 401", res.StatusCode)
	}
}

func TestRequireLoginRedirects(t *testing.T) {
	e := newTestEnv(t, nil)
	e.s.mux.Handle("GET /private", e.s.requireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secret of ", userFrom(r.Context()).Name)
	})))
	b := e.browser()
	res, _ := b.get("/private")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/?msg=login_required") {
		t.Fatalf("anonymous: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := b.get(res.Header.Get("Location")); !strings.Contains(body, "로그인이 필요합니다") {
		t.Error("home does not show the login-required message")
	}
	b.login()
	if _, body := b.get("/private"); body != "secret of 홍길동" {
		t.Errorf("logged in: %q", body)
	}
}

func TestStaticAssets(t *testing.T) {
	e := newTestEnv(t, nil)
	u, err := e.s.assets.url("css/app.css")
	if err != nil || !regexp.MustCompile(`^/static/css/app\.[0-9a-f]{10}\.css$`).MatchString(u) {
		t.Fatalf("asset URL %q, %v", u, err)
	}
	plain, _ := os.ReadFile("static/css/app.css")

	r := httptest.NewRequest("GET", u, nil)
	r.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
	res := e.browser().do(r)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" ||
		res.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("gzip response: %d %v", res.StatusCode, res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !strings.Contains(string(css), ".gw-hero") {
		t.Error("decompressed CSS is not app.css")
	}
	// url() references now point at hashed names that are served too.
	if !regexp.MustCompile(`url\(\.\./img/[^)]*\.[0-9a-f]{10}\.svg\)`).MatchString(string(css)) {
		t.Error("app.css does not refer to hashed images")
	}
	if len(plain) == len(css) && string(plain) == string(css) {
		t.Error("CSS served unrewritten")
	}
	fu, _ := e.s.assets.url("vendor/krds/css/fonts.css")
	_, fontsCSS := e.browser().get(fu)
	fontRef := regexp.MustCompile(`url\(\.\./fonts/(PretendardGOV-Regular-core\.[0-9a-f]{10}\.woff2)\)`).FindStringSubmatch(fontsCSS)
	if fontRef == nil {
		t.Fatal("fonts.css does not refer to the hashed font")
	}
	res = e.browser().do(httptest.NewRequest("GET", "/static/vendor/krds/fonts/"+fontRef[1], nil))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "font/woff2" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("font: %d %v", res.StatusCode, res.Header)
	}

	// Without gzip in Accept-Encoding: identity.
	r = httptest.NewRequest("GET", u, nil)
	r.Header.Set("Accept-Encoding", "gzip;q=0")
	res = e.browser().do(r)
	body, _ := io.ReadAll(res.Body)
	if res.Header.Get("Content-Encoding") != "" || string(body) != string(css) {
		t.Error("identity response differs or is encoded")
	}
	// Plain name: served, revalidated.
	res = e.browser().do(httptest.NewRequest("GET", "/static/css/app.css", nil))
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("plain name: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	// ETag revalidation.
	r = httptest.NewRequest("GET", u, nil)
	r.Header.Set("If-None-Match", res.Header.Get("ETag"))
	if res := e.browser().do(r); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", res.StatusCode)
	}
	for _, bad := range []string{"/static/css/app.0000000000.css", "/static/server.go", "/static/vendor/krds/README.md"} {
		if res := e.browser().do(httptest.NewRequest("GET", bad, nil)); res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", bad, res.StatusCode)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for ae, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "br, gzip;q=0.5": true, "gzip;q=0": false, "gzip; q=0.000": false,
		"*": true, "*;q=0": false, "identity": false, "deflate, br": false, "gzip;q=0, *": false,
	} {
		if got := acceptsGzip(ae); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", ae, got, want)
		}
	}
}

func TestErrorRendering(t *testing.T) {
	e := newTestEnv(t, nil)
	fail := func(err error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { e.s.error(w, r, err) }
	}
	e.s.mux.Handle("GET /t/notfound", fail(domain.Errorf(domain.ENOTFOUND, "그런 신청이 없습니다")))
	e.s.mux.Handle("GET /api/t/conflict", fail(fmt.Errorf("wrapped: %w", domain.Errorf(domain.ECONFLICT, "이미 승인되었습니다"))))
	e.s.mux.Handle("GET /t/internal", fail(errors.New("pq: password=hunter2 connection refused")))
	e.s.mux.Handle("GET /t/store", fail(fmt.Errorf("get: %w", store.ErrNotFound)))

	res, body := e.browser().get("/t/notfound")
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "그런 신청이 없습니다") {
		t.Errorf("HTML 404: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// JSON for /api/ paths and for Accept: application/json.
	for _, r := range []*http.Request{httptest.NewRequest("GET", "/api/t/conflict", nil), func() *http.Request {
		r := httptest.NewRequest("GET", "/t/notfound", nil)
		r.Header.Set("Accept", "application/json")
		return r
	}()} {
		res := e.browser().do(r)
		var got struct {
			Error struct{ Code, Message string }
		}
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			t.Fatalf("%s: not JSON: %v", r.URL.Path, err)
		}
		if res.Header.Get("Content-Type") != "application/json; charset=utf-8" || got.Error.Code == "" || got.Error.Message == "" {
			t.Errorf("%s: %v %+v", r.URL.Path, res.Header, got)
		}
		if r.URL.Path == "/api/t/conflict" && (res.StatusCode != 409 || got.Error.Code != "conflict" || got.Error.Message != "이미 승인되었습니다") {
			t.Errorf("conflict: %d %+v", res.StatusCode, got)
		}
	}
	res, body = e.browser().get("/t/internal")
	id := res.Header.Get("X-Request-Id")
	if res.StatusCode != 500 || strings.Contains(body, "hunter2") || !strings.Contains(body, id) || !strings.Contains(body, "일시적인 오류") {
		t.Errorf("internal error page: %d, leaks or lacks the id", res.StatusCode)
	}
	if !strings.Contains(e.logs.String(), id) {
		t.Error("internal error not logged with the request id")
	}
	if res, _ := e.browser().get("/t/store"); res.StatusCode != 404 {
		t.Errorf("store.ErrNotFound: %d, want 404", res.StatusCode)
	}
	// English UI.
	b := e.browser()
	b.get("/?lang=en")
	if _, body := b.get("/no-such-page"); !strings.Contains(body, "Page not found") {
		t.Error("English 404 page not in English")
	}
}

func TestPanicRecovery(t *testing.T) {
	e := newTestEnv(t, nil)
	e.s.mux.HandleFunc("GET /t/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	res, body := e.browser().get("/t/panic")
	if res.StatusCode != 500 || strings.Contains(body, "goroutine") || strings.Contains(body, "boom") {
		t.Errorf("panic: %d, body leaks the panic", res.StatusCode)
	}
	if !strings.Contains(e.logs.String(), "boom") {
		t.Error("panic not logged")
	}
}

func TestRequestLogHasNoQuery(t *testing.T) {
	e := newTestEnv(t, nil)
	e.browser().get("/?token=s3cr3t-value&msg=logged_out")
	if strings.Contains(e.logs.String(), "s3cr3t") {
		t.Errorf("query string logged: %s", e.logs.String())
	}
	if !strings.Contains(e.logs.String(), `route="GET /{$}"`) {
		t.Errorf("no request log line: %s", e.logs.String())
	}
}

func TestRateLimiter(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := NewRateLimiter(6, 2, c.Now) // 1 every 10 s, burst 2
	for i := 0; i < 2; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 10*time.Second {
		t.Fatalf("third: %v %v, want refused for 10s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another key was limited")
	}
	c.Advance(10 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("refused after refill")
	}

	e := newTestEnv(t, nil)
	lim := NewRateLimiter(6, 2, e.clock.Now)
	e.s.mux.Handle("GET /t/limited", e.s.rateLimit(lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	b := e.browser()
	for i := 0; i < 2; i++ {
		if res, _ := b.get("/t/limited"); res.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	res, body := b.get("/t/limited")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "10" || !strings.Contains(body, "요청이 너무 많습니다") {
		t.Errorf("over the limit: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newTestEnv(t, nil)
	b := e.browser()
	for _, p := range []string{"/healthz", "/readyz"} {
		if res, body := b.get(p); res.StatusCode != 200 || body != "ok\n" {
			t.Errorf("%s: %d %q", p, res.StatusCode, body)
		}
	}
	b.get("/")
	b.get("/nowhere/12345")
	// The public listener hides /metrics (serve -metrics-addr serves it).
	if res, _ := b.get("/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics without a token configured: %d, want 404", res.StatusCode)
	}
	w := httptest.NewRecorder()
	e.s.MetricsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body := w.Body.String()
	for _, want := range []string{
		`gwanmun_http_requests_total{method="GET",route="GET /{$}",status="200"} 1`,
		`gwanmun_http_requests_total{method="GET",route="/",status="404"} 1`,
		`gwanmun_http_request_duration_seconds_bucket{route="GET /{$}"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "12345") {
		t.Error("metrics carry a raw path")
	}
	// With a token, the public listener serves /metrics to its bearer only.
	e.s.cfg.MetricsToken = "0123456789abcdef0123456789abcdef"
	if res, _ := b.get("/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics without the token: %d, want 404", res.StatusCode)
	}
	r := httptest.NewRequest("GET", "/metrics", nil)
	r.Header.Set("Authorization", "Bearer "+e.s.cfg.MetricsToken)
	if res := b.do(r); res.StatusCode != http.StatusOK {
		t.Errorf("public /metrics with the token: %d", res.StatusCode)
	}
}
