package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/edge"
	"github.com/gwanmun/gwanmun/internal/store"
)

// reqState is the per-request state that the middleware fills in and the
// handlers read. One pointer to it lives in the request context, so that
// outer middleware also see what inner ones learnt (the route pattern).
type reqState struct {
	id      string          // request id, in logs and on error pages
	pattern string          // matched route pattern, for metrics and logs
	lang    string          // "ko" or "en"
	user    *domain.User    // logged-in user, nil when anonymous
	session *domain.Session // the user's session
	csrf    string          // CSRF token for forms and fetch()
	// csrfPending: the token is inside a multipart body, for the route's
	// upload parser to check (body.go).
	csrfPending bool
	msg         string      // message key carried to this page, see messageKeys
	client      edge.Client // the client's address and scheme, through trusted proxies
}

type ctxKey struct{}

// state returns the request's state; a bare request (in a test) gets an
// empty one.
func state(r *http.Request) *reqState {
	if st, ok := r.Context().Value(ctxKey{}).(*reqState); ok {
		return st
	}
	return &reqState{lang: "ko"}
}

// userFrom returns the logged-in user of the request context, or nil.
func userFrom(ctx context.Context) *domain.User {
	if st, ok := ctx.Value(ctxKey{}).(*reqState); ok {
		return st.user
	}
	return nil
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps the router in the server's middleware, outermost first:
// request id, logging and metrics; compression; panic recovery; security
// headers; language; session; CSRF (with the body's bounds, body.go); text
// validity (text.go); the certificate rules (session_certrule.go).
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		state(r).pattern = r.Pattern
	})
	h = s.certRule(h)
	h = s.textCheck(h)
	h = s.csrfCheck(h)
	h = s.loadSession(h)
	h = s.language(h)
	h = securityHeaders(s.secure, h)
	h = s.recoverPanic(h)
	h = compress(h) // compress.go: gzip of dynamic HTML and JSON
	return s.observe(h)
}

// observe gives the request an id and state, and logs and counts it. The log
// line holds no query string (it may carry tokens), no personal data and no
// client address.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [8]byte
		rand.Read(b[:])
		st := &reqState{id: hex.EncodeToString(b[:]), lang: "ko",
			client: s.cfg.TrustedProxies.ClientOf(r.RemoteAddr, r.Header.Values("X-Forwarded-For"),
				r.Header.Values("X-Forwarded-Proto"), r.TLS != nil)}
		w.Header().Set("X-Request-Id", st.id)
		sw := &statusWriter{ResponseWriter: w}
		ctx := context.WithValue(r.Context(), ctxKey{}, st)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			// A page reads the same roles and institutions for its
			// navigation, its access checks and its content.
			ctx = store.WithReadCache(ctx)
		}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := st.pattern
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, r.Method, sw.status, d)
		if route == "GET /static/" || route == "GET /healthz" || route == "GET /metrics" {
			return // too frequent to be worth a line each
		}
		s.log.LogAttrs(r.Context(), levelFor(sw.status), "http request",
			slog.String("id", st.id), slog.String("method", r.Method),
			slog.String("route", route), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int64("bytes", sw.n),
			slog.Duration("duration", d))
	})
}

// recoverPanic turns a panic in a handler into a clean 500 page and a log
// line with the stack; the user sees only the request id.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic in handler", "id", state(r).id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			s.renderError(w, r, http.StatusInternalServerError, domain.EINTERNAL, "")
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows no inline script or style and nothing from
// other origins.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// securityHeaders sets the security headers on every response. HSTS goes
// out when the public origin is https (the TLS usually ends at a proxy in
// front, so the request itself is plain HTTP) or the request came over TLS.
func securityHeaders(httpsOrigin bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if httpsOrigin || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// language picks the UI language from the lang cookie. A GET with ?lang=ko
// or ?lang=en sets the cookie and redirects to the same URL without it.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		if c, err := r.Cookie("lang"); err == nil && supportedLang(c.Value) {
			st.lang = c.Value
		}
		q := r.URL.Query()
		if l := q.Get("lang"); r.Method == http.MethodGet && supportedLang(l) {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
			q.Del("lang")
			target := r.URL.EscapedPath()
			if len(q) > 0 {
				target += "?" + q.Encode()
			}
			// The path is the request's: "//evil.example/?lang=en" must not
			// send the browser to evil.example.
			http.Redirect(w, r, edge.SafeRedirect(target, "/"), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}
