// Package sso makes gwanmun an OpenID Connect provider for the portal's
// systems (docs/sso.md). The protocol is github.com/zitadel/oidc/v3's op
// package; this package gives it gwanmun's storage (clients per system,
// keys in the database, single-use codes, rotated refresh tokens) and
// rules: who may enter a system (an active grant of it), which claims a
// token carries (the roles of that system only, without those that need a
// personal certificate after an institution-certificate login), and what
// ends a system's session (RevokeUser, RevokeSession: back-channel logout).
//
// The login step is the portal's own: web mounts Handler at /oidc/ and
// the login page at LoginPath, and calls LoginRequest / Authorize.
package sso

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Config configures the provider.
type Config struct {
	// Issuer is the provider's issuer URL, e.g. "https://portal.example/oidc";
	// discovery is at Issuer + "/.well-known/openid-configuration".
	Issuer string
	// LoginURL is the absolute URL of the portal's login step (the page
	// that web serves); the request ID is appended as ?id=.
	LoginURL string
	// LogoutURL is where RP-initiated logout ends when the client names no
	// post-logout redirect URI (the portal's home page).
	LogoutURL string
	// Alg is the algorithm of new signing keys: "RS256" (default) or "ES256".
	Alg string
	Now func() time.Time
	Log *slog.Logger
}

// Provider is the OpenID Connect provider.
type Provider struct {
	cfg   Config
	store store.Store
	now   func() time.Time
	log   *slog.Logger
	alg   jose.SignatureAlgorithm
	op    *op.Provider

	keyCache keyCache

	secretMu sync.Mutex
	secret   []byte // pairwise subject key, shared through the store

	// Wake, when set, is called after a transaction queued back-channel
	// logouts (the outbox dispatcher's Wake).
	Wake func()
}

// New returns a provider on st.
func New(cfg Config, st store.Store) (*Provider, error) {
	if cfg.Issuer == "" || cfg.LoginURL == "" {
		return nil, errors.New("sso: Issuer and LoginURL are required")
	}
	p := &Provider{cfg: cfg, store: st, now: cfg.Now, log: cfg.Log, alg: jose.RS256}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if cfg.Alg != "" {
		p.alg = jose.SignatureAlgorithm(cfg.Alg)
		if p.alg != jose.RS256 && p.alg != jose.ES256 {
			return nil, fmt.Errorf("sso: signing algorithm %q is not supported (RS256, ES256)", cfg.Alg)
		}
	}
	opCfg := &op.Config{
		DefaultLogoutRedirectURI:   cfg.LogoutURL,
		CodeMethodS256:             true,
		AuthMethodPost:             true,
		GrantTypeRefreshToken:      true,
		SupportedUILocales:         []language.Tag{language.Korean, language.English},
		SupportedClaims:            supportedClaims,
		SupportedScopes:            supportedScopes,
		BackChannelLogoutSupported: true,
	}
	ks := keySet{p}
	opts := []op.Option{
		op.WithCrypto(opaqueCodes{}),
		op.WithAccessTokenKeySet(ks),
		op.WithIDTokenHintKeySet(ks),
	}
	if len(cfg.Issuer) > 5 && cfg.Issuer[:5] == "http:" {
		opts = append(opts, op.WithAllowInsecure())
	}
	var err error
	p.op, err = op.NewProvider(opCfg, &storage{p: p}, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Handler serves the protocol endpoints relative to the issuer's path
// (mount it with that prefix stripped): /.well-known/openid-configuration,
// /authorize, /authorize/callback, /oauth/token, /userinfo, /keys,
// /revoke, /oauth/introspect, /end_session.
func (p *Provider) Handler() http.Handler { return handler{p} }

// Issuer returns the issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// opaqueCodes makes authorization codes: 256 random bits, looked up by
// their hash (so any process redeems them). They are never decrypted;
// access tokens are JWTs verified with the published keys.
type opaqueCodes struct{}

func (opaqueCodes) Encrypt(string) (string, error) { return randomID(32), nil }
func (opaqueCodes) Decrypt(string) (string, error) { return "", errors.New("not an opaque token") }

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// subject returns the sub claim of a user for a client: pairwise clients
// get a value of their own system (systems cannot match their users by
// it), public clients one shared by every public client. Both are keyed
// with a secret of the database, so they cannot be computed from the
// user's number.
func (p *Provider) subject(ctx context.Context, c domain.SSOClient, userID int64) (string, error) {
	key, err := p.pairwiseKey(ctx)
	if err != nil {
		return "", err
	}
	sector := "public"
	if c.SubjectType != "public" {
		sector = "system:" + strconv.FormatInt(c.SystemID, 10)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sector + "\x00" + strconv.FormatInt(userID, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:20]), nil
}

func (p *Provider) pairwiseKey(ctx context.Context) ([]byte, error) {
	p.secretMu.Lock()
	defer p.secretMu.Unlock()
	if p.secret != nil {
		return p.secret, nil
	}
	cand := make([]byte, 32)
	rand.Read(cand)
	v, err := p.store.SSOSecret(ctx, "subject", cand)
	if err != nil {
		return nil, err
	}
	p.secret = v
	return v, nil
}

// activeClient returns the client with clientID if it may be used: not
// disabled, its system not retired.
func (p *Provider) activeClient(ctx context.Context, clientID string) (domain.SSOClient, domain.System, error) {
	c, err := p.store.GetSSOClient(ctx, clientID)
	if err != nil {
		return c, domain.System{}, err
	}
	if !c.DisabledAt.IsZero() {
		return c, domain.System{}, fmt.Errorf("client %q is disabled: %w", clientID, store.ErrNotFound)
	}
	sys, err := p.store.GetSystem(ctx, c.SystemID)
	if err != nil {
		return c, sys, err
	}
	if !sys.RetiredAt.IsZero() {
		return c, sys, fmt.Errorf("system of client %q is retired: %w", clientID, store.ErrNotFound)
	}
	return c, sys, nil
}

// errNotFound is what op is told for an unknown client or token.
type notFoundError struct{ error }

func (notFoundError) IsNotFound() {}

var _ = oidc.ScopeOpenID
