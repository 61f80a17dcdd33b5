package sso

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Register makes system a client of the provider with spec. For a
// confidential client it returns the secret, shown this once (only its
// hash is kept). Audited as sso.client_create.
func (p *Provider) Register(ctx context.Context, by audit.Actor, systemID int64, spec ClientSpec) (secret string, c domain.SSOClient, err error) {
	if err := spec.Validate(); err != nil {
		return "", c, err
	}
	c = clientOf(systemID, spec)
	if !spec.Public {
		secret, c.SecretHash = NewSecret()
	}
	c.CreatedAt = p.now()
	err = p.store.InTx(ctx, func(tx store.Queries) error {
		if _, err := tx.GetSystem(ctx, systemID); err != nil {
			return err
		}
		if err := tx.CreateSSOClient(ctx, &c); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return domain.Errorf(domain.ECONFLICT, "the system already is a client, or client ID %q is taken", c.ClientID)
			}
			return err
		}
		return audit.Log(ctx, tx, by, "sso.client_create", "system", systemID, clientDetail(c), p.now())
	})
	if err != nil {
		return "", domain.SSOClient{}, err
	}
	return secret, c, nil
}

// Update changes the registration of system's client (its secret stays;
// a public client has none, a client made confidential gets a new one,
// returned). Audited as sso.client_update.
func (p *Provider) Update(ctx context.Context, by audit.Actor, systemID int64, spec ClientSpec) (secret string, c domain.SSOClient, err error) {
	if err := spec.Validate(); err != nil {
		return "", c, err
	}
	err = p.store.InTx(ctx, func(tx store.Queries) error {
		old, err := tx.GetSSOClientOfSystem(ctx, systemID)
		if err != nil {
			return err
		}
		c = clientOf(systemID, spec)
		c.CreatedAt, c.DisabledAt, c.SecretHash, c.UpdatedAt = old.CreatedAt, old.DisabledAt, old.SecretHash, p.now()
		switch {
		case c.Public:
			c.SecretHash = nil
		case old.Public:
			secret, c.SecretHash = NewSecret()
		}
		if err := tx.UpdateSSOClient(ctx, &c); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return domain.Errorf(domain.ECONFLICT, "client ID %q is taken", c.ClientID)
			}
			return err
		}
		return audit.Log(ctx, tx, by, "sso.client_update", "system", systemID, clientDetail(c), p.now())
	})
	return secret, c, err
}

// NewClientSecret replaces the secret of system's confidential client and
// returns the new one, shown once. Audited as sso.client_secret.
func (p *Provider) NewClientSecret(ctx context.Context, by audit.Actor, systemID int64) (string, error) {
	var secret string
	err := p.store.InTx(ctx, func(tx store.Queries) error {
		c, err := tx.GetSSOClientOfSystem(ctx, systemID)
		if err != nil {
			return err
		}
		if c.Public {
			return domain.Errorf(domain.EINVALID, "a public client has no secret")
		}
		secret, c.SecretHash = NewSecret()
		c.UpdatedAt = p.now()
		if err := tx.UpdateSSOClient(ctx, &c); err != nil {
			return err
		}
		return audit.Log(ctx, tx, by, "sso.client_secret", "system", systemID, map[string]any{"client_id": c.ClientID}, p.now())
	})
	return secret, err
}

// SetDisabled disables (or enables again) system's client. Disabling
// revokes every token issued to it. Audited as sso.client_disable /
// sso.client_enable.
func (p *Provider) SetDisabled(ctx context.Context, by audit.Actor, systemID int64, disabled bool) error {
	return p.store.InTx(ctx, func(tx store.Queries) error {
		c, err := tx.GetSSOClientOfSystem(ctx, systemID)
		if err != nil {
			return err
		}
		action := "sso.client_enable"
		c.DisabledAt = time.Time{}
		if disabled {
			action, c.DisabledAt = "sso.client_disable", p.now()
			if _, err := tx.RevokeSSOTokens(ctx, domain.SSOTokenFilter{ClientID: c.ClientID}, p.now()); err != nil {
				return err
			}
		}
		c.UpdatedAt = p.now()
		if err := tx.UpdateSSOClient(ctx, &c); err != nil {
			return err
		}
		return audit.Log(ctx, tx, by, action, "system", systemID, map[string]any{"client_id": c.ClientID}, p.now())
	})
}

// Rotate rotates the signing keys on an administrator's request; audited
// as sso.keys_rotate.
func (p *Provider) Rotate(ctx context.Context, by audit.Actor, alg string) (string, error) {
	kid, err := p.RotateKeys(ctx, alg)
	if err != nil {
		return "", err
	}
	if err := audit.Log(ctx, p.store, by, "sso.keys_rotate", "sso_key", 0, map[string]any{"kid": kid}, p.now()); err != nil {
		return kid, fmt.Errorf("audit key rotation: %w", err)
	}
	return kid, nil
}

func clientOf(systemID int64, s ClientSpec) domain.SSOClient {
	return domain.SSOClient{SystemID: systemID, ClientID: s.ClientID, Public: s.Public, RedirectURIs: s.RedirectURIs,
		PostLogoutURIs: s.PostLogoutURIs, BackchannelLogoutURI: s.BackchannelLogoutURI, InitiateLoginURI: s.InitiateLoginURI,
		SubjectType: s.SubjectType, AccessTokenTTL: s.AccessTTL, IDTokenTTL: s.IDTTL, RefreshTokenTTL: s.RefreshTTL}
}

// clientDetail is an audit detail of a registration (no secret).
func clientDetail(c domain.SSOClient) map[string]any {
	return map[string]any{"client_id": c.ClientID, "public": c.Public, "redirect_uris": c.RedirectURIs,
		"post_logout_uris": c.PostLogoutURIs, "backchannel_logout_uri": c.BackchannelLogoutURI,
		"initiate_login_uri": c.InitiateLoginURI, "subject_type": c.SubjectType,
		"access_ttl_s": int64(c.AccessTokenTTL.Seconds()), "id_ttl_s": int64(c.IDTokenTTL.Seconds()),
		"refresh_ttl_s": int64(c.RefreshTokenTTL.Seconds())}
}

// MenuLink returns where a 메뉴보기 entry of c's system with menuURL leads:
// the system's initiate-login URI (OIDC Core §4) with iss and the entry as
// target_link_uri, so the user lands in the system signed in; menuURL
// when the client has none or is disabled, or when menuURL is one of the
// portal's own pages (a relative URL, such as the system's boards).
func (p *Provider) MenuLink(c domain.SSOClient, menuURL string) string {
	external := strings.HasPrefix(menuURL, "https://") || strings.HasPrefix(menuURL, "http://")
	if c.InitiateLoginURI == "" || !c.DisabledAt.IsZero() || !external {
		return menuURL // the portal's own pages (a system's boards) stay
	}
	u, err := url.Parse(c.InitiateLoginURI)
	if err != nil {
		return menuURL
	}
	q := u.Query()
	q.Set("iss", p.cfg.Issuer)
	q.Set("target_link_uri", menuURL)
	u.RawQuery = q.Encode()
	return u.String()
}
