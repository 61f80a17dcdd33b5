package web

import "net/http"

// lifecycleRoutes registers the routes of the account's later life
// (issue 18): grant renewal, reactivation.
func (s *Server) lifecycleRoutes(m *http.ServeMux) {
	m.Handle("POST /account/grants/{id}/renew", s.requireLogin(http.HandlerFunc(s.accountGrantRenew)))

	reactivateLimit := NewRateLimiter(30, 10, s.now)
	m.HandleFunc("GET /account/reactivate", s.accountReactivateShow)
	m.Handle("POST /account/reactivate", s.rateLimit(reactivateLimit, http.HandlerFunc(s.accountReactivateCreate)))
}
