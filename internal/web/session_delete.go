package web

import "net/http"

// sessionDelete handles POST /logout ([로그아웃]): it ends the session and
// returns to the home page.
func (s *Server) sessionDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.logout(w, r); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/?msg=logged_out", http.StatusSeeOther)
}
