package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// Sensitive actions (an administrator granting or taking back roles,
// locking accounts, ...) ask the user to sign a fresh challenge first:
// confirmTTL after such a signature, the session counts as confirmed.
const confirmTTL = 5 * time.Minute

// confirmed reports whether the request's session re-signed recently.
func (s *Server) confirmed(r *http.Request) bool {
	st := state(r)
	return st.session != nil && !st.session.ConfirmedAt.IsZero() && s.now().Sub(st.session.ConfirmedAt) < confirmTTL
}

// requireConfirm lets recently confirmed sessions through. Others are
// shown the confirmation page (GET), or refused with 403 and a pointer to
// it (other methods), and come back to the same page once they signed.
func (s *Server) requireConfirm(next http.Handler) http.Handler {
	return s.requireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.confirmed(r) {
			next.ServeHTTP(w, r)
			return
		}
		back := r.URL.Path
		if r.Method == http.MethodGet && r.URL.RawQuery != "" {
			back += "?" + r.URL.RawQuery
		}
		if r.Method != http.MethodGet {
			back = r.Header.Get("Referer")
			if u, err := url.Parse(back); err == nil {
				back = u.RequestURI()
			}
		}
		if r.Method != http.MethodGet || wantsJSON(r) {
			s.renderError(w, r, http.StatusForbidden, "confirm_required", translate(state(r).lang, "confirm.required"))
			return
		}
		s.render(w, r, http.StatusOK, "confirm", confirmPage{Next: safeNext(back)})
	}))
}

type confirmPage struct {
	Next  string
	Error string
	Code  string
}

// safeNext keeps only a local path, so the confirmation cannot redirect
// elsewhere.
func safeNext(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/menu"
	}
	return p
}

// confirmCreate handles POST /auth/confirm: the user signs a fresh
// "confirm" challenge with the certificate registered to the account.
func (s *Server) confirmCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := state(r)
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	next := safeNext(r.PostFormValue("next"))
	fail := func(code, msg string) any { return confirmPage{Next: next, Error: msg, Code: code} }
	v, err := s.auth.Verify(ctx, pki.PurposeConfirm, sr)
	if err != nil {
		if !s.certFailure(w, r, err, "confirm", fail) {
			s.error(w, r, err)
		}
		return
	}
	cert, err := s.store.GetCertificateByKeyHash(ctx, v.KeyHash)
	if err != nil || cert.UserID != st.user.ID || !cert.Current() {
		msg := translate(st.lang, "confirm.not_yours")
		if wantsJSON(r) {
			s.renderError(w, r, http.StatusForbidden, "confirm_not_yours", msg)
			return
		}
		s.render(w, r, http.StatusForbidden, "confirm", fail("confirm_not_yours", msg))
		return
	}
	now := s.now()
	if err := s.store.ConfirmSession(ctx, st.session.ID, now); err != nil {
		s.serverError(w, r, err)
		return
	}
	st.session.ConfirmedAt = now
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func init() {
	for k, v := range map[string]message{
		"confirm.title":                   {"본인 확인", "Confirm it is you"},
		"confirm.lead":                    {"중요한 작업입니다. 계속하려면 등록된 공동인증서로 다시 서명하세요. 확인은 5분 동안 유효합니다.", "This is a sensitive action. Sign again with your registered certificate to continue. The confirmation lasts 5 minutes."},
		"confirm.button":                  {"공동인증서로 본인 확인", "Confirm with your certificate"},
		"confirm.required":                {"본인 확인이 필요합니다. 페이지를 새로 고친 뒤 공동인증서로 다시 서명하세요.", "Please confirm it is you: reload the page and sign again with your certificate."},
		"confirm.not_yours":               {"이 계정에 등록된 인증서가 아닙니다. 로그인에 사용한 인증서를 선택하세요.", "This certificate is not registered to your account. Choose the one you log in with."},
		"error.confirm_required.title":    {"본인 확인이 필요합니다", "Confirmation needed"},
		"error.confirm_required.message":  {"본인 확인이 필요합니다.", "Please confirm it is you."},
		"error.confirm_not_yours.title":   {"본인 확인 실패", "Confirmation failed"},
		"error.confirm_not_yours.message": {"이 계정에 등록된 인증서가 아닙니다.", "This certificate is not registered to your account."},
	} {
		messages[k] = v
	}
}
