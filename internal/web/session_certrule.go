package web

import (
	"net/http"
	"strings"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// The certificate rules, enforced on every request of a session (not only
// by the redirect after login):
//
//   - "forced": an administrator forced the user to re-register their
//     certificate (User.MustReregisterCert);
//   - "personal": the session logged in with a certificate that is not
//     personal while the user holds a role that needs one
//     (access.NeedsPersonal: roles that handle personal data, and every
//     administration role).
//
// Such a session may only change its certificate (인증서 관리), agree to
// the consent text, confirm (본인 확인, which the change needs), see and
// end its account's sessions (접속 중인 기기) and log out. Every other page redirects to /account/cert?reason=…; every other
// POST, JSON or API call answers 403 {"error":{"code":"cert_change_required"}}.

// certRuleAllowed are the paths a restricted session may still use.
var certRuleAllowed = map[string]bool{
	"/":                        true,
	"/account/cert":            true,
	"/account/cert/reregister": true,
	"/account/consent":         true,
	"/auth/challenge":          true,
	"/auth/confirm":            true,
	"/logout":                  true,
	"/session/extend":          true,
	"/api/v1/auth/csrf":        true,
	"/api/v1/auth/challenge":   true,
	"/api/v1/auth/logout":      true,
	"/healthz":                 true,
	"/readyz":                  true,
	"/favicon.ico":             true,
	"/api/openapi.json":        true,
}

// certRuleReason returns why the request's session is restricted to
// changing its certificate ("forced", "personal"), or "".
func (s *Server) certRuleReason(r *http.Request) (string, error) {
	st := state(r)
	if st.user == nil || st.session == nil {
		return "", nil
	}
	if st.user.MustReregisterCert {
		return "forced", nil
	}
	if st.session.CertClass == domain.CertPersonal {
		return "", nil
	}
	need, err := s.needsPersonalCert(r.Context(), st.user.ID)
	if err != nil || !need {
		return "", err
	}
	return "personal", nil
}

// certRule applies the certificate rules to every route.
func (s *Server) certRule(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if certRuleAllowed[p] || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/demo") ||
			p == "/account/sessions" || strings.HasPrefix(p, "/account/sessions/") {
			next.ServeHTTP(w, r)
			return
		}
		reason, err := s.certRuleReason(r)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if reason == "" {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet && !wantsJSON(r) && !strings.HasPrefix(p, "/api/") {
			http.Redirect(w, r, "/account/cert?reason="+reason, http.StatusSeeOther)
			return
		}
		s.renderError(w, r, http.StatusForbidden, codeCertChangeRequired, translate(state(r).lang, "cert.reason_"+reason))
	})
}

// codeCertChangeRequired answers what a restricted session may not do.
const codeCertChangeRequired = "cert_change_required"

func init() {
	for k, v := range map[string]message{
		"error.cert_change_required.title":   {"인증서를 먼저 바꿔야 합니다", "Change your certificate first"},
		"error.cert_change_required.message": {"인증서 관리에서 인증서를 먼저 바꾼 뒤 이용하세요.", "Change your certificate under Certificates first."},
	} {
		messages[k] = v
	}
}
