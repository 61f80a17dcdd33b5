package web

import (
	"errors"
	"net/http"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/lifecycle"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// Self-service reactivation (휴면 해제, lifecycle/reactivate.go): the
// owner of an account locked for inactivity signs a reactivate challenge
// with the registered certificate; the account reopens and the owner is
// logged in. Reached from the login error page of a locked account.

// reactivatePage is the data of the reactivate page.
type reactivatePage struct {
	Error string
	Code  string
	// Done: reopened (and logged in); Lapsed grants stay lapsed.
	Done   bool
	Lapsed int
}

// lifecycleMail is the lifecycle package's outbox writer, nil without a
// mail server.
func (s *Server) lifecycleMail() *lifecycle.Mail {
	if s.cfg.Mail == nil {
		return nil
	}
	return &lifecycle.Mail{Site: s.cfg.Mail.Site}
}

// accountReactivateShow handles GET /account/reactivate.
func (s *Server) accountReactivateShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "reactivate", &reactivatePage{})
}

// accountReactivateCreate handles POST /account/reactivate: the dialog's
// answer to a reactivate challenge.
func (s *Server) accountReactivateCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	p := &reactivatePage{}
	v, err := s.auth.Verify(ctx, pki.PurposeReactivate, sr)
	if err != nil {
		if !s.certFailure(w, r, err, "reactivate", func(code, msg string) any {
			p.Error, p.Code = msg, code
			if code == pki.CodeCertExpired {
				p.Error += " " + translate(state(r).lang, "reactivate.expired_hint")
			}
			return p
		}) {
			s.error(w, r, err)
		}
		return
	}
	res, err := lifecycle.Reactivate(ctx, s.store, v.KeyHash, clientIP(r), s.lifecycleMail(), s.now())
	var de *domain.Error
	var al *lifecycle.AdminLocked
	switch {
	case errors.As(err, &al):
		p.Error, p.Code = al.Error(), "admin_locked"
		s.reactivateRender(w, r, http.StatusForbidden, p)
		return
	case errors.As(err, &de):
		p.Error, p.Code = de.Message, de.Code
		s.reactivateRender(w, r, httpStatus(de.Code), p)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if err := s.login(w, r, res.User, res.Cert.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"redirect": "/menu", "lapsed_grants": res.Lapsed})
		return
	}
	p.Done, p.Lapsed = true, res.Lapsed
	s.render(w, r, http.StatusOK, "reactivate", p)
}

func (s *Server) reactivateRender(w http.ResponseWriter, r *http.Request, status int, p *reactivatePage) {
	if wantsJSON(r) {
		writeJSON(w, status, map[string]any{"error": map[string]string{"code": p.Code, "message": p.Error}})
		return
	}
	s.render(w, r, status, "reactivate", p)
}
