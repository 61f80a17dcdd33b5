package sso

import (
	"context"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Scopes and the claims they give (docs/sso.md has the table):
//
//	openid          sub, auth_time, amr, cert_class (always)
//	profile         name
//	email           email (when the user gave one)
//	institution     institution {code, name, kind}
//	roles           roles [{code, name}]: active grants of the client's system
//	offline_access  a refresh token
const (
	ScopeRoles       = "roles"
	ScopeInstitution = "institution"
)

var (
	extraScopes     = []string{ScopeRoles, ScopeInstitution}
	supportedScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess, ScopeRoles, ScopeInstitution}
	supportedClaims = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "azp", "at_hash", "c_hash",
		"name", "email", "institution", "roles", "cert_class"}
)

// AMR values (RFC 8176) of a certificate login: a software-held key
// ("swk", the NPKI key file) unlocked with its password ("pin").
var certAMR = []string{"swk", "pin"}

// RoleClaim is one entry of the roles claim.
type RoleClaim struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// InstitutionClaim is the institution claim.
type InstitutionClaim struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Roles returns the roles of system that user holds now and that count
// after a login with a certificate of class: roles that need a personal
// certificate are left out after an institution-certificate login.
func (p *Provider) Roles(ctx context.Context, userID, systemID int64, class domain.CertClass) ([]domain.Role, error) {
	return p.rolesIn(ctx, p.store, userID, systemID, class)
}

// rolesIn is Roles read through q (a transaction sees its own writes).
func (p *Provider) rolesIn(ctx context.Context, q store.Queries, userID, systemID int64, class domain.CertClass) ([]domain.Role, error) {
	grants, err := q.ListGrants(ctx, store.GrantFilter{UserID: userID, ActiveAt: p.now()})
	if err != nil {
		return nil, err
	}
	var out []domain.Role
	for _, g := range grants {
		r, err := q.GetRole(ctx, g.RoleID)
		if err != nil {
			return nil, err
		}
		if r.SystemID != systemID || !r.RetiredAt.IsZero() {
			continue
		}
		if r.NeedsPersonalCert && class != domain.CertPersonal {
			continue
		}
		if !slices.ContainsFunc(out, func(x domain.Role) bool { return x.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out, nil
}

// errNoAccess: the user holds no role of the client's system (any more).
var errNoAccess = oidc.ErrAccessDenied().WithDescription("the user holds no active role of this system")

// fillUserinfo sets the claims of scopes for user, for client c, after a
// login with class. A user who may no longer log in, or who holds no role
// of the system any more, gets errNoAccess: the system's tokens die with
// the grants.
func (p *Provider) fillUserinfo(ctx context.Context, info *oidc.UserInfo, c domain.SSOClient, userID int64, class domain.CertClass, scopes []string) error {
	u, err := p.store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	if u.Status == domain.UserLocked || u.Status == domain.UserWithdrawn {
		return errNoAccess
	}
	roles, err := p.Roles(ctx, userID, c.SystemID, class)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return errNoAccess
	}
	if info.Subject, err = p.subject(ctx, c, userID); err != nil {
		return err
	}
	info.AppendClaims("cert_class", string(class))
	for _, s := range scopes {
		switch s {
		case oidc.ScopeProfile:
			info.Name = u.Name
		case oidc.ScopeEmail:
			if u.Email != "" {
				info.Email = u.Email
			}
		case ScopeInstitution:
			in, err := p.store.GetInstitution(ctx, u.InstitutionID)
			if err != nil {
				return err
			}
			info.AppendClaims("institution", InstitutionClaim{Code: in.Code, Name: in.Name, Kind: string(in.Kind)})
		case ScopeRoles:
			rc := make([]RoleClaim, len(roles))
			for i, r := range roles {
				rc[i] = RoleClaim{Code: r.Code, Name: r.Name}
			}
			info.AppendClaims("roles", rc)
		}
	}
	return nil
}
