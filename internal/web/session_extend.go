package web

import (
	"net/http"
	"time"
)

// sessionExtend handles POST /session/extend ([로그인 연장]): it restarts the
// idle timeout and answers with the session's new end as JSON:
// {"expiresAt": RFC 3339, "remainingSeconds": n}. The absolute timeout
// still applies.
func (s *Server) sessionExtend(w http.ResponseWriter, r *http.Request) {
	se := state(r).session
	now := s.now()
	if err := s.store.TouchSession(r.Context(), se.ID, now); err != nil {
		s.serverError(w, r, err)
		return
	}
	se.LastSeenAt = now
	end := s.sessionEnd(se)
	writeJSON(w, http.StatusOK, map[string]any{
		"expiresAt":        end.UTC().Format(time.RFC3339),
		"remainingSeconds": int(end.Sub(now).Seconds()),
	})
}
