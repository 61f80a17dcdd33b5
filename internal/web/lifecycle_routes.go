package web

import "net/http"

// lifecycleRoutes registers the routes of the account's later life
// (issue 18): grant renewal, change of institution, reactivation.
func (s *Server) lifecycleRoutes(m *http.ServeMux) {
	m.Handle("POST /account/grants/{id}/renew", s.requireLogin(http.HandlerFunc(s.accountGrantRenew)))

	m.Handle("GET /account/institution", s.requireLogin(http.HandlerFunc(s.accountInstitutionShow)))
	m.Handle("POST /account/institution", s.requireLogin(http.HandlerFunc(s.accountInstitutionCreate)))
	m.Handle("POST /account/institution/{id}/withdraw", s.requireLogin(http.HandlerFunc(s.accountInstitutionWithdraw)))
	m.Handle("POST /account/institution/rerequest", s.requireLogin(http.HandlerFunc(s.accountInstitutionRerequest)))
	m.Handle("GET /approvals/institutions", s.requireLogin(http.HandlerFunc(s.approvalsInstitutionsShow)))
	m.Handle("POST /approvals/institutions/{id}/decide", s.requireLogin(http.HandlerFunc(s.approvalsInstitutionsDecide)))

	m.HandleFunc("GET /privacy", s.privacyPolicyShow) // privacy_policy.go
	m.Handle("GET /admin/privacy-policy", s.requireNational(s.adminPrivacyPolicyShow))
	m.Handle("POST /admin/privacy-policy", s.requireNational(s.adminPrivacyPolicyCreate))

	m.Handle("GET /admin/popups", s.requireNational(s.adminPopupsShow)) // popups.go
	m.Handle("POST /admin/popups", s.requireNational(s.adminPopupsCreate))
	m.Handle("POST /admin/popups/{id}/end", s.requireNational(s.adminPopupsEnd))

	reactivateLimit := NewRateLimiter(30, 10, s.now)
	m.HandleFunc("GET /account/reactivate", s.accountReactivateShow)
	m.Handle("POST /account/reactivate", s.rateLimit(reactivateLimit, http.HandlerFunc(s.accountReactivateCreate)))
}
