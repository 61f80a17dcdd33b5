package web

// The OpenID Connect provider's conformance suite (docs/sso.md): it
// mirrors the OpenID Foundation's Basic OP and Config OP test plans and the
// issue's list of attacks, with github.com/coreos/go-oidc and
// golang.org/x/oauth2 as the relying party against the real web handler
// on a real loopback port, on SQLite and on PostgreSQL.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/demorp"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/store"
)

// rpCallback is the systems' redirect URI: a loopback port nobody
// listens on; the test browser stops there and reads the answer.
const (
	rpHost      = "127.0.0.1:1"
	rpCallback  = "http://" + rpHost + "/cb"
	rpLoggedOut = "http://" + rpHost + "/bye"
)

// ssoEnv is a real server with the demo data, two registered systems and
// a user holding the covid system's user role.
type ssoEnv struct {
	t      *testing.T
	s      *Server
	st     store.Store
	demo   *demo.Result
	base   string
	issuer string
	offset atomic.Int64 // added to the server's clock

	provider *gooidc.Provider
	covid    oauth2.Config // confidential client of the covid system
	report   oauth2.Config // public client of the auto-report system
	user     domain.User
	iss      *pki.Issued
}

func (e *ssoEnv) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

func newSSOEnv(t *testing.T, st store.Store) *ssoEnv {
	t.Helper()
	e := &ssoEnv{t: t, st: st}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	e.s, err = New(Config{SiteName: "gwanmun 데모 포털", BaseURL: e.base, Demo: true},
		Deps{Store: st, Verifier: testVerifier(t), Now: e.now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(e.s.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	e.issuer = e.base + "/oidc"
	ctx := context.Background()
	if e.demo, err = demo.Seed(ctx, st, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.iss = issue(t, "김의사", 0, nil)
	e.user = e.registerUser("ssodoc", e.demo.Medical[0].ID, e.iss)
	e.grant(e.user, e.demo.UserRoleID)

	admin := audit.Actor{Pseudonym: "test"}
	secret, _, err := e.s.SSO().Register(ctx, admin, e.demo.CovidSystemID, sso.ClientSpec{ClientID: "covid19",
		RedirectURIs: []string{rpCallback}, PostLogoutURIs: []string{rpLoggedOut}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.SSO().Register(ctx, admin, e.demo.Systems[demo.SystemAutoReport], sso.ClientSpec{ClientID: "auto-report",
		Public: true, RedirectURIs: []string{rpCallback}}); err != nil {
		t.Fatal(err)
	}
	if e.provider, err = gooidc.NewProvider(ctx, e.issuer); err != nil {
		t.Fatalf("discovery: %v", err)
	}
	scopes := []string{gooidc.ScopeOpenID, "profile", "institution", "roles", gooidc.ScopeOfflineAccess}
	e.covid = oauth2.Config{ClientID: "covid19", ClientSecret: secret, Endpoint: e.provider.Endpoint(),
		RedirectURL: rpCallback, Scopes: scopes}
	e.covid.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	e.report = oauth2.Config{ClientID: "auto-report", Endpoint: e.provider.Endpoint(), RedirectURL: rpCallback, Scopes: scopes}
	e.report.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	return e
}

func (e *ssoEnv) registerUser(loginID string, instID int64, iss *pki.Issued) domain.User {
	e.t.Helper()
	ctx := context.Background()
	now := time.Now()
	u := domain.User{LoginID: loginID, Name: signup.CertName(iss.Cert.Subject.CommonName), InstitutionID: instID,
		Status: domain.UserActive, Mobile: "01012345678", OfficePhone: "0212345678", Pseudonym: "p-" + loginID,
		ConsentVersion: e.demo.ConsentVersion, CreatedAt: now, UpdatedAt: now}
	if err := e.st.CreateUser(ctx, &u); err != nil {
		e.t.Fatal(err)
	}
	res, err := testVerifier(e.t).Verify(ctx, iss.Cert)
	if err != nil {
		e.t.Fatal(err)
	}
	v := auth.Verified{Result: res, KeyHash: auth.KeyHash(iss.Cert)}
	c := v.CertificateRecord(u.ID, now)
	if err := e.st.AddCertificate(ctx, &c); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *ssoEnv) grant(u domain.User, roleID int64) domain.Grant {
	e.t.Helper()
	g := domain.Grant{UserID: u.ID, RoleID: roleID, GrantedAt: time.Now()}
	if err := e.st.CreateGrant(context.Background(), &g); err != nil {
		e.t.Fatal(err)
	}
	return g
}

// ssoBrowser is a browser with cookies that stops at the systems' URLs.
type ssoBrowser struct {
	e *ssoEnv
	c *http.Client
}

func (e *ssoEnv) browser() *ssoBrowser {
	jar, _ := cookiejar.New(nil)
	return &ssoBrowser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if r.URL.Host == rpHost || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

func (b *ssoBrowser) get(u string) (*http.Response, string) {
	b.e.t.Helper()
	res, err := b.c.Get(u)
	if err != nil {
		b.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

func (b *ssoBrowser) postForm(u string, f url.Values, hdr http.Header) (*http.Response, string) {
	b.e.t.Helper()
	r, _ := http.NewRequest("POST", u, strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		r.Header[k] = v
	}
	res, err := b.c.Do(r)
	if err != nil {
		b.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// csrf returns the CSRF token of the page body (meta tag).
func (b *ssoBrowser) csrf(body string) string {
	b.e.t.Helper()
	m := metaCSRF.FindStringSubmatch(body)
	if m == nil {
		b.e.t.Fatalf("no csrf token in page:\n%s", body)
	}
	return m[1]
}

// signIn signs a login challenge with iss, as the certificate dialog does,
// and posts it to action (with extra form fields) from a page body.
func (b *ssoBrowser) signIn(page, action string, iss *pki.Issued, extra url.Values) (*http.Response, string) {
	b.e.t.Helper()
	token := b.csrf(page)
	r, _ := http.NewRequest("POST", b.e.base+"/auth/challenge", strings.NewReader(`{"purpose":"login"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json")
	r.Header.Set(csrfHeader, token)
	res, err := b.c.Do(r)
	if err != nil {
		b.e.t.Fatal(err)
	}
	var ch struct{ Nonce string }
	json.NewDecoder(res.Body).Decode(&ch)
	res.Body.Close()
	if ch.Nonce == "" {
		b.e.t.Fatalf("challenge: %d", res.StatusCode)
	}
	f := form(sign(b.e.t, iss, "login", b.e.base, ch.Nonce))
	f.Set(csrfField, token)
	for k, v := range extra {
		f[k] = v
	}
	return b.postForm(b.e.base+action, f, nil)
}

// login logs the browser in to the portal with iss.
func (b *ssoBrowser) login(iss *pki.Issued) {
	b.e.t.Helper()
	_, page := b.get(b.e.base + "/")
	res, body := b.signIn(page, "/login", iss, nil)
	if res.StatusCode != http.StatusOK || res.Request.URL.Path == "/login" {
		b.e.t.Fatalf("login: %d at %s\n%s", res.StatusCode, res.Request.URL, body)
	}
}

// answer is what reached the system's redirect URI.
type answer struct {
	res  *http.Response
	body string
	q    url.Values // the redirect's query; nil when it did not reach the system
}

// authorize runs the browser's part of a code flow from the client's
// authorization URL.
func (b *ssoBrowser) authorize(authURL string) answer {
	b.e.t.Helper()
	res, body := b.get(authURL)
	a := answer{res: res, body: body}
	if loc, err := url.Parse(res.Header.Get("Location")); err == nil && loc.Host == rpHost {
		a.q = loc.Query()
		if f, err := url.ParseQuery(loc.Fragment); err == nil && len(f) > 0 {
			a.q = f // an error of a response type that answers in the fragment
		}
	}
	return a
}

// code returns the code of an answer, failing the test when there is none.
func (a answer) code(t *testing.T, state string) string {
	t.Helper()
	if a.q == nil {
		t.Fatalf("the flow did not reach the system: %d %s\n%.2000s", a.res.StatusCode, a.res.Request.URL, a.body)
	}
	if a.q.Get("error") != "" || a.q.Get("code") == "" {
		t.Fatalf("answer %v", a.q)
	}
	if a.q.Get("state") != state {
		t.Fatalf("state %q, want %q", a.q.Get("state"), state)
	}
	if !strings.HasSuffix(a.q.Get("iss"), "/oidc") { // RFC 9207
		t.Errorf("authorization response without iss: %v", a.q)
	}
	return a.q.Get("code")
}

func randState() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ssoClaims are the claims gwanmun adds.
type ssoClaims struct {
	Subject     string   `json:"sub"`
	Name        string   `json:"name"`
	Nonce       string   `json:"nonce"`
	AuthTime    int64    `json:"auth_time"`
	AMR         []string `json:"amr"`
	CertClass   string   `json:"cert_class"`
	Institution struct {
		Code, Name, Kind string
	} `json:"institution"`
	Roles []struct{ Code, Name string } `json:"roles"`
}

func (c ssoClaims) roleCodes() []string {
	var out []string
	for _, r := range c.Roles {
		out = append(out, r.Code)
	}
	return out
}

// flow is a whole code flow of client cfg for browser b: the ID token's
// verified claims and the tokens.
func (e *ssoEnv) flow(b *ssoBrowser, cfg oauth2.Config, opts ...oauth2.AuthCodeOption) (ssoClaims, *oauth2.Token) {
	e.t.Helper()
	state, nonce, verifier := randState(), randState(), oauth2.GenerateVerifier()
	opts = append(opts, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	code := b.authorize(cfg.AuthCodeURL(state, opts...)).code(e.t, state)
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return e.verify(cfg, tok, nonce), tok
}

func (e *ssoEnv) verify(cfg oauth2.Config, tok *oauth2.Token, nonce string) ssoClaims {
	e.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.provider.Verifier(&gooidc.Config{ClientID: cfg.ClientID}).Verify(context.Background(), raw)
	if err != nil {
		e.t.Fatalf("ID token: %v", err)
	}
	var c ssoClaims
	if err := idt.Claims(&c); err != nil {
		e.t.Fatal(err)
	}
	if nonce != "" && c.Nonce != nonce {
		e.t.Errorf("nonce %q, want %q", c.Nonce, nonce)
	}
	return c
}

// oauthError returns the OAuth error code of a failed token call.
func oauthError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	if err == nil {
		return ""
	}
	return "other: " + err.Error()
}

// userinfo calls the userinfo endpoint with an access token: GET with the
// header, POST with the header, or POST with the token in the body.
func (e *ssoEnv) userinfo(method, token string, inBody bool) (int, map[string]any) {
	e.t.Helper()
	var r *http.Request
	u := e.issuer + "/userinfo"
	if inBody {
		r, _ = http.NewRequest(method, u, strings.NewReader(url.Values{"access_token": {token}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r, _ = http.NewRequest(method, u, nil)
		r.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var v map[string]any
	json.NewDecoder(res.Body).Decode(&v)
	return res.StatusCode, v
}

// introspect asks about token as the covid client (or with auth when set).
func (e *ssoEnv) introspect(token, clientID, secret string) (int, map[string]any) {
	e.t.Helper()
	r, _ := http.NewRequest("POST", e.issuer+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		r.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var v map[string]any
	json.NewDecoder(res.Body).Decode(&v)
	return res.StatusCode, v
}

func TestSSOConformanceSQLite(t *testing.T) {
	runSSOConformance(t, func(t *testing.T) store.Store { return testStore(t) })
}

func TestSSOConformancePostgres(t *testing.T) {
	runSSOConformance(t, func(t *testing.T) store.Store { return pgStore(t) })
}

func runSSOConformance(t *testing.T, open func(t *testing.T) store.Store) {
	e := newSSOEnv(t, open(t))
	// A logged-in browser for the modules that reuse a session.
	b := e.browser()
	b.login(e.iss)

	t.Run("discovery and JWKS", func(t *testing.T) {
		var d struct {
			Issuer        string   `json:"issuer"`
			JWKS          string   `json:"jwks_uri"`
			ResponseTypes []string `json:"response_types_supported"`
			Grants        []string `json:"grant_types_supported"`
			PKCE          []string `json:"code_challenge_methods_supported"`
			AuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
			Scopes        []string `json:"scopes_supported"`
			Claims        []string `json:"claims_supported"`
			EndSession    string   `json:"end_session_endpoint"`
			Backchannel   bool     `json:"backchannel_logout_supported"`
		}
		if err := e.provider.Claims(&d); err != nil {
			t.Fatal(err)
		}
		if d.Issuer != e.issuer || d.JWKS != e.issuer+"/keys" || d.EndSession == "" || !d.Backchannel {
			t.Errorf("discovery = %+v", d)
		}
		if !slices.Contains(d.ResponseTypes, "code") || slices.Contains(d.ResponseTypes, "id_token") || slices.Contains(d.ResponseTypes, "code id_token") ||
			slices.Contains(d.Grants, "password") || slices.Contains(d.Grants, "implicit") {
			t.Errorf("implicit, hybrid or password offered: %v %v", d.ResponseTypes, d.Grants)
		}
		if !slices.Contains(d.PKCE, "S256") || !slices.Contains(d.AuthMethods, "client_secret_basic") ||
			!slices.Contains(d.AuthMethods, "client_secret_post") || !slices.Contains(d.AuthMethods, "none") {
			t.Errorf("PKCE/auth methods = %v %v", d.PKCE, d.AuthMethods)
		}
		if !slices.Contains(d.Scopes, "roles") || !slices.Contains(d.Claims, "roles") || !slices.Contains(d.Claims, "auth_time") {
			t.Errorf("scopes/claims = %v %v", d.Scopes, d.Claims)
		}
		res, body := b.get(e.issuer + "/keys")
		var jwks struct {
			Keys []struct{ Kid, Alg, Use, Kty string }
		}
		if err := json.Unmarshal([]byte(body), &jwks); err != nil || res.StatusCode != 200 || len(jwks.Keys) == 0 {
			t.Fatalf("JWKS %d %s", res.StatusCode, body)
		}
		for _, k := range jwks.Keys {
			if k.Kid == "" || k.Alg != "RS256" || k.Use != "sig" || k.Kty != "RSA" {
				t.Errorf("JWKS key %+v", k)
			}
		}
		if strings.Contains(body, `"d"`) {
			t.Error("JWKS publishes a private key")
		}
	})

	t.Run("code flow, client_secret_basic, nonce, state, claims", func(t *testing.T) {
		c, tok := e.flow(b, e.covid)
		if c.Name != e.user.Name || c.CertClass != "personal" || !slices.Equal(c.AMR, []string{"swk", "pin"}) || c.AuthTime == 0 {
			t.Errorf("claims %+v", c)
		}
		if got := c.roleCodes(); !slices.Equal(got, []string{demo.RoleUser}) {
			t.Errorf("roles %v, want only the covid user role", got)
		}
		if c.Institution.Code != e.demo.Medical[0].Code || c.Institution.Kind != string(domain.KindMedical) {
			t.Errorf("institution %+v", c.Institution)
		}
		if tok.RefreshToken == "" || tok.AccessToken == "" {
			t.Errorf("token response %+v", tok)
		}
		c2, _ := e.flow(b, e.covid)
		if c2.Subject != c.Subject {
			t.Errorf("sub changed between logins: %q, %q", c.Subject, c2.Subject)
		}
		if strings.Contains(c.Subject, fmt.Sprint(e.user.ID)) && len(c.Subject) < 10 {
			t.Errorf("sub %q reveals the user number", c.Subject)
		}
	})

	t.Run("pairwise sub, roles of the client's system only, public client with PKCE", func(t *testing.T) {
		e.grant(e.user, e.demo.AutoReportRoleID)
		cc, _ := e.flow(b, e.covid)
		rc, tok := e.flow(b, e.report)
		if rc.Subject == cc.Subject {
			t.Error("two systems got the same sub")
		}
		if !slices.Equal(rc.roleCodes(), []string{demo.RoleAutoReport}) || !slices.Equal(cc.roleCodes(), []string{demo.RoleUser}) {
			t.Errorf("roles: report %v covid %v", rc.roleCodes(), cc.roleCodes())
		}
		if tok.RefreshToken == "" {
			t.Error("no refresh token for the public client")
		}
	})

	t.Run("client_secret_post", func(t *testing.T) {
		cfg := e.covid
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		e.flow(b, cfg)
	})

	t.Run("userinfo GET and POST", func(t *testing.T) {
		c, tok := e.flow(b, e.covid)
		for _, m := range []struct {
			method string
			body   bool
		}{{"GET", false}, {"POST", false}, {"POST", true}} {
			st, v := e.userinfo(m.method, tok.AccessToken, m.body)
			if st != 200 || v["sub"] != c.Subject || v["name"] != e.user.Name || v["roles"] == nil {
				t.Errorf("userinfo %s (body %v): %d %v", m.method, m.body, st, v)
			}
		}
		if st, _ := e.userinfo("GET", "not-a-token", false); st != http.StatusUnauthorized {
			t.Errorf("userinfo with a bad token: %d", st)
		}
		ui, err := e.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
		if err != nil || ui.Subject != c.Subject {
			t.Errorf("go-oidc UserInfo: %v %+v", err, ui)
		}
	})

	t.Run("refresh token: rotated, bound to the client, reuse kills the family", func(t *testing.T) {
		_, tok := e.flow(b, e.covid)
		old := tok.RefreshToken
		ts := e.covid.TokenSource(context.Background(), &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)})
		nt, err := ts.Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if nt.RefreshToken == "" || nt.RefreshToken == old || nt.AccessToken == tok.AccessToken {
			t.Fatalf("refresh did not rotate: %+v", nt)
		}
		e.verify(e.covid, nt, "")
		// Another client presenting it: refused.
		_, err = e.report.TokenSource(context.Background(), &oauth2.Token{RefreshToken: nt.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
		if oauthError(err) != "invalid_grant" {
			t.Errorf("refresh token of another client: %v", err)
		}
		// The old one again: refused, and the new one dies with it.
		_, err = e.covid.TokenSource(context.Background(), &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)}).Token()
		if oauthError(err) != "invalid_grant" {
			t.Errorf("rotated refresh token reused: %v", err)
		}
		_, err = e.covid.TokenSource(context.Background(), &oauth2.Token{RefreshToken: nt.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
		if oauthError(err) != "invalid_grant" {
			t.Errorf("refresh token after its family was revoked: %v", err)
		}
		if st, _ := e.userinfo("GET", nt.AccessToken, false); st == 200 {
			t.Error("access token of a revoked family still works")
		}
	})

	t.Run("code reuse revokes the first tokens", func(t *testing.T) {
		state, verifier := randState(), oauth2.GenerateVerifier()
		code := b.authorize(e.covid.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))).code(t, state)
		tok, err := e.covid.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := e.userinfo("GET", tok.AccessToken, false); st != 200 {
			t.Fatalf("userinfo before reuse: %d", st)
		}
		_, err = e.covid.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
		if oauthError(err) != "invalid_grant" {
			t.Errorf("second exchange: %v", err)
		}
		if st, _ := e.userinfo("GET", tok.AccessToken, false); st == 200 {
			t.Error("access token of a reused code still works")
		}
		_, err = e.covid.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
		if oauthError(err) != "invalid_grant" {
			t.Errorf("refresh token of a reused code: %v", err)
		}
	})

	t.Run("PKCE", func(t *testing.T) {
		// A public client without code_challenge: refused at the door.
		state := randState()
		a := b.authorize(e.report.AuthCodeURL(state))
		if a.q == nil || a.q.Get("error") != "invalid_request" || a.q.Get("state") != state {
			t.Errorf("public client without PKCE: %v %d", a.q, a.res.StatusCode)
		}
		// plain is not accepted.
		a = b.authorize(e.report.AuthCodeURL(state, oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)),
			oauth2.SetAuthURLParam("code_challenge_method", "plain")))
		if a.q == nil || a.q.Get("error") == "" {
			t.Errorf("plain PKCE: %v %d", a.q, a.res.StatusCode)
		}
		verifier := oauth2.GenerateVerifier()
		code := b.authorize(e.report.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))).code(t, state)
		if _, err := e.report.Exchange(context.Background(), code); oauthError(err) != "invalid_request" {
			t.Errorf("exchange without verifier: %v", err)
		}
		if _, err := e.report.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier())); oauthError(err) != "invalid_grant" {
			t.Errorf("exchange with a wrong verifier: %v", err)
		}
	})

	t.Run("expired code", func(t *testing.T) {
		state, verifier := randState(), oauth2.GenerateVerifier()
		code := b.authorize(e.covid.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))).code(t, state)
		e.offset.Add(int64(sso.CodeTTL + time.Second))
		defer e.offset.Add(-int64(sso.CodeTTL + time.Second))
		if _, err := e.covid.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); oauthError(err) != "invalid_grant" {
			t.Errorf("expired code: %v", err)
		}
	})

	t.Run("code of one client exchanged by another", func(t *testing.T) {
		state, verifier := randState(), oauth2.GenerateVerifier()
		code := b.authorize(e.covid.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))).code(t, state)
		if _, err := e.report.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); oauthError(err) != "invalid_grant" {
			t.Errorf("cross-client exchange: %v", err)
		}
		// The rightful client still can.
		if _, err := e.covid.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
			t.Errorf("exchange after a cross-client attempt: %v", err)
		}
	})

	t.Run("wrong client secret", func(t *testing.T) {
		state, verifier := randState(), oauth2.GenerateVerifier()
		code := b.authorize(e.covid.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))).code(t, state)
		cfg := e.covid
		cfg.ClientSecret = "wrong"
		_, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong secret: %v", err)
		}
	})

	t.Run("registered redirect URI only; near misses are not redirected", func(t *testing.T) {
		for _, bad := range []string{rpCallback + "/", rpCallback + "?x=1", "http://127.0.0.1:2/cb", "http://localhost:1/cb",
			"https://" + rpHost + "/cb", rpCallback + "#f", "http://evil.example/cb", "HTTP://127.0.0.1:1/cb", ""} {
			cfg := e.covid
			cfg.RedirectURL = bad
			a := b.authorize(cfg.AuthCodeURL(randState()))
			if a.q != nil || a.res.StatusCode != http.StatusBadRequest || a.res.Header.Get("Location") != "" {
				t.Errorf("redirect_uri %q: %d, Location %q", bad, a.res.StatusCode, a.res.Header.Get("Location"))
			}
		}
		a := b.authorize(strings.Replace(e.covid.AuthCodeURL("s"), "client_id=covid19", "client_id=nobody", 1))
		if a.q != nil || a.res.StatusCode != http.StatusBadRequest {
			t.Errorf("unknown client: %d %v", a.res.StatusCode, a.q)
		}
	})

	t.Run("response types other than code", func(t *testing.T) {
		for _, rt := range []string{"token", "id_token", "code id_token", "code token"} {
			a := b.authorize(e.covid.AuthCodeURL("s", oauth2.SetAuthURLParam("response_type", rt), gooidc.Nonce("n")))
			if a.q == nil || a.q.Get("code") != "" || a.q.Get("error") == "" {
				t.Errorf("response_type %q: %d %v", rt, a.res.StatusCode, a.q)
			}
		}
	})

	t.Run("prompt=none", func(t *testing.T) {
		anon := e.browser()
		state := randState()
		a := anon.authorize(e.covid.AuthCodeURL(state, oauth2.SetAuthURLParam("prompt", "none"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if a.q == nil || a.q.Get("error") != "login_required" || a.q.Get("state") != state || a.q.Get("iss") != e.issuer {
			t.Errorf("prompt=none without a session: %d %v", a.res.StatusCode, a.q)
		}
		b.authorize(e.covid.AuthCodeURL(state, oauth2.SetAuthURLParam("prompt", "none"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).code(t, state)
	})

	t.Run("prompt=login and max_age ask for a fresh signature", func(t *testing.T) {
		first, _ := e.flow(b, e.covid)
		for _, opt := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0")} {
			state, nonce, verifier := randState(), randState(), oauth2.GenerateVerifier()
			a := b.authorize(e.covid.AuthCodeURL(state, opt, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
			if a.q != nil || a.res.StatusCode != 200 || !strings.Contains(a.body, `action="/sso/login"`) {
				t.Fatalf("no certificate page: %d %v", a.res.StatusCode, a.q)
			}
			id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(a.body)[1]
			time.Sleep(1100 * time.Millisecond) // auth_time has a resolution of a second
			res, body := b.signIn(a.body, "/sso/login", e.iss, url.Values{"id": {id}})
			loc, _ := url.Parse(res.Header.Get("Location"))
			if res.StatusCode != http.StatusFound || loc.Host != rpHost {
				t.Fatalf("after signing: %d %s\n%.1500s", res.StatusCode, res.Request.URL, body)
			}
			code := answer{res: res, q: loc.Query()}.code(t, state)
			tok, err := e.covid.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			c := e.verify(e.covid, tok, nonce)
			if c.AuthTime <= first.AuthTime {
				t.Errorf("auth_time %d not after the earlier login's %d", c.AuthTime, first.AuthTime)
			}
		}
		// A generous max_age reuses the session.
		e.flow(b, e.covid, oauth2.SetAuthURLParam("max_age", "3600"))
	})

	t.Run("id_token_hint, login_hint, ui_locales", func(t *testing.T) {
		_, tok := e.flow(b, e.covid)
		hint, _ := tok.Extra("id_token").(string)
		state := randState()
		b.authorize(e.covid.AuthCodeURL(state, oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", hint),
			oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).code(t, state)
		a := b.authorize(e.covid.AuthCodeURL(state, oauth2.SetAuthURLParam("id_token_hint", hint+"x")))
		if a.q == nil || a.q.Get("error") == "" {
			t.Errorf("tampered id_token_hint: %d %v", a.res.StatusCode, a.q)
		}
		a = b.authorize(e.covid.AuthCodeURL(state, oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("login_hint", "someone-else")))
		if a.q == nil || a.q.Get("error") != "login_required" {
			t.Errorf("login_hint of another user with prompt=none: %v", a.q)
		}
		b.authorize(e.covid.AuthCodeURL(state, oauth2.SetAuthURLParam("login_hint", e.user.LoginID),
			oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).code(t, state)
		anon := e.browser()
		a = anon.authorize(e.covid.AuthCodeURL(state, oauth2.SetAuthURLParam("ui_locales", "en-US ko")))
		if a.res.StatusCode != 200 || !strings.Contains(a.body, "Sign in to a system") {
			t.Errorf("ui_locales=en: %d %.500s", a.res.StatusCode, a.body)
		}
		a = anon.authorize(e.covid.AuthCodeURL(state))
		if a.res.StatusCode != 200 || !strings.Contains(a.body, "시스템 로그인") {
			t.Errorf("default language: %d", a.res.StatusCode)
		}
	})

	t.Run("authorisation at the door", func(t *testing.T) {
		iss := issue(t, "이무권", 1, nil)
		u := e.registerUser("ssonorole", e.demo.Medical[0].ID, iss)
		nb := e.browser()
		nb.login(iss)
		a := nb.authorize(e.covid.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if a.q != nil || a.res.StatusCode != http.StatusForbidden ||
			!strings.Contains(a.body, "/account/roles?system="+demo.SystemCovid) {
			t.Errorf("user without a role: %d %v\n%.800s", a.res.StatusCode, a.q, a.body)
		}
		res, body := nb.get(e.base + "/account/roles?system=" + demo.SystemCovid)
		if res.StatusCode != 200 || !regexp.MustCompile(`value="`+fmt.Sprint(e.demo.UserRoleID)+`"[^>]* checked`).MatchString(body) {
			t.Errorf("권한/부가정보 does not preselect the system's role: %d", res.StatusCode)
		}
		a = nb.authorize(e.covid.AuthCodeURL("s", oauth2.SetAuthURLParam("prompt", "none")))
		if a.q == nil || a.q.Get("error") != "access_denied" {
			t.Errorf("prompt=none without a role: %v", a.q)
		}
		if n := e.auditCount(u.ID, "sso.denied"); n < 2 {
			t.Errorf("%d sso.denied events", n)
		}
		// An institution certificate enters the systems whose roles it may
		// hold, with its class in the token, and no other.
		inst := issue(t, "서울내과의원", 2, func(o *pki.IssueOptions) { o.Class = domain.CertInstitution })
		iu := e.registerUser("ssoinst", e.demo.Medical[0].ID, inst)
		e.grant(iu, e.demo.AutoReportRoleID) // needs no personal certificate
		ib := e.browser()
		ib.login(inst)
		a = ib.authorize(e.covid.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if a.q != nil || a.res.StatusCode != http.StatusForbidden {
			t.Errorf("institution certificate into a system where it holds no role: %d %v", a.res.StatusCode, a.q)
		}
		rc, _ := e.flow(ib, e.report)
		if rc.CertClass != "institution" || !slices.Equal(rc.roleCodes(), []string{demo.RoleAutoReport}) {
			t.Errorf("institution login: %+v", rc)
		}
		// Once it also holds a role that needs a personal certificate, the
		// portal holds the session at the certificate page
		// (session_certrule.go): no system is entered with it, not even the
		// one whose role needs none.
		e.grant(iu, e.demo.UserRoleID)
		a = ib.authorize(e.report.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if a.q != nil || a.res.Request.URL.Path != "/account/cert" {
			t.Errorf("institution certificate holding a personal-only role: %d %s %v", a.res.StatusCode, a.res.Request.URL, a.q)
		}
	})

	t.Run("tokens after the grant is revoked", func(t *testing.T) {
		iss := issue(t, "박철회", 3, nil)
		u := e.registerUser("ssorevoked", e.demo.Medical[0].ID, iss)
		g := e.grant(u, e.demo.UserRoleID)
		rb := e.browser()
		rb.login(iss)
		_, tok := e.flow(rb, e.covid)
		if err := e.st.RevokeGrant(context.Background(), g.ID, 0, "test", time.Now()); err != nil {
			t.Fatal(err)
		}
		if st, _ := e.userinfo("GET", tok.AccessToken, false); st == 200 {
			t.Error("userinfo after the grant was revoked")
		}
		_, err := e.covid.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
		if oauthError(err) != "invalid_grant" {
			t.Errorf("refresh after the grant was revoked: %v", err)
		}
		if _, v := e.introspect(tok.AccessToken, "covid19", e.covid.ClientSecret); v["active"] != false {
			t.Errorf("introspection after revocation: %v", v)
		}
	})

	t.Run("introspection", func(t *testing.T) {
		c, tok := e.flow(b, e.covid)
		st, v := e.introspect(tok.AccessToken, "covid19", e.covid.ClientSecret)
		if st != 200 || v["active"] != true || v["sub"] != c.Subject || v["client_id"] != "covid19" {
			t.Errorf("own token: %d %v", st, v)
		}
		if st, _ := e.introspect(tok.AccessToken, "", ""); st != http.StatusUnauthorized {
			t.Errorf("introspection without client authentication: %d", st)
		}
		if st, _ := e.introspect(tok.AccessToken, "covid19", "wrong"); st != http.StatusUnauthorized {
			t.Errorf("introspection with a wrong secret: %d", st)
		}
		parts := strings.Split(tok.AccessToken, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims map[string]any
		json.Unmarshal(payload, &claims)
		claims["exp"] = time.Now().Add(24 * time.Hour).Unix()
		forged, _ := json.Marshal(claims)
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
		hs := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]
		for name, bad := range map[string]string{"tampered": tampered, "alg=none": none, "HS256": hs, "garbage": "a.b.c", "empty": ""} {
			if st, v := e.introspect(bad, "covid19", e.covid.ClientSecret); st != 200 || v["active"] != false {
				t.Errorf("%s token: %d %v", name, st, v)
			}
			if st, _ := e.userinfo("GET", bad, false); st == 200 {
				t.Errorf("%s token accepted at userinfo", name)
			}
		}
		// Another system learns nothing of this one's tokens.
		ri, _ := e.flow(b, e.report)
		_ = ri
		if _, v := e.introspect(tok.AccessToken, "auto-report", ""); v["active"] == true {
			t.Errorf("a public client introspected: %v", v)
		}
	})

	t.Run("revocation", func(t *testing.T) {
		_, tok := e.flow(b, e.covid)
		f := url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}
		r, _ := http.NewRequest("POST", e.issuer+"/revoke", strings.NewReader(f.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("covid19", e.covid.ClientSecret)
		res, err := http.DefaultClient.Do(r)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("revoke: %v %v", err, res)
		}
		res.Body.Close()
		_, err = e.covid.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
		if oauthError(err) != "invalid_grant" {
			t.Errorf("refresh after revocation: %v", err)
		}
		if st, _ := e.userinfo("GET", tok.AccessToken, false); st == 200 {
			t.Error("access token of a revoked refresh token still works")
		}
	})

	t.Run("oversized and malformed requests", func(t *testing.T) {
		post := func(path string, f url.Values, body string) (int, string) {
			var rd io.Reader = strings.NewReader(f.Encode())
			if body != "" {
				rd = strings.NewReader(body)
			}
			r, _ := http.NewRequest("POST", e.issuer+path, rd)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth("covid19", e.covid.ClientSecret)
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		for name, c := range map[string]struct {
			f    url.Values
			body string
			want string
		}{
			"password grant":    {f: url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, want: "unsupported_grant_type"},
			"implicit grant":    {f: url.Values{"grant_type": {"implicit"}}, want: "unsupported_grant_type"},
			"no grant type":     {f: url.Values{}, want: "invalid_request"},
			"no code":           {f: url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {rpCallback}}, want: "invalid_request"},
			"unknown code":      {f: url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {rpCallback}}, want: "invalid_grant"},
			"bad form encoding": {body: "grant_type=%zz&code=%", want: "invalid_request"},
			"huge body":         {body: "grant_type=authorization_code&code=" + strings.Repeat("a", 200<<10), want: "invalid_request"},
		} {
			st, body := post("/oauth/token", c.f, c.body)
			if st >= 500 || st < 400 || !strings.Contains(body, c.want) {
				t.Errorf("%s: %d %s", name, st, body)
			}
		}
		a := b.authorize(e.covid.AuthCodeURL(strings.Repeat("s", 20<<10)))
		if a.res.StatusCode < 400 || a.res.StatusCode >= 500 || a.q != nil {
			t.Errorf("oversized authorization request: %d", a.res.StatusCode)
		}
		a = b.authorize(e.issuer + "/authorize?client_id=covid19&redirect_uri=%zz&response_type=code&scope=openid")
		if a.res.StatusCode != http.StatusBadRequest || a.q != nil {
			t.Errorf("malformed authorization request: %d", a.res.StatusCode)
		}
		if res, _ := b.get(e.base + "/sso/login?id=" + strings.Repeat("x", 100)); res.StatusCode != http.StatusBadRequest {
			t.Errorf("unknown login request: %d", res.StatusCode)
		}
		// A flood of authorization requests from one address is cut off
		// (the limiter counts per address; this test runs on the clock).
		limited := false
		for range 400 {
			r, _ := http.NewRequest("GET", e.covid.AuthCodeURL("s"), nil)
			r.RemoteAddr = "192.0.2.99:1"
			w := httptest.NewRecorder()
			e.s.Handler().ServeHTTP(w, r)
			if w.Code == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		if !limited {
			t.Error("400 authorization requests from one address were not limited")
		}
	})

	t.Run("RP-initiated logout", func(t *testing.T) {
		lb := e.browser()
		lb.login(e.iss)
		_, tok := e.flow(lb, e.covid)
		hint, _ := tok.Extra("id_token").(string)
		q := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {rpCallback}, "state": {"st"}}
		if res, _ := lb.get(e.issuer + "/end_session?" + q.Encode()); res.StatusCode != http.StatusBadRequest {
			t.Errorf("unregistered post_logout_redirect_uri: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		q.Set("post_logout_redirect_uri", rpLoggedOut)
		res, _ := lb.get(e.issuer + "/end_session?" + q.Encode())
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || loc != rpLoggedOut+"?state=st" {
			t.Errorf("logout: %d %q", res.StatusCode, loc)
		}
		if st, _ := e.userinfo("GET", tok.AccessToken, false); st == 200 {
			t.Error("access token of an ended session still works")
		}
		if _, err := e.covid.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token(); err == nil {
			t.Error("refresh token of an ended session still works")
		}
		a := lb.authorize(e.covid.AuthCodeURL("s", oauth2.SetAuthURLParam("prompt", "none")))
		if a.q == nil || a.q.Get("error") != "login_required" {
			t.Errorf("portal session survived the logout: %v", a.q)
		}
	})

	t.Run("back-channel logout: grant revoked, portal logout, a system that is down", func(t *testing.T) {
		var mu sync.Mutex
		var got []string
		down := atomic.Bool{}
		rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			mu.Lock()
			got = append(got, r.PostFormValue("logout_token"))
			mu.Unlock()
		}))
		defer rp.Close()
		ctx := context.Background()
		admin := audit.Actor{Pseudonym: "test"}
		if _, _, err := e.s.SSO().Update(ctx, admin, e.demo.CovidSystemID, sso.ClientSpec{ClientID: "covid19",
			RedirectURIs: []string{rpCallback}, PostLogoutURIs: []string{rpLoggedOut}, BackchannelLogoutURI: rp.URL + "/bcl"}); err != nil {
			t.Fatal(err)
		}
		outbox := e.st.(notify.Outbox)
		dispatch := func(shift time.Duration) notify.Result {
			d := notify.NewDispatcher(outbox, notify.ByKind{Routes: map[string]notify.Mailer{sso.LogoutKind: e.s.SSO().Backchannel(nil)}},
				slog.New(slog.DiscardHandler))
			d.Now = func() time.Time { return time.Now().Add(shift) }
			res, err := d.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		dispatch(0) // anything queued before
		mu.Lock()
		got = nil
		mu.Unlock()
		checkLogout := func(want ssoClaims) {
			t.Helper()
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 {
				t.Fatalf("%d logout tokens, want 1", len(got))
			}
			tok, err := e.provider.Verifier(&gooidc.Config{ClientID: "covid19", SkipExpiryCheck: false}).Verify(ctx, got[0])
			if err != nil {
				t.Fatalf("logout token: %v", err)
			}
			var c struct {
				Sub    string         `json:"sub"`
				Events map[string]any `json:"events"`
				Nonce  *string        `json:"nonce"`
			}
			tok.Claims(&c)
			if c.Sub != want.Subject || c.Events["http://schemas.openid.net/event/backchannel-logout"] == nil || c.Nonce != nil {
				t.Errorf("logout token claims %+v", c)
			}
			got = nil
		}

		iss := issue(t, "최백채", 4, nil)
		u := e.registerUser("ssobackchannel", e.demo.Medical[0].ID, iss)
		g := e.grant(u, e.demo.UserRoleID)
		ub := e.browser()
		ub.login(iss)
		claims, tok := e.flow(ub, e.covid)
		// The grant is revoked through the portal's store: the tokens die in
		// the same transaction and a logout is queued.
		if err := e.s.store.RevokeGrant(ctx, g.ID, 0, "test", time.Now()); err != nil {
			t.Fatal(err)
		}
		live, _ := e.st.ListSSOTokens(ctx, domain.SSOTokenFilter{UserID: u.ID}, time.Now())
		if len(live) != 0 {
			t.Errorf("%d live tokens after the grant was revoked", len(live))
		}
		_, err := e.covid.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
		if oauthError(err) != "invalid_grant" {
			t.Errorf("refresh after revocation: %v", err)
		}
		if res := dispatch(0); res.Sent != 1 {
			t.Fatalf("dispatch: %+v", res)
		}
		checkLogout(claims)

		// The portal logout, while the system is down: retried later.
		e.grant(u, e.demo.UserRoleID)
		claims, _ = e.flow(ub, e.covid)
		_, page := ub.get(e.base + "/menu")
		if res, _ := ub.postForm(e.base+"/logout", url.Values{csrfField: {ub.csrf(page)}}, nil); res.StatusCode != 200 {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		down.Store(true)
		if res := dispatch(0); res.Failed != 1 {
			t.Fatalf("dispatch to a system that is down: %+v", res)
		}
		down.Store(false)
		if res := dispatch(0); res.Claimed != 0 {
			t.Errorf("retried before its back-off: %+v", res)
		}
		if res := dispatch(2 * time.Minute); res.Sent != 1 {
			t.Fatalf("retry: %+v", res)
		}
		checkLogout(claims)

		// "End other sessions" (a certificate change, the session list):
		// the tokens issued in the ended sessions die and the system is
		// told; those of the kept session live on.
		other, this := e.browser(), e.browser()
		other.login(iss)
		claims, _ = e.flow(other, e.covid)
		this.login(iss)
		e.flow(this, e.covid)
		live, _ = e.st.ListSSOTokens(ctx, domain.SSOTokenFilter{UserID: u.ID}, time.Now())
		sessions := map[string]bool{}
		for _, tk := range live {
			sessions[tk.SessionID] = true
		}
		if len(sessions) != 2 {
			t.Fatalf("tokens of %d sessions, want 2", len(sessions))
		}
		newest := live[0]
		for _, tk := range live {
			if tk.CreatedAt.After(newest.CreatedAt) {
				newest = tk
			}
		}
		if n, err := e.s.store.DeleteOtherSessions(ctx, u.ID, newest.SessionID); err != nil || n != 1 {
			t.Fatalf("end other sessions: %d %v", n, err)
		}
		live, _ = e.st.ListSSOTokens(ctx, domain.SSOTokenFilter{UserID: u.ID}, time.Now())
		for _, tk := range live {
			if tk.SessionID != newest.SessionID {
				t.Errorf("a token of an ended session lives on: %+v", tk)
			}
		}
		if len(live) == 0 {
			t.Error("the kept session's tokens died too")
		}
		if res := dispatch(0); res.Sent != 1 {
			t.Fatalf("dispatch after ending other sessions: %+v", res)
		}
		checkLogout(claims)
	})

	t.Run("menu links start the system's login", func(t *testing.T) {
		ctx := context.Background()
		if err := e.st.CreateMenu(ctx, &domain.Menu{SystemID: e.demo.CovidSystemID, Name: "SSO 메뉴", URL: "https://covid.example/app"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.s.SSO().Update(ctx, audit.Actor{Pseudonym: "test"}, e.demo.CovidSystemID, sso.ClientSpec{ClientID: "covid19",
			RedirectURIs: []string{rpCallback}, PostLogoutURIs: []string{rpLoggedOut}, InitiateLoginURI: "https://covid.example/login"}); err != nil {
			t.Fatal(err)
		}
		_, body := b.get(e.base + "/menu")
		want := "https://covid.example/login?iss=" + url.QueryEscape(e.issuer) + "&amp;target_link_uri=" + url.QueryEscape("https://covid.example/app")
		if !strings.Contains(body, want) {
			t.Errorf("menu lacks %s", want)
		}
	})

	t.Run("key rotation keeps old tokens verifiable", func(t *testing.T) {
		_, tok := e.flow(b, e.covid)
		kid, err := e.s.SSO().Rotate(context.Background(), audit.Actor{Pseudonym: "test"}, "ES256")
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := e.userinfo("GET", tok.AccessToken, false); st != 200 {
			t.Errorf("token signed by the retired key: %d", st)
		}
		_, nt := e.flow(b, e.covid)
		raw, _ := nt.Extra("id_token").(string)
		hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
		if !strings.Contains(string(hdr), kid) || !strings.Contains(string(hdr), "ES256") {
			t.Errorf("new token header %s, want kid %s ES256", hdr, kid)
		}
		_, body := b.get(e.issuer + "/keys")
		if strings.Count(body, `"kid"`) < 2 {
			t.Errorf("JWKS after rotation: %s", body)
		}
	})
}

func (e *ssoEnv) auditCount(userID int64, action string) int {
	e.t.Helper()
	ev, err := e.st.ListAudit(context.Background(), store.AuditFilter{Action: action, TargetID: fmt.Sprint(userID)})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ev)
}

var _ = sha256.Sum256

// FuzzSSOEndpoints sends arbitrary queries and bodies to the protocol
// endpoints: none may fail with a server error or panic.
func FuzzSSOEndpoints(f *testing.F) {
	e := newTestEnv(f, nil)
	h := e.s.Handler()
	for _, s := range []string{"grant_type=authorization_code&code=x&redirect_uri=http://a/",
		"client_id=covid19&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb&response_type=code&scope=openid&prompt=none+login",
		"token=a.b.c&token_type_hint=refresh_token", "grant_type=refresh_token&refresh_token=%zz", "max_age=-1&ui_locales=%00"} {
		f.Add("/token", s)
		f.Add("/authorize", s)
	}
	paths := []string{"/oauth/token", "/authorize", "/userinfo", "/oauth/introspect", "/revoke", "/end_session", "/authorize/callback"}
	f.Fuzz(func(t *testing.T, path, body string) {
		p := paths[len(path)%len(paths)]
		for _, r := range []*http.Request{
			httptest.NewRequest("POST", "/oidc"+p, strings.NewReader(body)),
			httptest.NewRequest("GET", "/oidc"+p+"?"+url.PathEscape(body), nil),
		} {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth(path, body)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("%s %s: %d %s", r.Method, p, w.Code, w.Body.String())
			}
		}
	})
}

// TestSSODemoRP is the demo's story without a browser engine: the demo
// system (package demorp, a coreos/go-oidc relying party on its own
// origin) signs a portal user in with the role of the ID token; revoking
// the grant ends its session through the back-channel, and a refresh is
// refused.
func TestSSODemoRP(t *testing.T) {
	e := newSSOEnv(t, testStore(t))
	ctx := context.Background()
	rpSrv := httptest.NewUnstartedServer(nil)
	rpURL := "http://" + rpSrv.Listener.Addr().String()
	secret, _, err := e.s.SSO().Update(ctx, audit.Actor{Pseudonym: "test"}, e.demo.CovidSystemID, sso.ClientSpec{ClientID: "covid19",
		Public: false, RedirectURIs: []string{rpURL + "/callback"}, PostLogoutURIs: []string{rpURL + "/?m=out"},
		BackchannelLogoutURI: rpURL + "/backchannel", InitiateLoginURI: rpURL + "/login"})
	if err != nil {
		t.Fatal(err)
	}
	if secret == "" {
		secret = e.covid.ClientSecret
	}
	rpSrv.Config.Handler = demorp.New(demorp.Config{Issuer: e.issuer, ClientID: "covid19", ClientSecret: secret,
		BaseURL: rpURL, Name: "코로나19예방접종관리 (데모)", Log: slog.New(slog.DiscardHandler)})
	rpSrv.Start()
	defer rpSrv.Close()

	iss := issue(t, "정데모", 4, nil)
	u := e.registerUser("ssodemo", e.demo.Medical[0].ID, iss)
	g := e.grant(u, e.demo.UserRoleID)
	b := e.browser()
	b.login(iss)
	// 메뉴보기 → the system's login → gwanmun (session reused) → back.
	e.st.CreateMenu(ctx, &domain.Menu{SystemID: e.demo.CovidSystemID, Name: "예방접종 등록", URL: rpURL + "/"})
	_, menu := b.get(e.base + "/menu")
	link := regexp.MustCompile(`href="(` + regexp.QuoteMeta(rpURL) + `/login[^"]*)"`).FindStringSubmatch(menu)
	if link == nil {
		t.Fatalf("menu has no link to the system's login")
	}
	res, body := b.get(strings.ReplaceAll(link[1], "&amp;", "&"))
	if res.Request.URL.Host != rpSrv.Listener.Addr().String() || !strings.Contains(body, u.Name+"님") ||
		!strings.Contains(body, `data-code="`+demo.RoleUser+`"`) {
		t.Fatalf("not signed in to the demo system: %d %s\n%.1500s", res.StatusCode, res.Request.URL, body)
	}
	// Refresh works while the grant lasts.
	_, page := b.get(rpURL + "/")
	_ = page
	res, body = b.postForm(rpURL+"/refresh", nil, nil)
	if !strings.Contains(body, "토큰 갱신:") {
		t.Fatalf("refresh: %d\n%.800s", res.StatusCode, body)
	}
	// The grant is revoked: the back-channel ends the session.
	if err := e.s.store.RevokeGrant(ctx, g.ID, 0, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	d := notify.NewDispatcher(e.st.(notify.Outbox), notify.ByKind{Routes: map[string]notify.Mailer{sso.LogoutKind: e.s.SSO().Backchannel(nil)}},
		slog.New(slog.DiscardHandler))
	if r, err := d.RunOnce(ctx); err != nil || r.Sent != 1 {
		t.Fatalf("back-channel dispatch: %+v %v", r, err)
	}
	_, body = b.get(rpURL + "/")
	if !strings.Contains(body, "로그아웃되었습니다") || strings.Contains(body, u.Name+"님") {
		t.Errorf("the demo system's session survived the revocation:\n%.1500s", body)
	}
	// Signing in again is refused at the door.
	res, body = b.get(rpURL + "/login")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "/account/roles?system=") {
		t.Errorf("login without the role: %d %s", res.StatusCode, res.Request.URL)
	}
}
