package web

import "net/http"

// adminRoutes registers the admin console's sections. Each section's file
// defines a method that registers its own routes; list it here, one line
// each, all behind s.requireAdmin.
func (s *Server) adminRoutes(m *http.ServeMux) {
	s.apiTokenRoutes(m)
	s.adminUserRoutes(m)
	s.adminAuditRoutes(m)
	s.adminSystemRoutes(m)
	s.adminConsentRoutes(m)
	s.adminInstitutionRoutes(m)
	s.adminTrustRoutes(m)
}
