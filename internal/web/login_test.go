package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// login logs c in with iss by the dialog's form post and expects success.
func (c *client) login(iss *pki.Issued) {
	c.e.t.Helper()
	res, body := c.postForm("/login", form(c.signed(pki.PurposeLogin, iss)))
	wantRedirect(c.e.t, "POST /login", res, body, "/menu")
	if c.cookies[sessionCookie] == nil {
		c.e.t.Fatal("login set no session cookie")
	}
	c.refreshCSRF()
}

// TestLoginCertificate: a registered certificate logs in, by form and by
// JSON, and every login gets a new session id.
func TestLoginCertificate(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	clinic := e.inst(clinicCode)
	iss := issue(t, "홍길동", 0, nil)
	u := e.registerUser("hongactive", domain.UserActive, clinic.ID, iss)

	c := e.client()
	c.login(iss)
	first := c.cookies[sessionCookie].Value
	res, body := c.getPage("/menu")
	wantStatus(t, "GET /menu", res, body, http.StatusOK)
	got, err := e.s.store.GetUser(e.ctx, u.ID)
	if err != nil || !got.LastLoginAt.Equal(e.clock.Now()) {
		t.Errorf("LastLoginAt = %v (%v), want %v", got.LastLoginAt, err, e.clock.Now())
	}
	if n := e.auditCount("user.login"); n != 1 {
		t.Errorf("user.login events %d, want 1", n)
	}

	// Logging in again rotates the session id; the old one stops working.
	c.login(iss)
	second := c.cookies[sessionCookie].Value
	if second == first {
		t.Fatal("a new login kept the session id")
	}
	old := e.client()
	old.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: first}
	res, body = old.getPage("/menu")
	wantRedirect(t, "GET /menu with the old session", res, body, "/?msg=login_required&next=%2Fmenu")
	res, body = c.getPage("/menu")
	wantStatus(t, "GET /menu with the new session", res, body, http.StatusOK)

	// A session planted before login does not survive it either.
	j := e.client()
	j.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: second}
	j.refreshCSRF()
	res, body = j.postJSON("/login", j.signed(pki.PurposeLogin, iss))
	wantStatus(t, "JSON login", res, body, http.StatusOK)
	if strings.TrimSpace(body) != `{"redirect":"/menu"}` {
		t.Errorf("JSON login = %s, want {\"redirect\":\"/menu\"}", body)
	}
	if sc := j.cookies[sessionCookie]; sc == nil || sc.Value == second {
		t.Fatal("JSON login did not issue a new session cookie")
	}
	res, body = c.getPage("/menu")
	wantRedirect(t, "GET /menu with the session replaced by the JSON login", res, body, "/?msg=login_required&next=%2Fmenu")
}

