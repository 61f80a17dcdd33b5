package web

import (
	"net/http"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/signup"
)

// signupHaveAccount answers a signup with a certificate that already has
// an account. Whoever signed holds the certificate's key, so it is their
// account: say so, and offer [공동인증서 로그인] on the page (409).
func (s *Server) signupHaveAccount(w http.ResponseWriter, r *http.Request, d signup.Draft) {
	msg := translate(state(r).lang, "signup.have_account")
	if wantsJSON(r) {
		writeJSON(w, http.StatusConflict, map[string]any{"error": map[string]string{"code": string(domain.ECONFLICT), "message": msg}})
		return
	}
	p := s.signupPageFor(signup.StepCert, msg, "", d)
	p.HaveAccount = true
	s.signupRender(w, r, http.StatusConflict, p)
}
