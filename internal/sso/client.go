package sso

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Token lifetimes: the defaults of a new client and the bounds an
// administrator may choose within.
const (
	DefaultAccessTTL  = 10 * time.Minute
	DefaultIDTTL      = 10 * time.Minute
	DefaultRefreshTTL = 8 * time.Hour
	MaxAccessTTL      = time.Hour
	MaxRefreshTTL     = 30 * 24 * time.Hour
	// CodeTTL is how long an authorization code may be redeemed.
	CodeTTL = 60 * time.Second
	// RequestTTL is how long the login step of an authorization request may take.
	RequestTTL = 10 * time.Minute
	maxURIs    = 10
	maxURILen  = 512
)

var clientIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// ClientSpec is what an administrator registers for a system.
type ClientSpec struct {
	ClientID             string
	Public               bool
	RedirectURIs         []string
	PostLogoutURIs       []string
	BackchannelLogoutURI string
	InitiateLoginURI     string
	SubjectType          string // "pairwise" (default) or "public"
	AccessTTL, IDTTL     time.Duration
	RefreshTTL           time.Duration
}

// Validate checks a registration and fills in the defaults. Redirect URIs
// are absolute https URLs (or http on a loopback address, for development
// and the demo) without fragment; they are later matched exactly.
func (c *ClientSpec) Validate() error {
	c.ClientID = strings.TrimSpace(c.ClientID)
	if !clientIDPattern.MatchString(c.ClientID) {
		return domain.Errorf(domain.EINVALID, "client ID must be 3-64 characters of a-z, 0-9, '.', '_' and '-'")
	}
	var err error
	if c.RedirectURIs, err = cleanURIs("redirect URI", c.RedirectURIs, true); err != nil {
		return err
	}
	if len(c.RedirectURIs) == 0 {
		return domain.Errorf(domain.EINVALID, "at least one redirect URI is required")
	}
	if c.PostLogoutURIs, err = cleanURIs("post-logout redirect URI", c.PostLogoutURIs, true); err != nil {
		return err
	}
	for _, u := range []*string{&c.BackchannelLogoutURI, &c.InitiateLoginURI} {
		*u = strings.TrimSpace(*u)
		if *u != "" {
			if err := checkURI("URI", *u); err != nil {
				return err
			}
		}
	}
	switch c.SubjectType {
	case "":
		c.SubjectType = "pairwise"
	case "pairwise", "public":
	default:
		return domain.Errorf(domain.EINVALID, "subject type must be pairwise or public")
	}
	if c.AccessTTL == 0 {
		c.AccessTTL = DefaultAccessTTL
	}
	if c.IDTTL == 0 {
		c.IDTTL = DefaultIDTTL
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = DefaultRefreshTTL
	}
	if c.AccessTTL < time.Minute || c.AccessTTL > MaxAccessTTL || c.IDTTL < time.Minute || c.IDTTL > MaxAccessTTL {
		return domain.Errorf(domain.EINVALID, "access and ID token lifetimes must be between 1 and 60 minutes")
	}
	if c.RefreshTTL < 5*time.Minute || c.RefreshTTL > MaxRefreshTTL {
		return domain.Errorf(domain.EINVALID, "refresh token lifetime must be between 5 minutes and 30 days")
	}
	return nil
}

func cleanURIs(what string, in []string, exact bool) ([]string, error) {
	var out []string
	for _, u := range in {
		u = strings.TrimSpace(u)
		if u == "" || slices.Contains(out, u) {
			continue
		}
		if err := checkURI(what, u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if len(out) > maxURIs {
		return nil, domain.Errorf(domain.EINVALID, "at most %d of each URI kind", maxURIs)
	}
	return out, nil
}

// checkURI accepts absolute https URLs and http URLs on a loopback host,
// without fragment or user info.
func checkURI(what, raw string) error {
	if len(raw) > maxURILen {
		return domain.Errorf(domain.EINVALID, "%s is longer than %d characters", what, maxURILen)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return domain.Errorf(domain.EINVALID, "%s %q is not an absolute URL without fragment", what, raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return domain.Errorf(domain.EINVALID, "%s %q: http only on a loopback address (use https)", what, raw)
		}
	default:
		return domain.Errorf(domain.EINVALID, "%s %q: scheme must be https", what, raw)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewSecret returns a new client secret and the hash the store keeps.
// The secret is shown once; only the hash is stored.
func NewSecret() (secret string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret is the SHA-256 of a secret: secrets are 256 random bits, so
// a fast hash is enough (nothing to guess from).
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// secretMatches compares a presented secret with the stored hash.
func secretMatches(stored []byte, presented string) bool {
	return len(stored) == sha256.Size && subtle.ConstantTimeCompare(stored, HashSecret(presented)) == 1
}

// client adapts a registered client to op.Client.
type client struct {
	c        domain.SSOClient
	loginURL string
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.c.ClientID }
func (c *client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutURIs }
func (c *client) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb // exact redirect URIs, no loopback port wildcard
}
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) LoginURL(id string) string           { return c.loginURL + "?id=" + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c *client) IDTokenLifetime() time.Duration      { return c.c.IDTokenTTL }

// DevMode lets http redirect URIs through after the exact match: the
// registration (checkURI) allows http on loopback addresses only.
func (c *client) DevMode() bool { return true }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(scope string) bool { return slices.Contains(extraScopes, scope) }

// IDTokenUserinfoClaimsAssertion puts the scopes' claims in the ID token
// too: a system reads the name and roles there without a userinfo call.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
