package sso

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// params are the protocol parameters of an authorization request, kept
// in domain.SSOAuthRequest.Params.
type params struct {
	Scopes        []string `json:"scope"`
	RedirectURI   string   `json:"redirect_uri"`
	State         string   `json:"state,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	ResponseMode  string   `json:"response_mode,omitempty"`
	Prompt        []string `json:"prompt,omitempty"`
	MaxAge        *uint    `json:"max_age,omitempty"`
	UILocales     []string `json:"ui_locales,omitempty"`
	LoginHint     string   `json:"login_hint,omitempty"`
	HintSubject   string   `json:"hint_sub,omitempty"` // sub of a valid id_token_hint
	Challenge     string   `json:"code_challenge,omitempty"`
	ChallengeMeth string   `json:"code_challenge_method,omitempty"`
}

// authRequest is a stored request as op sees it.
type authRequest struct {
	a   domain.SSOAuthRequest
	p   params
	sub string // set once a user authenticated
}

var _ op.AuthRequest = (*authRequest)(nil)

func (r *authRequest) GetID() string          { return r.a.ID }
func (r *authRequest) GetACR() string         { return "" }
func (r *authRequest) GetAMR() []string       { return r.a.AMR }
func (r *authRequest) GetAudience() []string  { return []string{r.a.ClientID} }
func (r *authRequest) GetAuthTime() time.Time { return r.a.AuthTime }
func (r *authRequest) GetClientID() string    { return r.a.ClientID }
func (r *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if r.p.Challenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: r.p.Challenge, Method: oidc.CodeChallengeMethod(r.p.ChallengeMeth)}
}
func (r *authRequest) GetNonce() string                   { return r.p.Nonce }
func (r *authRequest) GetRedirectURI() string             { return r.p.RedirectURI }
func (r *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseTypeCode }
func (r *authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(r.p.ResponseMode) }
func (r *authRequest) GetScopes() []string                { return r.p.Scopes }
func (r *authRequest) GetState() string                   { return r.p.State }
func (r *authRequest) GetSubject() string                 { return r.sub }
func (r *authRequest) Done() bool                         { return r.a.Done() }

// refreshRequest is a refresh token being used.
type refreshRequest struct {
	t      domain.SSOToken
	sub    string
	scopes []string
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string            { return r.t.AMR }
func (r *refreshRequest) GetAudience() []string       { return []string{r.t.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.t.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.t.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.sub }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// storage is op.Storage on gwanmun's store.
type storage struct{ p *Provider }

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
)

var errInvalid = errors.New("invalid or expired")

func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSub string) (op.AuthRequest, error) {
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only the authorization code flow (response_type=code) is supported")
	}
	c, _, err := s.p.activeClient(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	if c.Public && req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if req.ResponseMode != "" && req.ResponseMode != oidc.ResponseModeQuery && req.ResponseMode != oidc.ResponseModeFormPost {
		return nil, oidc.ErrInvalidRequest().WithDescription("response_mode must be query or form_post")
	}
	p := params{Scopes: req.Scopes, RedirectURI: req.RedirectURI, State: req.State, Nonce: req.Nonce,
		ResponseMode: string(req.ResponseMode), Prompt: req.Prompt, MaxAge: req.MaxAge, LoginHint: req.LoginHint,
		HintSubject: hintSub, Challenge: req.CodeChallenge, ChallengeMeth: string(req.CodeChallengeMethod)}
	for _, l := range req.UILocales {
		p.UILocales = append(p.UILocales, l.String())
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	now := s.p.now()
	a := domain.SSOAuthRequest{ID: randomID(24), ClientID: c.ClientID, Params: b, CreatedAt: now, ExpiresAt: now.Add(RequestTTL)}
	// Single writes go through InTx too: on SQLite concurrent transactions
	// share one commit (group commit), single statements each pay their own.
	if err := s.p.store.InTx(ctx, func(tx store.Queries) error { return tx.CreateSSOAuthRequest(ctx, &a) }); err != nil {
		return nil, err
	}
	return &authRequest{a: a, p: p}, nil
}

// load turns a stored request into an authRequest.
func (s *storage) load(ctx context.Context, a domain.SSOAuthRequest) (*authRequest, error) {
	r := &authRequest{a: a}
	if err := json.Unmarshal(a.Params, &r.p); err != nil {
		return nil, err
	}
	if a.Done() {
		c, err := s.p.store.GetSSOClient(ctx, a.ClientID)
		if err != nil {
			return nil, err
		}
		if r.sub, err = s.p.subject(ctx, c, a.UserID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	a, err := s.p.store.GetSSOAuthRequest(ctx, id)
	if err != nil {
		return nil, notFoundError{err}
	}
	if !s.p.now().Before(a.ExpiresAt) || len(a.CodeHash) > 0 {
		return nil, oidc.ErrInvalidRequest().WithDescription("the authorization request expired or was used")
	}
	return s.load(ctx, a)
}

// AuthRequestByCode finds the request of a code. A code redeemed before
// is an attack or a broken client: the tokens issued for it are revoked
// (RFC 6749 §4.1.2).
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	a, err := s.p.store.GetSSOAuthRequestByCode(ctx, hashOf(code))
	if err != nil {
		return nil, errInvalid
	}
	if !a.RedeemedAt.IsZero() {
		s.p.codeReused(ctx, a)
		return nil, oidc.ErrInvalidGrant().WithDescription("code already used; the tokens issued for it are revoked")
	}
	if !s.p.now().Before(a.CodeExpiresAt) {
		return nil, oidc.ErrInvalidGrant().WithDescription("code expired")
	}
	return s.load(ctx, a)
}

// codeReused revokes the tokens of a request whose code came back.
func (p *Provider) codeReused(ctx context.Context, a domain.SSOAuthRequest) {
	n, err := p.store.RevokeSSOTokens(ctx, domain.SSOTokenFilter{AuthRequestID: a.ID}, p.now())
	if err != nil {
		p.log.Error("sso: revoke tokens of a reused code", "err", err)
	}
	p.audit(ctx, a.UserID, "sso.code_reused", map[string]any{"client_id": a.ClientID, "revoked": n})
}

// audit records an event about user (the system as actor).
func (p *Provider) audit(ctx context.Context, userID int64, action string, detail map[string]any) {
	if err := audit.Log(ctx, p.store, audit.System, action, "user", userID, detail, p.now()); err != nil {
		p.log.Error("sso: audit", "action", action, "err", err)
	}
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.p.store.InTx(ctx, func(tx store.Queries) error {
		return tx.SetSSOAuthCode(ctx, id, hashOf(code), s.p.now().Add(CodeTTL))
	})
}

// DeleteAuthRequest keeps the request until it expires: a second use of
// its code must still be recognised.
func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error { return nil }

func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, _, exp, err := s.issue(ctx, req, "")
	return id, exp, err
}

func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	return s.issue(ctx, req, current)
}

// issue makes an access token, and a refresh token when the request is a
// code exchange with offline_access or a refresh (which rotates: the used
// refresh token dies, a second use of it revokes the whole family).
func (s *storage) issue(ctx context.Context, req op.TokenRequest, currentRefresh string) (accessID, refresh string, exp time.Time, err error) {
	now := s.p.now()
	var base domain.SSOToken
	var redeem string
	wantRefresh := false
	var refreshExp time.Time
	switch r := req.(type) {
	case *authRequest:
		base = domain.SSOToken{ClientID: r.a.ClientID, UserID: r.a.UserID, AuthRequestID: r.a.ID, SessionID: r.a.SessionID,
			Scopes: r.p.Scopes, AMR: r.a.AMR, CertClass: r.a.CertClass, AuthTime: r.a.AuthTime}
		redeem = r.a.ID
		wantRefresh = slices.Contains(r.p.Scopes, oidc.ScopeOfflineAccess)
	case *refreshRequest:
		base = r.t
		base.Scopes = r.scopes
		wantRefresh = true
		refreshExp = r.t.ExpiresAt // rotation keeps the family's end
	default:
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	c, _, err := s.p.activeClient(ctx, base.ClientID)
	if err != nil {
		return "", "", time.Time{}, oidc.ErrInvalidClient().WithParent(err)
	}
	if !s.p.mayEnter(ctx, base.UserID, c.SystemID, base.CertClass) {
		s.p.revokeFamily(ctx, base.AuthRequestID)
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("the user holds no active role of this system")
	}
	access := base
	access.ID, access.Kind, access.RefreshHash = randomID(18), "access", nil
	access.CreatedAt, access.ExpiresAt = now, now.Add(c.AccessTokenTTL)
	err = s.p.store.InTx(ctx, func(tx store.Queries) error {
		if redeem != "" {
			if err := tx.RedeemSSOAuthCode(ctx, redeem, now); errors.Is(err, store.ErrConflict) {
				return errCodeRace
			} else if err != nil {
				return err
			}
		}
		if currentRefresh != "" {
			old := req.(*refreshRequest).t
			if err := tx.RevokeSSOToken(ctx, old.ID, now); errors.Is(err, store.ErrConflict) {
				return errRefreshRace
			} else if err != nil {
				return err
			}
		}
		if err := tx.CreateSSOToken(ctx, &access); err != nil {
			return err
		}
		if !wantRefresh {
			return nil
		}
		refresh = randomID(32)
		rt := base
		rt.ID, rt.Kind, rt.RefreshHash = randomID(18), "refresh", hashOf(refresh)
		rt.CreatedAt, rt.ExpiresAt = now, refreshExp
		if rt.ExpiresAt.IsZero() {
			rt.ExpiresAt = now.Add(c.RefreshTokenTTL)
		}
		return tx.CreateSSOToken(ctx, &rt)
	})
	switch {
	case errors.Is(err, errCodeRace):
		a, _ := s.p.store.GetSSOAuthRequest(ctx, redeem)
		s.p.codeReused(ctx, a)
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("code already used")
	case errors.Is(err, errRefreshRace):
		s.p.revokeFamily(ctx, base.AuthRequestID)
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used")
	case err != nil:
		return "", "", time.Time{}, err
	}
	return access.ID, refresh, access.ExpiresAt, nil
}

var (
	errCodeRace    = errors.New("code redeemed concurrently")
	errRefreshRace = errors.New("refresh token used concurrently")
)

// mayEnter reports whether the user may still use the system: not locked
// or withdrawn, with an active role of it (for a login of class).
func (p *Provider) mayEnter(ctx context.Context, userID, systemID int64, class domain.CertClass) bool {
	u, err := p.store.GetUser(ctx, userID)
	if err != nil || u.Status == domain.UserLocked || u.Status == domain.UserWithdrawn {
		return false
	}
	roles, err := p.Roles(ctx, userID, systemID, class)
	return err == nil && len(roles) > 0
}

// revokeFamily revokes every token descending from one code exchange.
func (p *Provider) revokeFamily(ctx context.Context, authRequestID string) {
	if authRequestID == "" {
		return
	}
	if _, err := p.store.RevokeSSOTokens(ctx, domain.SSOTokenFilter{AuthRequestID: authRequestID}, p.now()); err != nil {
		p.log.Error("sso: revoke token family", "err", err)
	}
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	t, err := s.p.store.GetSSOTokenByRefreshHash(ctx, hashOf(token))
	if err != nil || t.Kind != "refresh" {
		return nil, errInvalid
	}
	if !t.RevokedAt.IsZero() {
		// A rotated (or revoked) token came back: whoever holds the
		// family may be an attacker; end it.
		s.p.revokeFamily(ctx, t.AuthRequestID)
		s.p.audit(ctx, t.UserID, "sso.refresh_reused", map[string]any{"client_id": t.ClientID})
		return nil, errInvalid
	}
	if !s.p.now().Before(t.ExpiresAt) {
		return nil, errInvalid
	}
	c, err := s.p.store.GetSSOClient(ctx, t.ClientID)
	if err != nil {
		return nil, err
	}
	sub, err := s.p.subject(ctx, c, t.UserID)
	if err != nil {
		return nil, err
	}
	return &refreshRequest{t: t, sub: sub, scopes: t.Scopes}, nil
}

// TerminateSession is not used: TerminateSessionFromRequest is.
func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error { return nil }

// TerminateSessionFromRequest ends, on RP-initiated logout, the portal
// session of the browser (when web put one in the context) with every
// token issued in it, and returns where to send the browser.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	if end, ok := ctx.Value(endSessionKey{}).(EndSession); ok && end != nil {
		if err := end(ctx); err != nil {
			return "", err
		}
	}
	return req.RedirectURI, nil
}

// RevokeToken revokes a token of clientID (RFC 7009): with it, every token
// of the same code exchange. Unknown tokens are no error.
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	t, err := s.p.store.GetSSOToken(ctx, tokenOrID)
	if err != nil {
		if t2, err2 := s.p.store.GetSSOTokenByRefreshHash(ctx, hashOf(tokenOrID)); err2 == nil {
			t, err = t2, nil
		}
	}
	if err != nil {
		return nil
	}
	if t.ClientID != clientID {
		return oidc.ErrUnauthorizedClient().WithDescription("the token was not issued to this client")
	}
	if t.Kind == "refresh" {
		s.p.revokeFamily(ctx, t.AuthRequestID)
		return nil
	}
	if err := s.p.store.RevokeSSOToken(ctx, t.ID, s.p.now()); err != nil && !errors.Is(err, store.ErrConflict) {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.p.store.GetSSOTokenByRefreshHash(ctx, hashOf(token))
	if err != nil || t.Kind != "refresh" {
		return "", "", op.ErrInvalidRefreshToken
	}
	return "", t.ID, nil
}

func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	c, _, err := s.p.activeClient(ctx, clientID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFoundError{err}
		}
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &client{c: c, loginURL: s.p.cfg.LoginURL}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	c, _, err := s.p.activeClient(ctx, clientID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errInvalid
		}
		return oidc.ErrServerError().WithParent(err)
	}
	if c.Public || !secretMatches(c.SecretHash, secret) {
		return errInvalid
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(ctx context.Context, info *oidc.UserInfo, userID, clientID string, scopes []string) error {
	return nil
}

func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	var userID int64
	var class domain.CertClass
	switch r := req.(type) {
	case *authRequest:
		userID, class = r.a.UserID, r.a.CertClass
	case *refreshRequest:
		userID, class = r.t.UserID, r.t.CertClass
	default:
		return oidc.ErrServerError().WithDescription("unexpected token request")
	}
	c, err := s.p.store.GetSSOClient(ctx, req.GetClientID())
	if err != nil {
		return err
	}
	return s.p.fillUserinfo(ctx, info, c, userID, class, scopes)
}

// liveAccessToken returns the stored access token with id if still usable.
func (p *Provider) liveAccessToken(ctx context.Context, id string) (domain.SSOToken, domain.SSOClient, error) {
	t, err := p.store.GetSSOToken(ctx, id)
	if err != nil || t.Kind != "access" || !t.Active(p.now()) {
		return t, domain.SSOClient{}, oidc.ErrInvalidRequest().WithDescription("access token invalid")
	}
	c, _, err := p.activeClient(ctx, t.ClientID)
	if err != nil {
		return t, c, oidc.ErrInvalidRequest().WithDescription("access token invalid")
	}
	return t, c, nil
}

func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	t, c, err := s.p.liveAccessToken(ctx, tokenID)
	if err != nil {
		return err
	}
	return s.p.fillUserinfo(ctx, info, c, t.UserID, t.CertClass, t.Scopes)
}

// SetIntrospectionFromToken answers introspection of a live access token
// issued to the asking client only: a system learns nothing about other
// systems' tokens.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, c, err := s.p.liveAccessToken(ctx, tokenID)
	if err != nil {
		return err
	}
	if t.ClientID != clientID {
		return oidc.ErrInvalidRequest()
	}
	info := new(oidc.UserInfo)
	if err := s.p.fillUserinfo(ctx, info, c, t.UserID, t.CertClass, t.Scopes); err != nil {
		return err
	}
	resp.SetUserInfo(info)
	resp.Scope = t.Scopes
	resp.ClientID = t.ClientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(t.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(t.CreatedAt)
	resp.AuthTime = oidc.FromTime(t.AuthTime)
	resp.Audience = []string{t.ClientID}
	resp.AuthenticationMethodsReferences = t.AMR
	resp.Issuer = s.p.cfg.Issuer
	resp.JWTID = t.ID
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(ctx context.Context, userID, clientID string, scopes []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, scopes []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	return nil, errors.New("sso: JWT client authentication is not supported")
}

func (s *storage) ValidateJWTProfileScopes(ctx context.Context, userID string, scopes []string) ([]string, error) {
	return nil, errors.New("sso: the JWT profile grant is not supported")
}

func (s *storage) Health(ctx context.Context) error { return s.p.store.Ping(ctx) }
