package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/bench/harness"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// -sso: the OpenID Connect code flow of a system whose user already has a
// portal session (docs/sso.md): GET /oidc/authorize → /sso/login (session
// reused) → /oidc/authorize/callback → the redirect URI with a code; POST
// /oidc/oauth/token (client_secret_basic, PKCE); GET /oidc/userinfo. One
// timed request is the whole flow.

const (
	ssoBenchClient   = "bench-covid19"
	ssoBenchRedirect = "http://127.0.0.1:1/cb" // never contacted
)

// setupSSO registers the covid system as a client (a new secret each run)
// and gives every bench user its user role, so that the flow passes the
// door.
func setupSSO(ctx context.Context, st store.Store, users []benchUser) (string, error) {
	if _, err := demo.Seed(ctx, st, time.Now()); err != nil {
		return "", err
	}
	sys, err := st.GetSystemByCode(ctx, demo.SystemCovid)
	if err != nil {
		return "", err
	}
	role, err := st.GetRoleByCode(ctx, sys.ID, demo.RoleUser)
	if err != nil {
		return "", err
	}
	for i := range users {
		du, err := st.GetUserByLoginID(ctx, loginID(i))
		if err != nil {
			return "", fmt.Errorf("bench user %s: %w", loginID(i), err)
		}
		g := domain.Grant{UserID: du.ID, RoleID: role.ID, GrantedAt: time.Now()}
		if err := st.CreateGrant(ctx, &g); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return "", err
		}
	}
	p, err := sso.New(sso.Config{Issuer: "http://bench.invalid/oidc", LoginURL: "http://bench.invalid/sso/login"}, st)
	if err != nil {
		return "", err
	}
	spec := sso.ClientSpec{ClientID: ssoBenchClient, RedirectURIs: []string{ssoBenchRedirect}}
	if _, err := st.GetSSOClientOfSystem(ctx, sys.ID); errors.Is(err, store.ErrNotFound) {
		secret, _, err := p.Register(ctx, benchActor, sys.ID, spec)
		return secret, err
	} else if err != nil {
		return "", err
	}
	if _, _, err := p.Update(ctx, benchActor, sys.ID, spec); err != nil {
		return "", err
	}
	return p.NewClientSecret(ctx, benchActor, sys.ID)
}

// ssoScenario times whole code flows with the sessions of the login run.
type ssoScenario struct {
	BaseURL  string
	Secret   string
	Sessions []*http.Cookie
}

func (s *ssoScenario) Name() string { return "sso code flow" }

func (s *ssoScenario) Prepare(ctx context.Context, clients []*http.Client, n int) error {
	if len(s.Sessions) == 0 {
		return errors.New("-sso needs sessions from the login run")
	}
	return nil
}

func (s *ssoScenario) Do(ctx context.Context, c *http.Client, i int) harness.Outcome {
	nc := *c
	nc.Jar = nil
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	session := s.Sessions[i%len(s.Sessions)]
	b := make([]byte, 32)
	rand.Read(b)
	verifier := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {ssoBenchClient}, "redirect_uri": {ssoBenchRedirect}, "response_type": {"code"},
		"scope": {"openid profile roles"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	next := s.BaseURL + "/oidc/authorize?" + q.Encode()
	var code string
	for hop := 0; hop < 4 && code == ""; hop++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		req.AddCookie(session)
		res, err := nc.Do(req)
		if err != nil {
			return harness.Outcome{Err: err}
		}
		harness.Drain(res.Body, 1<<20)
		if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
			return harness.Outcome{Status: res.StatusCode, Code: fmt.Sprintf("authorize hop %d", hop)}
		}
		loc, err := res.Location()
		if err != nil {
			return harness.Outcome{Status: res.StatusCode, Err: err}
		}
		if loc.Host == "127.0.0.1:1" {
			if code = loc.Query().Get("code"); code == "" {
				return harness.Outcome{Status: res.StatusCode, Code: "authorize: " + loc.Query().Get("error")}
			}
			break
		}
		next = loc.String()
	}
	if code == "" {
		return harness.Outcome{Code: "no code"}
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {ssoBenchRedirect}, "code_verifier": {verifier}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.BaseURL+"/oidc/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ssoBenchClient, s.Secret)
	res, err := nc.Do(req)
	if err != nil {
		return harness.Outcome{Err: err}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	harness.Drain(res.Body, 1<<20)
	if err != nil || res.StatusCode != http.StatusOK || tok.AccessToken == "" {
		return harness.Outcome{Status: res.StatusCode, Code: "token: " + tok.Error, Err: err}
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+"/oidc/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = nc.Do(req)
	if err != nil {
		return harness.Outcome{Err: err}
	}
	harness.Drain(res.Body, 1<<20)
	if res.StatusCode != http.StatusOK {
		return harness.Outcome{Status: res.StatusCode, Code: "userinfo"}
	}
	return harness.Outcome{Status: res.StatusCode, OK: true}
}

// runSSO sets the flow up in db and times it with the login run's sessions.
func runSSO(ctx context.Context, cfg harness.Config, clients []*http.Client, baseURL, db string, users []benchUser,
	sessions []*http.Cookie, rep *report, stdout io.Writer) error {
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		return fmt.Errorf("open %s: %w", redactURL(db), err)
	}
	secret, err := setupSSO(ctx, st, users)
	st.Close()
	if err != nil {
		return fmt.Errorf("sso setup: %w", err)
	}
	var live []*http.Cookie
	for _, c := range sessions {
		if c != nil {
			live = append(live, c)
		}
	}
	res, err := harness.Run(ctx, cfg, &ssoScenario{BaseURL: baseURL, Secret: secret, Sessions: live}, clients)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res.Summary())
	rep.pages = append(rep.pages, res)
	return nil
}
