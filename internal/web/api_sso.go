package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The SSO registration of a system in the JSON API (docs/sso.md, api.md):
// read with systems:read; changed through a national administrator's
// session after a fresh signature (a secret is a credential).

type jsonSSOClient struct {
	System               string   `json:"system"`
	ClientID             string   `json:"client_id"`
	Public               bool     `json:"public"`
	RedirectURIs         []string `json:"redirect_uris"`
	PostLogoutURIs       []string `json:"post_logout_redirect_uris"`
	BackchannelLogoutURI string   `json:"backchannel_logout_uri"`
	InitiateLoginURI     string   `json:"initiate_login_uri"`
	SubjectType          string   `json:"subject_type"`
	AccessTTL            int64    `json:"access_token_ttl_s"`
	IDTTL                int64    `json:"id_token_ttl_s"`
	RefreshTTL           int64    `json:"refresh_token_ttl_s"`
	Disabled             bool     `json:"disabled"`
	Issuer               string   `json:"issuer"`
	// ClientSecret is present once, in the answer that made it.
	ClientSecret string `json:"client_secret,omitempty"`
}

func (s *Server) ssoClientJSON(sys domain.System, c domain.SSOClient, secret string) jsonSSOClient {
	nz := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	return jsonSSOClient{System: sys.Code, ClientID: c.ClientID, Public: c.Public, RedirectURIs: nz(c.RedirectURIs),
		PostLogoutURIs: nz(c.PostLogoutURIs), BackchannelLogoutURI: c.BackchannelLogoutURI, InitiateLoginURI: c.InitiateLoginURI,
		SubjectType: c.SubjectType, AccessTTL: int64(c.AccessTokenTTL / time.Second), IDTTL: int64(c.IDTokenTTL / time.Second),
		RefreshTTL: int64(c.RefreshTokenTTL / time.Second), Disabled: !c.DisabledAt.IsZero(), Issuer: s.sso.Issuer(), ClientSecret: secret}
}

// apiSystemOf returns the system of the path's {code}.
func (s *Server) apiSystemOf(w http.ResponseWriter, r *http.Request) (domain.System, bool) {
	sys, err := s.store.GetSystemByCode(r.Context(), r.PathValue("code"))
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, "")
		return sys, false
	} else if err != nil {
		s.serverError(w, r, err)
		return sys, false
	}
	return sys, true
}

// apiSSOClient handles GET /api/v1/systems/{code}/sso.
func (s *Server) apiSSOClient(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.apiSystemOf(w, r)
	if !ok {
		return
	}
	c, err := s.store.GetSSOClientOfSystem(r.Context(), sys.ID)
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, "the system is not an SSO client")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ssoClientJSON(sys, c, ""))
}

// apiSSONational lets national administrators through, after a fresh
// signature.
func (s *Server) apiSSONational(w http.ResponseWriter, r *http.Request) (audit.Actor, bool) {
	u := userFrom(r.Context())
	if u == nil {
		s.renderError(w, r, http.StatusUnauthorized, "unauthenticated", "")
		return audit.Actor{}, false
	}
	sc, err := access.AdminScopeOf(r.Context(), s.store, *u, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return audit.Actor{}, false
	}
	if !sc.National {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "sysadm.national_only"))
		return audit.Actor{}, false
	}
	if !s.confirmed(r) {
		s.renderError(w, r, http.StatusForbidden, "confirm_required", translate(state(r).lang, "confirm.required_api"))
		return audit.Actor{}, false
	}
	return audit.ActorOf(*u, clientIP(r)), true
}

// apiSSOClientPut handles PUT /api/v1/systems/{code}/sso: registers the
// system or changes its registration (a new confidential client's secret
// is in the answer, once).
func (s *Server) apiSSOClientPut(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.apiSSONational(w, r)
	if !ok {
		return
	}
	sys, ok := s.apiSystemOf(w, r)
	if !ok {
		return
	}
	var in jsonSSOClient
	if !s.readJSON(w, r, &in) {
		return
	}
	spec := sso.ClientSpec{ClientID: in.ClientID, Public: in.Public, RedirectURIs: in.RedirectURIs, PostLogoutURIs: in.PostLogoutURIs,
		BackchannelLogoutURI: in.BackchannelLogoutURI, InitiateLoginURI: in.InitiateLoginURI, SubjectType: in.SubjectType,
		AccessTTL: time.Duration(in.AccessTTL) * time.Second, IDTTL: time.Duration(in.IDTTL) * time.Second,
		RefreshTTL: time.Duration(in.RefreshTTL) * time.Second}
	ctx := r.Context()
	_, err := s.store.GetSSOClientOfSystem(ctx, sys.ID)
	var secret string
	var c domain.SSOClient
	status := http.StatusOK
	switch {
	case errors.Is(err, store.ErrNotFound):
		secret, c, err = s.sso.Register(ctx, actor, sys.ID, spec)
		status = http.StatusCreated
	case err == nil:
		secret, c, err = s.sso.Update(ctx, actor, sys.ID, spec)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	if in.Disabled != !c.DisabledAt.IsZero() {
		if err := s.sso.SetDisabled(ctx, actor, sys.ID, in.Disabled); err != nil {
			s.error(w, r, err)
			return
		}
		c, _ = s.store.GetSSOClientOfSystem(ctx, sys.ID)
	}
	writeJSON(w, status, s.ssoClientJSON(sys, c, secret))
}

// apiSSOSecret handles POST /api/v1/systems/{code}/sso/secret.
func (s *Server) apiSSOSecret(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.apiSSONational(w, r)
	if !ok {
		return
	}
	sys, ok := s.apiSystemOf(w, r)
	if !ok {
		return
	}
	secret, err := s.sso.NewClientSecret(r.Context(), actor, sys.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	c, err := s.store.GetSSOClientOfSystem(r.Context(), sys.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ssoClientJSON(sys, c, secret))
}
