package web

import (
	"context"
	"net/http"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
)

// The admin console (관리자) lives under /admin. Feature files register
// their routes in adminRoutes' callers; every admin handler runs behind
// requireAdmin, which puts the administrator's scope in the context.

type adminCtxKey struct{}

// requireAdmin lets administrators (national, or of a province) through
// and refuses everyone else with 403 (401 when not logged in).
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return s.requireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userFrom(r.Context())
		sc, err := access.AdminScopeOf(r.Context(), s.store, *u, s.now())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !sc.Any() {
			s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "admin.not_admin"))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), adminCtxKey{}, sc)))
	}))
}

// adminScope returns the administrator's scope set by requireAdmin.
func adminScope(ctx context.Context) access.AdminScope {
	sc, _ := ctx.Value(adminCtxKey{}).(access.AdminScope)
	return sc
}

// adminShow handles GET /admin: the console's front page.
func (s *Server) adminShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "admin", adminScope(r.Context()))
}

func init() {
	for k, v := range map[string]message{
		"nav_admin":       {"관리자", "Administration"},
		"admin.not_admin": {"관리자만 이용할 수 있습니다.", "Only administrators can use this page."},
		"admin.title":     {"관리자", "Administration"},
		"admin.scope":     {"관리 범위", "Scope"},
		"admin.national":  {"전국 (질병관리청)", "Nationwide (national agency)"},
	} {
		messages[k] = v
	}
}

// adminLink is a section of the console on its front page.
type adminLink struct{ URL, Label string }

// adminLinks lists the console's sections; feature files append theirs
// from an init function.
var adminLinks []adminLink
