package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// csrfCookie holds an anonymous visitor's random CSRF seed. The token in
// forms is its HMAC under Config.CSRFKey (a signed double-submit cookie), so
// a cookie planted by a sibling domain is useless without the key.
const csrfCookie = "gwanmun_csrf"

// csrfField and csrfHeader carry the token in forms and fetch() calls.
const (
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

// anonCSRFToken returns the form token for an anonymous CSRF seed.
func (s *Server) anonCSRFToken(seed string) string {
	m := hmac.New(sha256.New, s.cfg.CSRFKey)
	m.Write([]byte("gwanmun anonymous csrf\x00" + seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfCheck makes the request's CSRF token available (the session's for a
// logged-in user, else one derived from the anonymous cookie, set when
// absent) and rejects state-changing requests that do not carry it.
func (s *Server) csrfCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		if st.session == nil {
			seed := ""
			if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
				seed = c.Value
			}
			if seed == "" {
				seed = randomToken(32)
				http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: seed, Path: "/",
					HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
			}
			st.csrf = s.anonCSRFToken(seed)
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			if _, ok := s.boundBody(w, r); !ok {
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		// The body is bounded, and a multipart body refused unless the
		// route takes uploads, before anything reads it (body.go).
		multipart, ok := s.boundBody(w, r)
		if !ok {
			return
		}
		if isBearerAPI(r) { // API tokens are no ambient credential (api_routes.go)
			next.ServeHTTP(w, r)
			return
		}
		got := r.Header.Get(csrfHeader)
		if multipart && got == "" {
			// An upload form carries its token inside the multipart body:
			// the route's upload parser checks it, after authentication.
			st.csrfPending = true
			next.ServeHTTP(w, r)
			return
		}
		if !s.parseURLEncoded(w, r) {
			return
		}
		if got == "" {
			got = r.PostForm.Get(csrfField)
		}
		if !csrfMatches(got, st.csrf) { // plain or masked (csrf_mask.go)
			s.renderError(w, r, http.StatusForbidden, "csrf", "")
			return
		}
		next.ServeHTTP(w, r)
	})
}
