package web

import (
	"net/http"
	"strings"
)

// consentEnglish returns the English translation of the consent text for
// an English page, or "" (Korean page, or no translation configured).
func (s *Server) consentEnglish(r *http.Request, ko string) string {
	if state(r).lang != "en" || ko == "" {
		return ""
	}
	for k, en := range s.cfg.ConsentTranslations {
		if strings.TrimSpace(k) == strings.TrimSpace(ko) {
			return strings.TrimSpace(en)
		}
	}
	return ""
}
