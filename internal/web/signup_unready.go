package web

import (
	"errors"
	"net/http"

	"github.com/gwanmun/gwanmun/internal/store"
)

// signupUnreadyCode answers a signup on a database without any consent
// text. `gwanmun migrate` and `gwanmun serve` add the default text
// (firstrun.EnsureConsent), so only a database changed under a running
// process can get here; the page says what is missing instead of a 500.
const signupUnreadyCode = "signup_unready"

func init() {
	messages["error."+signupUnreadyCode+".title"] = message{"가입 준비 중", "Signup is not open yet"}
	messages["error."+signupUnreadyCode+".message"] = message{
		"가입 준비 중: 관리자가 동의 문구를 등록해야 합니다. 잠시 후 다시 시도하거나 담당자에게 문의하세요.",
		"Signup is being prepared: an administrator must add the consent text first. Try again later or contact the help desk.",
	}
}

// signupUnready answers 503 when err says that no consent text exists, and
// reports whether it did.
func (s *Server) signupUnready(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, store.ErrNotFound) {
		return false
	}
	s.log.Warn("signup without a consent text: add one at /admin/consent (gwanmun migrate adds the default)", "id", state(r).id)
	w.Header().Set("Retry-After", "300")
	s.renderError(w, r, http.StatusServiceUnavailable, signupUnreadyCode, "")
	return true
}
