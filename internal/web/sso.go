package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The OpenID Connect provider (package sso, docs/sso.md): its protocol
// endpoints under /oidc/ (outside the portal's CSRF and session
// middleware: systems call them server to server) and the login step at
// /sso/login, which is the portal's own certificate login.

const ssoPrefix = "/oidc"

// initSSO makes the provider; New calls it.
func (s *Server) initSSO() error {
	p, err := sso.New(sso.Config{Issuer: s.origin + ssoPrefix, LoginURL: s.origin + "/sso/login",
		LogoutURL: s.origin + "/", Now: s.now, Log: s.log}, s.store)
	if err != nil {
		return err
	}
	s.sso = p
	// Ending a user's access (grants, locks, withdrawal, sessions) also
	// ends their systems' sessions: back-channel logout (sso/hooks.go).
	s.store = p.Hooked(s.store)
	h := http.StripPrefix(ssoPrefix, s.ssoEndSession(p.Handler()))
	// Each authorization request stores a row until it expires: bounded
	// per client address (browsers; systems' back ends call the token
	// endpoints, which store nothing without a valid code).
	authorize := s.rateLimit(NewRateLimiter(600, 300, s.now), h)
	s.ssoHandler = s.observe(s.recoverPanic(ssoHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).pattern = ssoPrefix + "/"
		if r.URL.Path == ssoPrefix+"/authorize" {
			authorize.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))))
	return nil
}

// SSO returns the OpenID Connect provider.
func (s *Server) SSO() *sso.Provider { return s.sso }

// withSSO sends /oidc/ to the provider, everything else to the portal.
func (s *Server) withSSO(portal http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, ssoPrefix+"/") {
			s.ssoHandler.ServeHTTP(w, r)
			return
		}
		portal.ServeHTTP(w, r)
	})
}

// Bounds of a protocol request: its query string and its form body.
const (
	ssoMaxQuery = 8 << 10
	ssoMaxBody  = 64 << 10
)

// ssoHeaders bounds the protocol requests and sets the endpoints'
// headers: nothing is framed or cached (tokens), the form_post page may
// post to the system.
func ssoHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.RawQuery) > ssoMaxQuery || r.ContentLength > ssoMaxBody {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "invalid_request",
				"error_description": "request too large"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, ssoMaxBody)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
		if !strings.HasSuffix(r.URL.Path, "/keys") && !strings.HasSuffix(r.URL.Path, "/openid-configuration") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// ssoEndSession lets RP-initiated logout end the browser's portal session.
func (s *Server) ssoEndSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/end_session" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := sso.WithEndSession(r.Context(), func(ctx context.Context) error {
			token := s.sessionToken(r)
			if token == "" {
				return nil
			}
			tokens, err := s.sessionTokens(r)
			if err != nil {
				return err
			}
			s.clearSessionCookie(w)
			return s.endSession(ctx, tokens.Key(token))
		})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// endSession deletes a portal session; the hooked store revokes the
