package web

import (
	"context"
	"net/http"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// loginErrorPage is the data of the login_error page.
type loginErrorPage struct {
	Code    string
	Message string
	// NotRegistered offers signup and certificate re-registration.
	NotRegistered bool
}

// loginCreate handles POST /login: the certificate dialog's signed login
// challenge. Success starts a new session and goes to 메뉴보기.
func (s *Server) loginCreate(w http.ResponseWriter, r *http.Request) {
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	ctx := r.Context()
	var ns pendingSession
	user, cert, err := s.auth.Login(ctx, sr, func(q store.Queries, u domain.User, c domain.Certificate) (err error) {
		if ns, err = s.newSession(q, r, u, c.ID); err != nil {
			return err
		}
		return audit.Log(ctx, q, audit.ActorOf(u, clientIP(r)), "user.login", "user", u.ID,
			map[string]any{"cert_class": string(c.Class)}, s.now())
	})
	if err != nil {
		if !s.certFailure(w, r, err, "login_error", func(code, msg string) any {
			return loginErrorPage{Code: code, Message: msg, NotRegistered: code == auth.CodeNotRegistered}
		}) {
			s.error(w, r, err)
		}
		return
	}
	s.startSession(w, r, ns)

	next := "/menu"
	if cert.Class != domain.CertPersonal {
		// The agency's 2024 rule: holders of roles that handle personal
		// data must replace an institution certificate with a personal one;
		// they keep their roles.
		if need, err := s.needsPersonalCert(r.Context(), user.ID); err != nil {
			s.serverError(w, r, err)
			return
		} else if need {
			next = "/account/cert?reason=personal"
		}
	}
	if user.MustReregisterCert {
		next = "/account/cert?reason=forced"
	}
	next = s.loginNext(r.Context(), user, next) // re-consent first (admin_consent.go)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// needsPersonalCert reports whether the user holds an active role that
// needs a personal certificate.
func (s *Server) needsPersonalCert(ctx context.Context, userID int64) (bool, error) {
	grants, err := s.store.ListGrants(ctx, store.GrantFilter{UserID: userID, ActiveAt: s.now()})
	if err != nil {
		return false, err
	}
	for _, g := range grants {
		role, err := s.store.GetRole(ctx, g.RoleID)
		if err != nil {
			return false, err
		}
		if role.NeedsPersonalCert {
			return true, nil
		}
	}
	return false, nil
}
