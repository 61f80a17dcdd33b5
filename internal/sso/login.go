package sso

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ErrNoRequest: the authorization request is unknown, expired or used.
var ErrNoRequest = errors.New("sso: no such authorization request")

// LoginRequest is what the portal's login step needs to know of an
// authorization request.
type LoginRequest struct {
	ID     string
	Client domain.SSOClient
	System domain.System
	// PromptNone: no page may be shown. PromptLogin (or max_age=0): the
	// user must sign a fresh certificate challenge.
	PromptNone, PromptLogin bool
	// MaxAge, when HasMaxAge, is the oldest authentication accepted.
	MaxAge    time.Duration
	HasMaxAge bool
	LoginHint string
	UILocales []string
	// hintSubject is the sub of a valid id_token_hint.
	hintSubject string
	redirectURI string
	state       string
}

// LoginRequest returns the authorization request id, waiting for its login.
func (p *Provider) LoginRequest(ctx context.Context, id string) (LoginRequest, error) {
	if id == "" || len(id) > 64 {
		return LoginRequest{}, ErrNoRequest
	}
	a, err := p.store.GetSSOAuthRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return LoginRequest{}, ErrNoRequest
	} else if err != nil {
		return LoginRequest{}, err
	}
	if a.Done() || !p.now().Before(a.ExpiresAt) {
		return LoginRequest{}, ErrNoRequest
	}
	var pr params
	if err := json.Unmarshal(a.Params, &pr); err != nil {
		return LoginRequest{}, err
	}
	c, sys, err := p.activeClient(ctx, a.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return LoginRequest{}, ErrNoRequest
	} else if err != nil {
		return LoginRequest{}, err
	}
	r := LoginRequest{ID: a.ID, Client: c, System: sys, LoginHint: pr.LoginHint, UILocales: pr.UILocales,
		hintSubject: pr.HintSubject, redirectURI: pr.RedirectURI, state: pr.State}
	r.PromptNone = slices.Contains(pr.Prompt, oidc.PromptNone)
	r.PromptLogin = slices.Contains(pr.Prompt, oidc.PromptLogin)
	if pr.MaxAge != nil {
		r.HasMaxAge, r.MaxAge = true, time.Duration(*pr.MaxAge)*time.Second
	}
	return r, nil
}

// Login is the portal login a user has: their session and how they
// authenticated. Fresh is set when they signed a certificate challenge
// for this very request.
type Login struct {
	User      domain.User
	SessionID string
	AuthTime  time.Time
	CertClass domain.CertClass
	Fresh     bool
}

// Step is what the login step does next.
type Step int

const (
	// StepProceed: the user may enter; call Complete.
	StepProceed Step = iota
	// StepSign: show the certificate login (no session, or a fresh
	// signature is asked for).
	StepSign
	// StepDenied: the user holds no role of the system; show the page that
	// says so and links to 권한/부가정보.
	StepDenied
	// StepError: answer the client with the OAuth error (ErrorRedirect):
	// prompt=none and a page would be needed.
	StepError
)

// Decide returns the next step for request r and the user's login (nil:
// no session), and, for StepError, the OAuth error code.
func (p *Provider) Decide(ctx context.Context, r LoginRequest, l *Login) (Step, string, error) {
	needSign := l == nil
	if l != nil && !l.Fresh {
		switch {
		case r.PromptLogin:
			needSign = true
		case r.HasMaxAge && p.now().Sub(l.AuthTime) > r.MaxAge:
			needSign = true
		case r.LoginHint != "" && r.LoginHint != l.User.LoginID:
			needSign = true
		case r.hintSubject != "":
			sub, err := p.subject(ctx, r.Client, l.User.ID)
			if err != nil {
				return 0, "", err
			}
			needSign = sub != r.hintSubject
		}
	}
	if needSign {
		if r.PromptNone {
			return StepError, string(oidc.LoginRequired), nil
		}
		return StepSign, "", nil
	}
	roles, err := p.Roles(ctx, l.User.ID, r.System.ID, l.CertClass)
	if err != nil {
		return 0, "", err
	}
	if len(roles) == 0 || l.User.Status == domain.UserLocked || l.User.Status == domain.UserWithdrawn {
		p.audit(ctx, l.User.ID, "sso.denied", map[string]any{"client_id": r.Client.ClientID, "reason": "no_role"})
		if r.PromptNone {
			return StepError, string(oidc.AccessDenied), nil
		}
		return StepDenied, "", nil
	}
	return StepProceed, "", nil
}

// Complete records that l's user authenticated for r and returns the URL
// that sends the browser on to the client with a code.
func (p *Provider) Complete(ctx context.Context, r LoginRequest, l Login, clientAddr string) (string, error) {
	a := domain.SSOAuthRequest{ID: r.ID, UserID: l.User.ID, SessionID: l.SessionID, AuthTime: l.AuthTime,
		CertClass: l.CertClass, AMR: certAMR}
	err := p.store.InTx(ctx, func(tx store.Queries) error {
		if err := tx.CompleteSSOAuthRequest(ctx, &a); err != nil {
			return err
		}
		return audit.Log(ctx, tx, audit.ActorOf(l.User, clientAddr), "sso.login", "user", l.User.ID,
			map[string]any{"client_id": r.Client.ClientID, "system": r.System.Code, "cert_class": string(l.CertClass), "fresh": l.Fresh}, p.now())
	})
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return "", ErrNoRequest
	} else if err != nil {
		return "", err
	}
	return p.cfg.Issuer + "/authorize/callback?id=" + url.QueryEscape(r.ID), nil
}

// ErrorRedirect returns the URL that answers r's client with an OAuth
// error (its redirect URI was checked when the request was made).
func (p *Provider) ErrorRedirect(r LoginRequest, code, description string) string {
	u, err := url.Parse(r.redirectURI)
	if err != nil {
		return p.cfg.LogoutURL
	}
	q := u.Query()
	q.Set("error", code)
	if description != "" {
		q.Set("error_description", description)
	}
	if r.state != "" {
		q.Set("state", r.state)
	}
	q.Set("iss", p.cfg.Issuer) // RFC 9207
	u.RawQuery = q.Encode()
	return u.String()
}

// EndSession ends the portal session of the browser that asked for an
// RP-initiated logout; web puts it in the request context with
// WithEndSession.
type EndSession func(ctx context.Context) error

type endSessionKey struct{}

// WithEndSession returns ctx carrying end.
func WithEndSession(ctx context.Context, end EndSession) context.Context {
	return context.WithValue(ctx, endSessionKey{}, end)
}