// TestLoginRefused: each refusal with its code and status, and no session.
func TestLoginRefused(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	clinic := e.inst(clinicCode)
	origin := e.s.Origin()
	registered := issue(t, "홍길동", 0, nil)
	e.registerUser("hongactive", domain.UserActive, clinic.ID, registered)
	locked := issue(t, "김잠금", 1, nil)
	e.registerUser("locked01", domain.UserLocked, clinic.ID, locked)
	withdrawn := issue(t, "이탈퇴", 2, nil)
	wu := e.registerUser("withdrawn01", domain.UserWithdrawn, clinic.ID, withdrawn)
	wu.WithdrawnAt = e.clock.Now()
	if err := e.s.store.UpdateUser(e.ctx, &wu); err != nil {
		t.Fatal(err)
	}
	unregistered := issue(t, "박미등록", 3, nil)

	// Expired and untrusted certificates use the registered key: the
	// account does not make them acceptable.
	for _, tc := range []struct {
		name   string
		sr     func(c *client) pki.SignedResponse
		status int
		code   string
	}{
		{"unregistered", func(c *client) pki.SignedResponse { return c.signed(pki.PurposeLogin, unregistered) },
			http.StatusUnauthorized, auth.CodeNotRegistered},
		{"expired", func(c *client) pki.SignedResponse {
			return c.signed(pki.PurposeLogin, issue(c.e.t, "홍길동", 0, expired))
		}, http.StatusUnauthorized, pki.CodeCertExpired},
		{"unknown CA", func(c *client) pki.SignedResponse {
			return c.signed(pki.PurposeLogin, issueUntrusted(c.e.t, "홍길동", 0))
		},
			http.StatusUnauthorized, pki.CodeCertUntrusted},
		{"signup challenge", func(c *client) pki.SignedResponse { return c.signed(pki.PurposeSignup, registered) },
			http.StatusUnauthorized, pki.CodeNonceWrongPurpose},
		{"signed for signup", func(c *client) pki.SignedResponse {
			return sign(c.e.t, registered, pki.PurposeSignup, origin, c.challenge(pki.PurposeLogin))
		}, http.StatusUnauthorized, pki.CodeSignatureInvalid},
		{"replayed", func(c *client) pki.SignedResponse {
			sr := c.signed(pki.PurposeLogin, registered)
			res, body := c.postJSON("/login", sr)
			wantStatus(c.e.t, "first use", res, body, http.StatusOK)
			delete(c.cookies, sessionCookie)
			c.refreshCSRF()
			return sr
		}, http.StatusUnauthorized, pki.CodeNonceReplayed},
		{"expired challenge", func(c *client) pki.SignedResponse {
			sr := c.signed(pki.PurposeLogin, registered)
			c.e.clock.Advance(pki.ChallengeTTL + time.Second)
			return sr
		}, http.StatusUnauthorized, pki.CodeNonceExpired},
		{"locked", func(c *client) pki.SignedResponse { return c.signed(pki.PurposeLogin, locked) },
			http.StatusForbidden, auth.CodeAccountLocked},
		{"withdrawn", func(c *client) pki.SignedResponse { return c.signed(pki.PurposeLogin, withdrawn) },
			http.StatusUnauthorized, auth.CodeNotRegistered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			// The form post shows the login error page.
			c := e.client()
			res, body := c.postForm("/login", form(tc.sr(c)))
			wantStatus(t, "POST /login", res, body, tc.status)
			if !strings.Contains(body, "<code>"+tc.code+"</code>") {
				t.Errorf("the page does not show code %s", tc.code)
			}
			offersSignup := strings.Contains(body, `href="/signup"`)
			if want := tc.code == auth.CodeNotRegistered; offersSignup != want {
				t.Errorf("the page links to /signup: %v, want %v", offersSignup, want)
			}
			if c.cookies[sessionCookie] != nil {
				t.Error("a refused login set a session cookie")
			}
			// The fetch call gets the code as JSON.
			c = e.client()
			res, body = c.postJSON("/login", tc.sr(c))
			wantStatus(t, "JSON POST /login", res, body, tc.status)
			if code, msg := jsonError(t, body); code != tc.code || msg == "" {
				t.Errorf("JSON error %q %q, want code %q", code, msg, tc.code)
			}
			if c.cookies[sessionCookie] != nil {
				t.Error("a refused login set a session cookie")
			}
		})
	}
	// The registered certificate still logs in.
	e.client().login(registered)
}

// TestLoginRevokedCertificate: with a CRL configured, a revoked
// certificate cannot log in even when it is registered.
func TestLoginRevokedCertificate(t *testing.T) {
	t.Parallel()
	revoked := issue(t, "홍길동", 4, func(o *pki.IssueOptions) { o.Revoked = true })
	e := newSeededEnv(t, crlVerifier(t))
	e.registerUser("revoked01", domain.UserActive, e.inst(clinicCode).ID, issue(t, "홍길동", 4, nil))
	c := e.client()
	res, body := c.postJSON("/login", c.signed(pki.PurposeLogin, revoked))
	wantStatus(t, "revoked", res, body, http.StatusUnauthorized)
	if code, _ := jsonError(t, body); code != pki.CodeCertRevoked {
		t.Errorf("code %q, want %q", code, pki.CodeCertRevoked)
	}
}

