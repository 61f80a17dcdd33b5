// Package web is gwanmun's HTTP front end: the server, its routes and
// middleware (logging, recovery, security headers, sessions, CSRF, rate
// limits, metrics), the HTML templates with their Korean/English message
// catalogue, and the embedded static assets (KRDS and our own CSS and JS).
//
// Feature handlers live in files named noun_verb.go and are listed in
// (*Server).routes.
package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/edge"
	"github.com/gwanmun/gwanmun/internal/privacy"
	"github.com/gwanmun/gwanmun/internal/review"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Config is the configuration of the web server.
type Config struct {
	// SiteName is shown in the header and the page titles. A demonstration
	// must not claim to be an official government site.
	SiteName string
	// BaseURL is the public origin, e.g. "http://127.0.0.1:8080". It is the
	// origin bound into login challenges; with https, cookies are Secure.
	BaseURL string
	// Demo shows a "데모 / DEMO — 공식 사이트가 아닙니다" banner on every page.
	Demo bool
	// SessionIdle logs a user out after this long without a request
	// (default 30 minutes). SessionMax ends every session this long after
	// login, active or not (default 12 hours).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// HelpPhone and HelpEmail are the help-desk contacts shown on the home page.
	HelpPhone string
	HelpEmail string
	// Notices are the portal notices (공지사항) listed on the home page.
	Notices []Notice
	// CSRFKey signs the CSRF cookie of anonymous visitors. Processes that
	// share users must share it; when empty a random key is made at start,
	// which invalidates anonymous forms on restart.
	CSRFKey []byte
	// ConsentTranslations maps a consent text (Korean, as stored) to its
	// English translation, shown on the English signup page with the
	// Korean original below it (signup_consent_lang.go).
	ConsentTranslations map[string]string
	// DemoInfo, set by `gwanmun demo`, offers the development certificates
	// for download at /demo.
	DemoInfo *DemoInfo
	// Sweep sets the reminder and escalation thresholds of pending requests.
	Sweep access.SweepConfig
	// Notices, when set (a mail server is configured), e-mails approvers
	// and applicants through the outbox.
	Mail *access.Notices
	// Privacy sets the withdrawal and inactivity periods (docs/privacy.md).
	Privacy privacy.Config
	// Boards limits board attachments (board.go).
	Boards BoardConfig
	// MetricsToken, when set, is the bearer token that /metrics asks for;
	// only then does the public listener serve /metrics (else 404). A
	// separate listener serves MetricsHandler (docs/deployment.md).
	MetricsToken string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (docs/deployment.md); by default
	// none, and the TCP peer is the client.
	TrustedProxies edge.Proxies
	// AccessLogReport sets the monthly access-log report's thresholds
	// (docs/reviews.md).
	AccessLogReport review.ReportConfig
}

// Notice is one portal notice.
type Notice struct {
	Title string
	Date  time.Time
	Body  string
}

// Deps are the services the web server uses.
type Deps struct {
	Store store.Store
	// Verifier checks certificates (chain, validity, revocation, policy).
	Verifier auth.CertVerifier
	Logger   *slog.Logger // default: slog.Default()
	Now      func() time.Time
	// Registry receives the HTTP metrics, served by MetricsHandler. Nil
	// means a new registry of the server's own.
	Registry *prometheus.Registry
}

// Server is the HTTP front end. Create it with New.
type Server struct {
	cfg      Config
	store    store.Store
	log      *slog.Logger
	now      func() time.Time
	registry *prometheus.Registry
	metrics  *metrics
	secure   bool // BaseURL is https: cookies are Secure
	origin   string

	auth   *auth.Service
	signup *signup.Service

	tmpl   *templates
	assets *assets
	mux    *http.ServeMux
	h      http.Handler

	trust trustWatch // the shared trust reload generation (admin_trust.go)

	tokens     atomic.Pointer[auth.SessionTokens] // session cookie tokens (session.go), loaded on first use
	limits     *limits                            // rate limiters, one per action (limits.go)
	uploads    map[string]func() int64            // route patterns that take multipart bodies, with their limits (body.go)
	sso        *sso.Provider                      // the OpenID Connect provider (sso.go)
	ssoHandler http.Handler
}

// New returns a server for cfg, after parsing every template and preparing
// every static asset; it fails on a missing or broken one.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Store == nil {
		return nil, errors.New("web: Deps.Store is nil")
	}
	if cfg.SiteName == "" {
		return nil, errors.New("web: Config.SiteName is empty")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("web: Config.BaseURL %q is not an http(s) origin", cfg.BaseURL)
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = 12 * time.Hour
	}
	if len(cfg.CSRFKey) == 0 {
		cfg.CSRFKey = make([]byte, 32)
		rand.Read(cfg.CSRFKey)
	}
	s := &Server{
		cfg:      cfg,
		store:    deps.Store,
		log:      deps.Logger,
		now:      deps.Now,
		registry: deps.Registry,
		secure:   u.Scheme == "https",
		origin:   u.Scheme + "://" + u.Host,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	if deps.Verifier == nil {
		return nil, errors.New("web: Deps.Verifier is nil")
	}
	if err := s.initSSO(); err != nil { // before the services: it hooks the store
		return nil, err
	}
	s.auth = &auth.Service{Store: s.store, Verifier: deps.Verifier, Origin: s.origin, Now: s.now}
	s.signup = &signup.Service{Store: s.store, Auth: s.auth, Now: s.now, Notices: cfg.Mail}
	s.cfg.Sweep.Notices = cfg.Mail
	if s.metrics, err = newMetrics(s.registry); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(staticFS); err != nil {
		return nil, err
	}
	if s.tmpl, err = parseTemplates(templateFS, s.templateFuncs); err != nil {
		return nil, err
	}
	s.limits = s.newLimits()
	s.mux = http.NewServeMux()
	s.routes()
	s.h = s.withSSO(s.middleware(s.mux))
	return s, nil
}

