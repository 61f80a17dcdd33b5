package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// clock is a settable time source for timeout tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// testEnv is a server on a fresh store with a settable clock.
type testEnv struct {
	t     testing.TB
	s     *Server
	clock *clock
	logs  *bytes.Buffer
}

func newTestEnv(t testing.TB, mod func(*Config)) *testEnv {
	t.Helper()
	cfg := Config{SiteName: "gwanmun 데모 포털", BaseURL: "http://127.0.0.1:8080", Demo: true,
		HelpPhone: "02-0000-0000", HelpEmail: "help@example.org",
		Notices: []Notice{{Title: "시험 공지", Date: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Body: "본문"}}}
	if mod != nil {
		mod(&cfg)
	}
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	logs := &bytes.Buffer{}
	s, err := New(cfg, Deps{Store: testStore(t), Verifier: testVerifier(t), Now: c.Now,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, s: s, clock: c, logs: logs}
}

// browser keeps cookies across requests, like a browser would.
type browser struct {
	env     *testEnv
	cookies map[string]*http.Cookie
}

func (e *testEnv) browser() *browser { return &browser{env: e, cookies: map[string]*http.Cookie{}} }

func (b *browser) do(r *http.Request) *http.Response {
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.env.s.Handler().ServeHTTP(w, r)
	res := w.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	return res
}

func (b *browser) get(path string) (*http.Response, string) {
	res := b.do(httptest.NewRequest("GET", path, nil))
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// post sends a form; token "" sends none.
func (b *browser) post(path, token string) (*http.Response, string) {
	form := url.Values{}
	if token != "" {
		form.Set(csrfField, token)
	}
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := b.do(r)
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

var metaCSRF = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// csrf loads the home page and returns the token in its meta tag.
func (b *browser) csrf() string {
	b.env.t.Helper()
	_, body := b.get("/")
	m := metaCSRF.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		b.env.t.Fatal("no csrf-token meta on the home page")
	}
	return m[1]
}

// login makes a user and logs b in as it, the way a login handler would.
func (b *browser) login() domain.User {
	b.env.t.Helper()
	u := newTestUser(b.env.t, b.env.s.store)
	r := httptest.NewRequest("POST", "/login", nil)
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	if err := b.env.s.login(w, r, u, 0); err != nil {
		b.env.t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		b.cookies[c.Name] = &http.Cookie{Name: c.Name, Value: c.Value}
	}
	return u
}

var _ = context.Background

// sessionKey returns the store key of a session cookie token on s.
func (s *Server) sessionKey(t testing.TB, token string) string {
	t.Helper()
	k, err := s.sessionTokens(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	return k.Key(token)
}