// TestMenuFollowsGrants: a signed-up user whose request is pending sees it
// with whom to call; an approval shows the system's menu on the next load
// and a revocation removes it at once, without logging in again.
func TestMenuFollowsGrants(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	centre := e.inst(centreCode)
	iss := issue(t, "홍길동", 0, nil)
	c := e.client()
	c.toStep4(iss, "menuuser")
	res, body := c.postForm("/signup/request", requestForm(e.demo.UserRoleID, centre.ID, false))
	wantRedirect(t, "signup", res, body, "/signup/complete")
	u, err := e.s.store.GetUserByLoginID(e.ctx, "menuuser")
	if err != nil {
		t.Fatal(err)
	}

	c.login(iss)
	const system = "[코로나19예방접종관리]"
	res, body = c.getPage("/menu")
	wantStatus(t, "GET /menu", res, body, http.StatusOK)
	for _, want := range []string{"[코로나19 예방접종대응팀 User(의료기관)]", centre.DisplayName(), `<a class="gw-nowrap" href="tel:` + centre.Phone + `">` + centre.Phone + "</a>"} {
		if !strings.Contains(body, want) {
			t.Errorf("pending /menu lacks %q", want)
		}
	}
	if strings.Contains(body, system) || strings.Contains(body, "/systems/covid19-vaccination/") {
		t.Error("a pending user sees the system menu")
	}

	// The centre approves (written directly to the store).
	reqs, _, err := e.s.store.ListRequests(e.ctx, store.RequestFilter{UserID: u.ID})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests %v (%v)", reqs, err)
	}
	approver, err := e.s.store.GetUserByLoginID(e.ctx, "approver11110")
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	if _, err := e.s.store.DecideRequest(e.ctx, reqs[0].ID, domain.RequestApproved, approver.ID, "", now); err != nil {
		t.Fatal(err)
	}
	g := domain.Grant{UserID: u.ID, RoleID: e.demo.UserRoleID, RequestID: reqs[0].ID, GrantedAt: now, GrantedBy: approver.ID}
	if err := e.s.store.CreateGrant(e.ctx, &g); err != nil {
		t.Fatal(err)
	}
	res, body = c.getPage("/menu")
	wantStatus(t, "GET /menu after approval", res, body, http.StatusOK)
	for _, want := range []string{"<h2>" + system + "</h2>", `href="/systems/covid19-vaccination/register"`, "코로나19 예방접종대응팀 User(의료기관)"} {
		if !strings.Contains(body, want) {
			t.Errorf("/menu after approval lacks %q", want)
		}
	}
	if strings.Contains(body, `id="pending-title"`) {
		t.Error("/menu after approval still lists a pending request")
	}

	// Revoked: gone on the next load.
	if err := e.s.store.RevokeGrant(e.ctx, g.ID, approver.ID, "퇴사", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	res, body = c.getPage("/menu")
	wantStatus(t, "GET /menu after revocation", res, body, http.StatusOK)
	if strings.Contains(body, system) || strings.Contains(body, "/systems/covid19-vaccination/") {
		t.Error("/menu still shows the revoked system")
	}
}

// TestChallengeRateLimit: /auth/challenge answers 429 with Retry-After
// after the burst, per client address.
func TestChallengeRateLimit(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	c := e.client()
	res, body := c.postJSON("/auth/challenge", map[string]string{"purpose": "nonsense"})
	wantStatus(t, "unknown purpose", res, body, http.StatusBadRequest)
	res, body = c.postJSON("/auth/challenge", map[string]string{"purpose": pki.PurposeCertChange})
	wantStatus(t, "cert-change without login", res, body, http.StatusUnauthorized)

	limited := 0
	for i := range 30 {
		res, body := c.postJSON("/auth/challenge", map[string]string{"purpose": pki.PurposeLogin})
		switch res.StatusCode {
		case http.StatusOK:
			if limited > 0 {
				t.Fatalf("request %d allowed after a 429", i)
			}
		case http.StatusTooManyRequests:
			// The burst is 20, two of which the requests above used.
			if limited == 0 && i != 18 {
				t.Errorf("first 429 at loop request %d, want 18", i)
			}
			limited++
			if res.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			if code, _ := jsonError(t, body); code != "rate_limited" {
				t.Errorf("429 code %q", code)
			}
		default:
			t.Fatalf("request %d: %d %s", i, res.StatusCode, body)
		}
	}
	if limited != 12 {
		t.Fatalf("%d answers 429, want 12", limited)
	}
	// Another address is not limited; the same one is again after a while.
	e.client().challenge(pki.PurposeLogin)
	e.clock.Advance(2 * time.Second)
	c.challenge(pki.PurposeLogin)
}
