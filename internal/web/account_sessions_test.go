package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

var sessionEndRE = regexp.MustCompile(`action="/account/sessions/([0-9a-f]+)/end"`)

// TestAccountSessions (issue 15 item 12): the user sees their live
// sessions (this one marked, the address cut to its network, the browser
// named, no store key), ends one, then all the others; each is audited;
// the POSTs need the CSRF token; another user's session cannot be named.
func TestAccountSessions(t *testing.T) {
	t.Parallel()
	accountSessions(t, newSeededEnv(t, nil))
}

// TestAccountSessionsPostgres is the same on PostgreSQL.
func TestAccountSessionsPostgres(t *testing.T) {
	t.Parallel()
	accountSessions(t, newSeededEnvOn(t, nil, pgStore(t)))
}

func accountSessions(t *testing.T, e *seededEnv) {
	own := issue(t, "홍길동", 0, nil)
	u := e.registerUser("hongsessions", domain.UserActive, e.inst(clinicCode).ID, own)
	login := func(ua string) *client {
		c := e.client()
		f := form(c.signed(pki.PurposeLogin, own))
		r := httptest.NewRequest("POST", "/login", strings.NewReader(f.Encode()+"&"+csrfField+"="+c.token))
		r.RemoteAddr = c.addr + ":40000"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("User-Agent", ua)
		if res := c.do(r); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		c.refreshCSRF()
		return c
	}
	pc := login("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
	phone := login("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0 Mobile Safari/537.36")
	tablet := login("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15")
	stranger := e.signedIn(newTestUser(t, e.s.store), 0)

	res, body := pc.getPage("/account/sessions")
	wantStatus(t, "GET /account/sessions", res, body, http.StatusOK)
	for _, want := range []string{"접속 중인 기기", "이 기기", "Chrome · Windows", "Samsung Internet · Android", "Safari · iPadOS",
		strings.Join(strings.Split(pc.addr, ".")[:3], ".") + ".*", "다른 기기 모두 로그아웃", "최근 로그인 기록"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(body[strings.Index(body, `data-testid="logins"`)+1:], "<tr><td>"); !strings.Contains(body, `data-testid="logins"`) || n != 3 {
		t.Errorf("login history: %d rows, want the 3 logins", n)
	}
	ss, _ := e.s.store.ListUserSessions(e.ctx, u.ID)
	if len(ss) != 3 {
		t.Fatalf("%d sessions", len(ss))
	}
	for _, se := range ss {
		if strings.Contains(body, se.ID) || strings.Contains(body, se.ID[len(se.ID)-32:]) {
			t.Error("the page carries a session's store key")
		}
	}
	if strings.Contains(body, pc.addr) {
		t.Error("the page shows a full client address")
	}
	refs := sessionEndRE.FindAllStringSubmatch(body, -1)
	if len(refs) != 2 {
		t.Fatalf("%d end buttons, want 2 (not for this device)", len(refs))
	}

	// Another user cannot end them; without the CSRF token nothing ends.
	res, body = stranger.postForm("/account/sessions/"+refs[0][1]+"/end", nil)
	wantStatus(t, "another user ends a session", res, body, http.StatusNotFound)
	res, _ = pc.post("/account/sessions/"+refs[0][1]+"/end", "")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("end without the CSRF token: %d", res.StatusCode)
	}
	if ss, _ := e.s.store.ListUserSessions(e.ctx, u.ID); len(ss) != 3 {
		t.Fatalf("%d sessions after refused ends", len(ss))
	}

	res, body = pc.postForm("/account/sessions/"+refs[0][1]+"/end", nil)
	wantRedirect(t, "end one", res, body, "/account/sessions?done=one")
	if ss, _ := e.s.store.ListUserSessions(e.ctx, u.ID); len(ss) != 2 {
		t.Fatalf("%d sessions after ending one", len(ss))
	}
	res, body = pc.postForm("/account/sessions/others/end", nil)
	wantRedirect(t, "end others", res, body, "/account/sessions?done=others")
	for _, c := range []*client{phone, tablet} {
		if res, _ := c.getPage("/account/roles"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("an ended device still works: %d", res.StatusCode)
		}
	}
	if res, body := pc.getPage("/account/sessions"); res.StatusCode != http.StatusOK || !strings.Contains(body, "다른 기기에는 로그인되어 있지 않습니다") {
		t.Errorf("this device after ending the others: %d", res.StatusCode)
	}
	if e.auditCount("session.end") != 1 || e.auditCount("session.end_others") != 1 {
		t.Errorf("audit: %d session.end, %d session.end_others", e.auditCount("session.end"), e.auditCount("session.end_others"))
	}
}

// TestNetworkOf: addresses are cut to their network.
func TestNetworkOf(t *testing.T) {
	for in, want := range map[string]string{"203.0.113.77": "203.0.113.*", "2001:db8:1234:5678::1": "2001:db8:1234::/48", "": "", "junk": ""} {
		if got := networkOf(in); got != want {
			t.Errorf("networkOf(%q) = %q, want %q", in, got, want)
		}
	}
}
