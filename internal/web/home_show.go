package web

import "net/http"

// homeShow handles GET /, the home page (사이트 접속): the signup and
// certificate login buttons, notices and help contacts for visitors; the
// welcome and menu for logged-in users.
func (s *Server) homeShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", homePage{Notices: s.homeNotices(r.Context())})
}

// homePage is the data of the home page: the newest portal notices.
type homePage struct{ Notices []homeNotice }
