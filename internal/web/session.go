package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// sessionCookie holds the opaque session token (auth.SessionTokens); the
// store keys the session by the token's creation time and SHA-256, never
// the token. With an https BaseURL the cookie is named hostSessionCookie:
// the __Host- prefix makes browsers keep it only when Secure, for Path=/
// and without Domain, so no other host (a sibling subdomain) can set it.
const (
	sessionCookie     = "gwanmun_session"
	hostSessionCookie = "__Host-" + sessionCookie
)

// sessionCookieName is the name of the session cookie on this server.
func (s *Server) sessionCookieName() string {
	if s.secure {
		return hostSessionCookie
	}
	return sessionCookie
}

// sessionTokens returns the session token maker, reading (or making) its
// secret from the store on first use.
func (s *Server) sessionTokens(r *http.Request) (*auth.SessionTokens, error) {
	if k := s.tokens.Load(); k != nil {
		return k, nil
	}
	k, err := auth.OpenSessionTokens(r.Context(), s.store, s.now())
	if err != nil {
		return nil, err
	}
	s.tokens.CompareAndSwap(nil, k)
	return s.tokens.Load(), nil
}

// touchEvery limits session writes: LastSeenAt is updated at most this often.
const touchEvery = time.Minute

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionToken returns the session cookie's token, "" without one.
func (s *Server) sessionToken(r *http.Request) string {
	if c, err := r.Cookie(s.sessionCookieName()); err == nil {
		return c.Value
	}
	return ""
}

// sessionEnd returns when the session ends if the user does nothing more:
// the idle timeout after the last request, capped by the absolute timeout.
func (s *Server) sessionEnd(se *domain.Session) time.Time {
	end := se.LastSeenAt.Add(s.cfg.SessionIdle)
	if se.ExpiresAt.Before(end) {
		end = se.ExpiresAt
	}
	return end
}

// loadSession finds the session of the cookie, ends it when it has been
// idle too long or is past its absolute timeout, touches it, and puts the
// user in the request state.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		if s.secure {
			if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
				// A cookie without the __Host- prefix (from before it, or
				// set by another host) is not a session here.
				http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true})
			}
		}
		if token := s.sessionToken(r); token != "" {
			tokens, err := s.sessionTokens(r)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			switch se, u, err := s.validSession(r, tokens.Key(token)); {
			case err == nil:
				st.session, st.user, st.csrf = &se, &u, se.CSRFToken
			case errors.Is(err, errSessionEnded):
				s.clearSessionCookie(w)
				st.msg = "session_expired"
			case errors.Is(err, store.ErrNotFound):
				s.clearSessionCookie(w)
			default:
				s.serverError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

var errSessionEnded = errors.New("session ended")

// validSession returns the live session id and its user. A session past
// its timeouts, or of a user who may no longer log in, is deleted and
// errSessionEnded returned.
func (s *Server) validSession(r *http.Request, id string) (domain.Session, domain.User, error) {
	ctx := r.Context()
	se, err := s.store.GetSession(ctx, id)
	if err != nil {
		return se, domain.User{}, err
	}
	now := s.now()
	if !now.Before(s.sessionEnd(&se)) {
		if err := s.store.DeleteSession(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return se, domain.User{}, err
		}
		return se, domain.User{}, errSessionEnded
	}
	u, err := s.store.GetUser(ctx, se.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && (u.Status == domain.UserLocked || u.Status == domain.UserWithdrawn) {
		if err := s.store.DeleteSession(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return se, u, err
		}
		return se, u, errSessionEnded
	} else if err != nil {
		return se, u, err
	}
	if now.Sub(se.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, id, now); err != nil {
			return se, u, err
		}
		se.LastSeenAt = now
	}
	return se, u, nil
}

// login starts a session for user, logged in with certificate certID. It
// always issues a new token (so a token planted before login is worthless)
// and deletes the session this browser had before, if any.
func (s *Server) login(w http.ResponseWriter, r *http.Request, user domain.User, certID int64) error {
	ns, err := s.newSession(s.store, r, user, certID)
	if err != nil {
		return err
	}
	s.startSession(w, r, ns)
	return nil
}

// pendingSession is a session stored but not yet handed to the browser.
type pendingSession struct {
	token   string
	session domain.Session
	user    domain.User
}

// newSession stores a new session for user through q (which may be a
// transaction) and deletes the browser's previous one. startSession hands
// it to the browser once q has committed.
func (s *Server) newSession(q store.Queries, r *http.Request, user domain.User, certID int64) (pendingSession, error) {
	ns, old, err := s.prepareSession(r)
	if err != nil {
		return pendingSession{}, err
	}
	if old != "" {
		if err := q.DeleteSession(r.Context(), old); err != nil && !errors.Is(err, store.ErrNotFound) {
			return pendingSession{}, err
		}
	}
	ns.session.UserID, ns.session.CertID, ns.user = user.ID, certID, user
	if err := q.CreateSession(r.Context(), &ns.session); err != nil {
		return pendingSession{}, err
	}
	return ns, nil
}

// prepareSession makes a new session token and the session's row, without
// its user, and returns with them the ID of the browser's previous session
// (to delete), if it has one.
func (s *Server) prepareSession(r *http.Request) (ns pendingSession, old string, err error) {
	tokens, err := s.sessionTokens(r)
	if err != nil {
		return ns, "", err
	}
	if t := s.sessionToken(r); t != "" {
		old = tokens.Key(t)
	}
	now := s.now()
	token := tokens.New(now)
	ua := r.UserAgent()
	if len(ua) > 256 {
		ua = ua[:256]
	}
	ns = pendingSession{token: token, session: domain.Session{
		ID:         tokens.Key(token),
		CSRFToken:  randomToken(32),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(s.cfg.SessionMax),
		ClientAddr: clientIP(r),
		UserAgent:  ua,
	}}
	return ns, old, nil
}

// startSession sets the session cookie and makes the session the
// request's own.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, ns pendingSession) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: ns.token, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	st := state(r)
	st.session, st.user, st.csrf = &ns.session, &ns.user, ns.session.CSRFToken
}

// logout ends the request's session, if any, and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	s.clearSessionCookie(w)
	if st.session == nil {
		return nil
	}
	err := s.store.DeleteSession(r.Context(), st.session.ID)
	st.session, st.user, st.csrf = nil, nil, ""
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// requireLogin lets logged-in users through and sends others to the home
// page with a message (or a 401 for API and fetch requests).
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if userFrom(r.Context()) != nil {
			if s.consentGate(w, r) { // a newer consent text must be agreed first (admin_consent.go)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if wantsJSON(r) || r.Method != http.MethodGet {
			s.renderError(w, r, http.StatusUnauthorized, domain.EUNAUTH, "")
			return
		}
		http.Redirect(w, r, "/?msg=login_required&next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	})
}