// tokens issued in it and tells the systems (sso/hooks.go).
func (s *Server) endSession(ctx context.Context, id string) error {
	if err := s.store.DeleteSession(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func (s *Server) ssoRoutes(m *http.ServeMux) {
	limit := NewRateLimiter(30, 10, s.now)
	m.HandleFunc("GET /sso/login", s.ssoLoginShow)
	m.Handle("POST /sso/login", s.rateLimit(limit, http.HandlerFunc(s.ssoLoginCreate)))
}

// ssoLoginPage is the data of the sso_login and sso_denied pages.
type ssoLoginPage struct {
	ID        string
	System    domain.System
	LoginHint string
	Fresh     bool // a fresh signature is asked for although logged in
}

// ssoLoginShow handles GET /sso/login?id=: the login step of an
// authorization request. A portal session is reused when the request
// allows; else the certificate login is shown.
func (s *Server) ssoLoginShow(w http.ResponseWriter, r *http.Request) {
	req, ok := s.ssoRequest(w, r, r.URL.Query().Get("id"))
	if !ok {
		return
	}
	st := state(r)
	var l *sso.Login
	if st.session != nil && st.user != nil {
		class, err := s.sessionCertClass(r.Context(), st.session)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		l = &sso.Login{User: *st.user, SessionID: st.session.ID, AuthTime: st.session.CreatedAt, CertClass: class}
	}
	s.ssoStep(w, r, req, l)
}

// ssoLoginCreate handles POST /sso/login: the certificate login of the
// login step. It starts a portal session too.
func (s *Server) ssoLoginCreate(w http.ResponseWriter, r *http.Request) {
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	req, ok := s.ssoRequest(w, r, r.PostFormValue("id"))
	if !ok {
		return
	}
	ns, cert, err := s.certLogin(r, sr, map[string]any{"sso_client": req.Client.ClientID})
	if err != nil {
		if !s.certFailure(w, r, err, "login_error", func(code, msg string) any {
			return loginErrorPage{Code: code, Message: msg, NotRegistered: code == auth.CodeNotRegistered}
		}) {
			s.error(w, r, err)
		}
		return
	}
	s.startSession(w, r, ns)
	s.ssoStep(w, r, req, &sso.Login{User: ns.user, SessionID: ns.session.ID, AuthTime: ns.session.CreatedAt,
		CertClass: cert.Class, Fresh: true})
}

// ssoRequest loads the authorization request id; an unknown or expired
// one is answered with the error page.
func (s *Server) ssoRequest(w http.ResponseWriter, r *http.Request, id string) (sso.LoginRequest, bool) {
	req, err := s.sso.LoginRequest(r.Context(), id)
	if errors.Is(err, sso.ErrNoRequest) {
		s.renderError(w, r, http.StatusBadRequest, "sso_request", "")
		return req, false
	} else if err != nil {
		s.serverError(w, r, err)
		return req, false
	}
	if state(r).user == nil { // the system may ask for the page's language
		for _, l := range req.UILocales {
			if l = strings.ToLower(l); supportedLang(l[:min(2, len(l))]) {
				state(r).lang = l[:2]
				break
			}
		}
	}
	return req, true
}

// ssoStep does what sso.Decide says.
func (s *Server) ssoStep(w http.ResponseWriter, r *http.Request, req sso.LoginRequest, l *sso.Login) {
	step, code, err := s.sso.Decide(r.Context(), req, l)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	switch step {
	case sso.StepProceed:
		next, err := s.sso.Complete(r.Context(), req, *l, clientIP(r))
		if errors.Is(err, sso.ErrNoRequest) {
			s.renderError(w, r, http.StatusBadRequest, "sso_request", "")
			return
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
		if wantsJSON(r) {
			writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	case sso.StepSign:
		s.render(w, r, http.StatusOK, "sso_login", ssoLoginPage{ID: req.ID, System: req.System, LoginHint: req.LoginHint, Fresh: l != nil})
	case sso.StepDenied:
		if wantsJSON(r) {
			s.renderError(w, r, http.StatusForbidden, "sso_denied", "")
			return
		}
		s.render(w, r, http.StatusForbidden, "sso_denied", ssoLoginPage{System: req.System})
	case sso.StepError:
		http.Redirect(w, r, s.sso.ErrorRedirect(req, code, ""), http.StatusFound)
	}
}

// sessionCertClass returns the class of the certificate a session logged
// in with.
func (s *Server) sessionCertClass(ctx context.Context, se *domain.Session) (domain.CertClass, error) {
	if se.CertID == 0 {
		return domain.CertClass(""), nil
	}
	certs, err := s.store.ListCertificates(ctx, se.UserID)
	if err != nil {
		return "", err
	}
	if i := slices.IndexFunc(certs, func(c domain.Certificate) bool { return c.ID == se.CertID }); i >= 0 {
		return certs[i].Class, nil
	}
	return domain.CertClass(""), nil
}

// ssoMenuLinks points the menu entries of an SSO system at its login
// start (sso.Provider.MenuLink).
func (s *Server) ssoMenuLinks(ctx context.Context, systemID int64, menus []domain.Menu) error {
	c, err := s.store.GetSSOClientOfSystem(ctx, systemID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	for i := range menus {
		menus[i].URL = s.sso.MenuLink(c, menus[i].URL)
	}
	return nil
}

// ssoPreselect returns the first role of the system with code that staff
// of kind may request, for 권한/부가정보 opened from the "no permission"
// page (?system=code); 0 when none.
func (s *Server) ssoPreselect(ctx context.Context, code string, kind domain.InstitutionKind) int64 {
	sys, err := s.store.GetSystemByCode(ctx, code)
	if err != nil {
		return 0
	}
	roles, err := s.store.ListRoles(ctx, sys.ID)
	if err != nil {
		return 0
	}
	for _, r := range roles {
		if r.RetiredAt.IsZero() && !r.Admin && r.RequestableByKind(kind) {
			return r.ID
		}
	}
	return 0
}

// ssoPreselectFor is ssoPreselect for the request's user.
func (s *Server) ssoPreselectFor(r *http.Request, code string) int64 {
	u := userFrom(r.Context())
	if u == nil || len(code) > 64 {
		return 0
	}
	in, err := s.store.GetInstitution(r.Context(), u.InstitutionID)
	if err != nil {
		return 0
	}
	return s.ssoPreselect(r.Context(), code, in.Kind)
}

// ssoKeyAge is how old the signing key may get before the janitor
// rotates it (an administrator can rotate at any time).
const ssoKeyAge = 30 * 24 * time.Hour

// ssoSweep rotates an old signing key and deletes the provider's expired
// authorization requests and tokens.
func (s *Server) ssoSweep(ctx context.Context, now time.Time) {
	if rotated, err := s.sso.RotateIfOlder(ctx, ssoKeyAge); err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: sso key rotation", "err", err)
	} else if rotated {
		s.log.Info("janitor: sso signing key rotated")
	}
	if _, err := s.store.DeleteExpiredSSOAuthRequests(ctx, now.Add(-time.Hour)); err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: sso requests", "err", err)
	}
	if _, err := s.store.DeleteExpiredSSOTokens(ctx, now.Add(-time.Hour)); err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: sso tokens", "err", err)
	}
}