// Handler returns the server's HTTP handler, middleware included.
func (s *Server) Handler() http.Handler { return s.h }

// Origin returns the public origin (scheme://host[:port]) from BaseURL,
// the origin that login challenges are bound to.
func (s *Server) Origin() string { return s.origin }

// routes registers every route. Feature handlers add their lines here.
func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", s.assets)
	m.HandleFunc("GET /healthz", s.healthShow)
	m.HandleFunc("GET /readyz", s.readyShow)
	m.Handle("GET /metrics", s.metricsHandler())

	m.HandleFunc("GET /{$}", s.homeShow)
	m.HandleFunc("POST /logout", s.sessionDelete)
	m.Handle("POST /session/extend", s.requireLogin(http.HandlerFunc(s.sessionExtend)))

	challengeLimit, loginLimit := s.limits.challenge, s.limits.login // shared with the API (limits.go)
	m.Handle("POST /auth/challenge", s.rateLimit(challengeLimit, http.HandlerFunc(s.challengeCreate)))
	m.Handle("POST /login", s.rateLimit(loginLimit, http.HandlerFunc(s.loginCreate)))

	m.HandleFunc("GET /signup", s.signupConsentShow)
	m.Handle("POST /signup/consent", s.rateLimit(s.limits.signupStart, http.HandlerFunc(s.signupConsentCreate)))
	m.HandleFunc("GET /signup/cert", s.signupCertShow)
	m.Handle("POST /signup/cert", s.rateLimit(loginLimit, http.HandlerFunc(s.signupCertCreate)))
	m.HandleFunc("GET /signup/info", s.signupInfoShow)
	m.HandleFunc("POST /signup/info", s.signupInfoCreate)
	m.Handle("GET /signup/check-id", s.rateLimit(s.limits.checkID, http.HandlerFunc(s.signupIDCheck)))
	m.HandleFunc("GET /signup/request", s.signupRequestShow)
	m.HandleFunc("POST /signup/request", s.signupRequestCreate)
	m.HandleFunc("GET /signup/complete", s.signupCompleteShow)

	m.Handle("GET /menu", s.requireLogin(http.HandlerFunc(s.menuShow)))
	m.Handle("POST /auth/confirm", s.requireLogin(s.rateLimit(loginLimit, http.HandlerFunc(s.confirmCreate))))
	m.Handle("GET /account/roles", s.requireLogin(http.HandlerFunc(s.accountRolesShow)))
	m.Handle("POST /account/roles/request", s.requireLogin(http.HandlerFunc(s.accountRequestCreate)))
	m.Handle("POST /account/requests/{id}/cancel", s.requireLogin(http.HandlerFunc(s.accountRequestCancel)))
	m.Handle("POST /account/grants/{id}/relinquish", s.requireLogin(http.HandlerFunc(s.accountGrantRelinquish)))
	m.Handle("POST /account/info", s.requireLogin(http.HandlerFunc(s.accountInfoUpdate)))
	m.Handle("GET /account/cert", s.requireLogin(http.HandlerFunc(s.accountCertShow)))
	m.Handle("POST /account/cert", s.requireConfirm(s.rateLimit(loginLimit, http.HandlerFunc(s.accountCertCreate))))
	reregisterLimit := s.limits.reregister
	m.HandleFunc("GET /account/cert/reregister", s.certReregisterShow)
	m.Handle("POST /account/cert/reregister", s.rateLimit(reregisterLimit, http.HandlerFunc(s.certReregisterCreate)))
	s.lifecycleRoutes(m) // lifecycle_routes.go: renewal, reactivation, …
	m.Handle("GET /approvals", s.requireLogin(http.HandlerFunc(s.approvalsShow)))
	m.Handle("POST /approvals/decide", s.requireLogin(http.HandlerFunc(s.approvalsDecide)))
	m.Handle("GET /approvals/certs", s.requireLogin(http.HandlerFunc(s.approvalsCertsShow)))
	m.Handle("POST /approvals/certs/{id}/decide", s.requireLogin(http.HandlerFunc(s.approvalsCertsDecide)))

	s.privacyRoutes(m)
	s.accountSessionRoutes(m)
	m.Handle("GET /admin", s.requireAdmin(http.HandlerFunc(s.adminShow)))
	s.adminRoutes(m)
	s.apiRoutes(m)
	s.boardRoutes(m)
	s.reviewRoutes(m)
	s.ssoRoutes(m)

	if s.cfg.DemoInfo != nil {
		m.HandleFunc("GET /demo", s.demoShow)
		m.HandleFunc("GET /demo/certs.zip", s.demoZip)
		m.HandleFunc("GET /demo/crl.der", s.demoCRL)
	}

	m.HandleFunc("/", s.notFound)
}

// notFound renders the 404 page for every path without a route.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "not_found", "")
}

// clientIP returns the client's address: the TCP peer, or behind a
// trusted proxy (Config.TrustedProxies) the address it forwarded. Rate
// limits and the audit log use it.
func clientIP(r *http.Request) string {
	if st, ok := r.Context().Value(ctxKey{}).(*reqState); ok && st.client.Addr != "" {
		return st.client.Addr
	}
	return edge.Proxies{}.ClientOf(r.RemoteAddr, nil, nil, false).Addr
}
