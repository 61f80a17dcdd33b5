package web

import (
	"context"
	"github.com/gwanmun/gwanmun/internal/access"
	"maps"
	"net/http"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// loginErrorPage is the data of the login_error page.
type loginErrorPage struct {
	Code    string
	Message string
	// NotRegistered offers signup and certificate re-registration.
	NotRegistered bool
	// Institution: the unregistered certificate is an institution one;
	// the page offers signup and a login with the personal certificate.
	Institution bool
}

// loginCreate handles POST /login: the certificate dialog's signed login
// challenge. Success starts a new session and goes to 메뉴보기.
func (s *Server) loginCreate(w http.ResponseWriter, r *http.Request) {
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	if !s.allowKey(w, r, s.limits.loginCert, certKey(sr.Certificate)) {
		return
	}
	ns, cert, err := s.certLogin(r, sr, nil)
	user := ns.user
	if err != nil {
		if !s.certFailure(w, r, err, "login_error", func(code, msg string) any {
			return loginErrorPage{Code: code, Message: msg, NotRegistered: code == auth.CodeNotRegistered,
				Institution: code == auth.CodeInstitutionNotRegistered}
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

// certLogin logs in with a signed login challenge (auth.Service.Login):
// on success the session is stored, for startSession to hand to the
// browser, and the user.login event, with detail beside the certificate's
// class, is recorded.
func (s *Server) certLogin(r *http.Request, sr pki.SignedResponse, detail map[string]any) (pendingSession, domain.Certificate, error) {
	ns, old, err := s.prepareSession(r)
	if err != nil {
		return pendingSession{}, domain.Certificate{}, err
	}
	var eventErr error
	user, cert, err := s.auth.Login(r.Context(), sr, func(v *auth.Verified) store.LoginAttempt {
		d := map[string]any{"cert_class": string(v.Class)}
		maps.Copy(d, detail)
		// The store fills in the user (actor and target) and the time.
		ev, err := audit.Event(audit.Actor{ClientAddr: clientIP(r)}, "user.login", "user", 0, d, time.Time{})
		eventErr = err
		return store.LoginAttempt{OldSession: old, Session: ns.session, Audit: ev}
	})
	if err == nil {
		err = eventErr // cannot happen: the detail is two strings
	}
	if err != nil {
		return pendingSession{}, domain.Certificate{}, err
	}
	ns.user = user
	ns.session.UserID, ns.session.CertID = user.ID, cert.ID
	ns.session.CreatedAt, ns.session.LastSeenAt = user.LastLoginAt, user.LastLoginAt
	return ns, cert, nil
}

// needsPersonalCert reports whether the user holds an active role that
// needs a personal certificate (access.NeedsPersonal: roles that handle
// personal data, and administration roles).
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
		if access.NeedsPersonal(role) {
			return true, nil
		}
	}
	return false, nil
}
