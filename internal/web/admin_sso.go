package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The SSO section of a system's administration page: the system as an
// OpenID Connect client (package sso has the rules; docs/sso.md). National
// administrators register and change clients; a new secret (or a first
// registration) needs a fresh certificate signature, and is shown once.

func (s *Server) adminSSORoutes(m *http.ServeMux) {
	confirmed := func(h http.HandlerFunc) http.Handler {
		return s.requireNational(func(w http.ResponseWriter, r *http.Request) { s.requireConfirm(h).ServeHTTP(w, r) })
	}
	m.Handle("POST /admin/systems/{id}/sso", confirmed(s.adminSSOSave))
	m.Handle("POST /admin/systems/{id}/sso/secret", confirmed(s.adminSSOSecret))
	m.Handle("POST /admin/systems/{id}/sso/disable", s.requireNational(s.adminSSODisable))
	m.Handle("POST /admin/sso/keys/rotate", confirmed(s.adminSSORotate))
}

// ssoAdmin is the SSO section's data.
type ssoAdmin struct {
	Client     *domain.SSOClient
	Issuer     string
	Discovery  string
	NewSecret  string // shown once, right after it was made
	Error      string
	Redirects  string // the form's text areas
	PostLogout string
}

// AccessMinutes, IDMinutes and RefreshHours are the lifetimes for the form.
func (a ssoAdmin) AccessMinutes() int {
	if a.Client == nil {
		return int(sso.DefaultAccessTTL / time.Minute)
	}
	return int(a.Client.AccessTokenTTL / time.Minute)
}
func (a ssoAdmin) IDMinutes() int {
	if a.Client == nil {
		return int(sso.DefaultIDTTL / time.Minute)
	}
	return int(a.Client.IDTokenTTL / time.Minute)
}
func (a ssoAdmin) RefreshHours() int {
	if a.Client == nil {
		return int(sso.DefaultRefreshTTL / time.Hour)
	}
	return int(a.Client.RefreshTokenTTL / time.Hour)
}

// ssoAdminOf returns the SSO section of system id.
func (s *Server) ssoAdminOf(ctx context.Context, systemID int64) (*ssoAdmin, error) {
	a := &ssoAdmin{Issuer: s.sso.Issuer(), Discovery: s.sso.Issuer() + "/.well-known/openid-configuration"}
	c, err := s.store.GetSSOClientOfSystem(ctx, systemID)
	if errors.Is(err, store.ErrNotFound) {
		return a, nil
	} else if err != nil {
		return nil, err
	}
	a.Client = &c
	a.Redirects, a.PostLogout = strings.Join(c.RedirectURIs, "\n"), strings.Join(c.PostLogoutURIs, "\n")
	return a, nil
}

// readClientSpec reads the SSO form.
func readClientSpec(r *http.Request) sso.ClientSpec {
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k))); return n }
	return sso.ClientSpec{
		ClientID:             r.PostFormValue("client_id"),
		Public:               r.PostFormValue("public") == "1",
		RedirectURIs:         strings.Split(r.PostFormValue("redirect_uris"), "\n"),
		PostLogoutURIs:       strings.Split(r.PostFormValue("post_logout_uris"), "\n"),
		BackchannelLogoutURI: r.PostFormValue("backchannel_logout_uri"),
		InitiateLoginURI:     r.PostFormValue("initiate_login_uri"),
		SubjectType:          r.PostFormValue("subject_type"),
		AccessTTL:            time.Duration(num("access_ttl_min")) * time.Minute,
		IDTTL:                time.Duration(num("id_ttl_min")) * time.Minute,
		RefreshTTL:           time.Duration(num("refresh_ttl_hours")) * time.Hour,
	}
}

func (s *Server) adminActor(r *http.Request) audit.Actor {
	return audit.ActorOf(*userFrom(r.Context()), clientIP(r))
}

