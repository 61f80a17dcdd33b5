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
		if isBearerAPI(r) { // API tokens are no ambient credential (api_routes.go)
			next.ServeHTTP(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		default:
			if !s.limitBody(w, r) { // bounds multipart bodies before they are parsed (board.go)
				return
			}
			got := r.Header.Get(csrfHeader)
			if got == "" {
				got = r.PostFormValue(csrfField)
			}
			if !csrfMatches(got, st.csrf) { // plain or masked (csrf_mask.go)
				s.renderError(w, r, http.StatusForbidden, "csrf", "")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
