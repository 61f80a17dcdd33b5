package web

import (
	"net/http"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/signup"
)

// Department and position (부서 / 직책): optional fields of signup step 03
// and 권한/부가정보, shown to approvers and administrators.

// fillProfile adds the user's department and position to in.
func (s *Server) fillProfile(r *http.Request, in *signup.Info, userID int64) error {
	profs, err := s.store.GetUserProfiles(r.Context(), []int64{userID})
	if err != nil {
		return err
	}
	in.Department, in.Position = profs[userID].Department, profs[userID].Position
	return nil
}

// profileFields checks in's department and position into fe.
func profileFields(in *signup.Info, fe map[string]string) {
	var msg string
	if in.Department, msg = signup.ProfileField(in.Department); msg != "" {
		fe["department"] = msg
	}
	if in.Position, msg = signup.ProfileField(in.Position); msg != "" {
		fe["position"] = msg
	}
}

// profilesOf returns the department and position of the inbox's
// applicants who gave them.
func (s *Server) profilesOf(r *http.Request, items []access.InboxItem) (map[int64]*domain.UserProfile, error) {
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.Request.UserID)
	}
	profs, err := s.store.GetUserProfiles(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*domain.UserProfile, len(profs))
	for id, p := range profs {
		out[id] = &p
	}
	return out, nil
}
