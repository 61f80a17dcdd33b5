package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/edge"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestInvalidTextRefused: on PostgreSQL a NUL byte in any text parameter
// or field gave 500 (29 cases on 22 routes); SQLite gave none. Every such
// text, and invalid UTF-8, is refused at the edge with 400 and a message,
// on both databases.
func TestInvalidTextRefused(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		invalidTextCases(t, newSeededEnv(t, nil))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		invalidTextCases(t, newSeededEnvOn(t, nil, pgStore(t)))
	})
}

func invalidTextCases(t *testing.T, e *seededEnv) {
	anon := e.client()
	admin, aid := e.demoAccount("admin")
	ad := e.signedIn(admin, aid)
	json := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	for _, tc := range []struct {
		what   string
		c      *client
		method string
		path   string
		body   string
		hdr    http.Header
	}{
		{"JSON login nonce", anon, "POST", "/login", `{"nonce":"a\u0000b","certificate":"AA==","signature":"AA=="}`, json},
		{"API login nonce", anon, "POST", "/api/v1/auth/login", `{"nonce":"a\u0000b","certificate":"AA==","signature":"AA=="}`, json},
		{"API challenge purpose", anon, "POST", "/api/v1/auth/challenge", `{"purpose":"login\u0000"}`, json},
		{"JSON invalid UTF-8", anon, "POST", "/auth/challenge", "{\"purpose\":\"\xff\"}", json},
		{"form login nonce", anon, "POST", "/login", "nonce=a%00b", nil},
		{"form re-registration ID", anon, "POST", "/account/cert/reregister", "login_id=a%00b&nonce=x", nil},
		{"form invalid UTF-8", anon, "POST", "/signup/consent", "agree=%ff", nil},
		{"notices search", anon, "GET", "/notices?q=a%00b", "", nil},
		{"notices search, invalid UTF-8", anon, "GET", "/notices?q=%c3", "", nil},
		{"API notices search", anon, "GET", "/api/v1/notices?q=a%00b", "", nil},
		{"ID check", anon, "GET", "/signup/check-id?id=a%00b", "", nil},
		{"path value", anon, "GET", "/systems/a%00b/board", "", nil},
		{"post ID", anon, "GET", "/notices/1%00", "", nil},
		{"admin user search", ad, "GET", "/admin/users?q=a%00b", "", nil},
		{"admin audit search", ad, "GET", "/admin/audit?action=a%00b", "", nil},
		{"admin institution search", ad, "GET", "/admin/institutions?q=a%00b", "", nil},
		{"API users search", ad, "GET", "/api/v1/users?q=a%00b", "", nil},
		{"query key", ad, "GET", "/admin/users?a%00=1", "", nil},
		{"admin form", ad, "POST", "/admin/consent", "text=a%00b", nil},
		{"API PATCH me", ad, "PATCH", "/api/v1/me", `{"email":"a\u0000@example.org"}`, json},
	} {
		hdr := http.Header{}
		for k, v := range tc.hdr {
			hdr[k] = v
		}
		var body *strings.Reader
		if tc.body != "" {
			b := tc.body
			if tc.hdr == nil {
				hdr.Set("Content-Type", "application/x-www-form-urlencoded")
				b += "&" + csrfField + "=" + url.QueryEscape(tc.c.token)
			}
			body = strings.NewReader(b)
		} else {
			body = strings.NewReader("")
		}
		hdr.Set(csrfHeader, tc.c.token)
		res, got := tc.c.send(tc.method, tc.path, body, hdr)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s %s: status %d, want 400: %.300s", tc.what, tc.method, tc.path, res.StatusCode, got)
			continue
		}
		if wantsJSONPath(tc.path, hdr) {
			if code, msg := jsonError(t, got); code != "invalid" || !strings.Contains(msg, "NUL") {
				t.Errorf("%s: error %q %q", tc.what, code, msg)
			}
		} else if !strings.Contains(got, "NUL") {
			t.Errorf("%s: the page does not say what is wrong: %.500s", tc.what, got)
		}
	}
	// A notice with NUL in its title, through the editor's multipart form.
	res, got := ad.postMultipart("/notices", url.Values{"title": {"a\x00b"}})
	wantStatus(t, "multipart title", res, got, http.StatusBadRequest)
	// Good text still passes.
	res, got = anon.getPage("/notices?q=" + url.QueryEscape("점검"))
	wantStatus(t, "Korean search", res, got, http.StatusOK)
}

func wantsJSONPath(path string, h http.Header) bool {
	return strings.HasPrefix(path, "/api/") || strings.Contains(h.Get("Accept"), "application/json")
}

// TestLoginWithOddUserAgent: the session keeps the User-Agent, cut to 256
// bytes; a byte cut through a Korean character, or a header with bytes
// that are not UTF-8, made the login's write fail on PostgreSQL (500).
func TestLoginWithOddUserAgent(t *testing.T) {
	t.Parallel()
	for name, st := range map[string]func(testing.TB) store.Store{"sqlite": testStore, "postgres": pgStore} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newSeededEnvOn(t, nil, st(t))
			iss := issue(t, "홍길동", 0, nil)
			u := e.registerUser("hongua", domain.UserActive, e.inst(clinicCode).ID, iss)
			for _, ua := range []string{"Mozilla/5.0 \xff\xfe", "Mozilla/5.0 ((" + strings.Repeat("한", 120) + ")"} {
				c := e.client()
				res, body := c.send("POST", "/login", strings.NewReader(form(c.signed(pki.PurposeLogin, iss)).Encode()+"&"+csrfField+"="+url.QueryEscape(c.token)),
					http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "User-Agent": {ua}})
				wantStatus(t, "login with User-Agent "+strconv.Quote(ua), res, body, http.StatusSeeOther)
			}
			ss, err := e.s.store.ListUserSessions(e.ctx, u.ID)
			if err != nil || len(ss) != 2 {
				t.Fatalf("sessions: %v %v", ss, err)
			}
			for _, s := range ss {
				if !edge.ValidText(s.UserAgent) || len(s.UserAgent) > maxUserAgent {
					t.Errorf("stored User-Agent %q", s.UserAgent)
				}
			}
		})
	}
}