// adminSSOSave handles POST /admin/systems/{id}/sso: registers the system
// as a client or changes its registration.
func (s *Server) adminSSOSave(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	spec := readClientSpec(r)
	ctx := r.Context()
	_, err := s.store.GetSSOClientOfSystem(ctx, sys.ID)
	var secret string
	switch {
	case errors.Is(err, store.ErrNotFound):
		secret, _, err = s.sso.Register(ctx, s.adminActor(r), sys.ID, spec)
	case err == nil:
		secret, _, err = s.sso.Update(ctx, s.adminActor(r), sys.ID, spec)
	}
	if code := errorCode(err); code == domain.EINVALID || code == domain.ECONFLICT {
		var de *domain.Error
		errors.As(err, &de)
		s.renderSystemSSO(w, r, http.StatusUnprocessableEntity, sys, "", de.Message)
		return
	} else if err != nil {
		s.error(w, r, err)
		return
	}
	if secret != "" {
		s.renderSystemSSO(w, r, http.StatusOK, sys, secret, "")
		return
	}
	http.Redirect(w, r, "/admin/systems/"+strconv.FormatInt(sys.ID, 10)+"?msg=sysadm_saved#sso", http.StatusSeeOther)
}

// adminSSOSecret handles POST /admin/systems/{id}/sso/secret.
func (s *Server) adminSSOSecret(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	secret, err := s.sso.NewClientSecret(r.Context(), s.adminActor(r), sys.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.renderSystemSSO(w, r, http.StatusOK, sys, secret, "")
}

// adminSSODisable handles POST /admin/systems/{id}/sso/disable (enable=1
// enables again).
func (s *Server) adminSSODisable(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	if err := s.sso.SetDisabled(r.Context(), s.adminActor(r), sys.ID, r.PostFormValue("enable") != "1"); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/systems/"+strconv.FormatInt(sys.ID, 10)+"?msg=sysadm_saved#sso", http.StatusSeeOther)
}

// adminSSORotate handles POST /admin/sso/keys/rotate.
func (s *Server) adminSSORotate(w http.ResponseWriter, r *http.Request) {
	if _, err := s.sso.Rotate(r.Context(), s.adminActor(r), r.PostFormValue("alg")); err != nil {
		s.error(w, r, err)
		return
	}
	back := "/admin/systems"
	if id, err := strconv.ParseInt(r.PostFormValue("system"), 10, 64); err == nil && id > 0 {
		back += "/" + strconv.FormatInt(id, 10)
	}
	http.Redirect(w, r, back+"?msg=sysadm_saved#sso", http.StatusSeeOther)
}

// renderSystemSSO renders the system page with the SSO section showing a
// new secret or an error.
func (s *Server) renderSystemSSO(w http.ResponseWriter, r *http.Request, status int, sys domain.System, secret, msg string) {
	r = r.WithContext(context.WithValue(r.Context(), ssoNoticeKey{}, ssoNotice{secret: secret, err: msg, form: r.PostForm}))
	s.renderSystem(w, r, status, sys, "")
}

type ssoNoticeKey struct{}

type ssoNotice struct {
	secret, err string
	form        map[string][]string
}

// ssoSection returns the SSO section for the system page (renderSystem).
func (s *Server) ssoSection(r *http.Request, systemID int64) (*ssoAdmin, error) {
	a, err := s.ssoAdminOf(r.Context(), systemID)
	if err != nil {
		return nil, err
	}
	if n, ok := r.Context().Value(ssoNoticeKey{}).(ssoNotice); ok {
		a.NewSecret, a.Error = n.secret, n.err
		if n.err != "" && n.form != nil { // keep what was typed
			get := func(k string) string {
				if v := n.form[k]; len(v) > 0 {
					return v[0]
				}
				return ""
			}
			a.Redirects, a.PostLogout = get("redirect_uris"), get("post_logout_uris")
		}
	}
	return a, nil
}
