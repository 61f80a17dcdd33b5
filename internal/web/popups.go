package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/popup"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Pop-up notices (팝업 공지, package popup): shown on the home page and on
// 메뉴보기 (where login lands) to their audience; national administrators
// publish and end them at /admin/popups.

func init() {
	adminLinks = append(adminLinks, adminLink{URL: "/admin/popups", Label: "popup.admin_title"})
	messageKeys["popup_added"] = true
	messageKeys["popup_ended"] = true
}

// popupPages are the pages that show pop-up notices.
var popupPages = map[string]bool{"home": true, "menu": true}

// popupsFor returns the notices page shows to the request's visitor; a
// failure to read them is logged and shows none.
func (s *Server) popupsFor(r *http.Request, page string) []domain.Popup {
	if !popupPages[page] || r.Method != http.MethodGet {
		return nil
	}
	ctx := r.Context()
	now := s.now()
	u := userFrom(ctx)
	var held map[int64]domain.Grant
	var err error
	if u != nil {
		if held, err = access.Held(ctx, s.store, u.ID, now); err != nil {
			s.log.Warn("popups: held roles", "err", err)
			return nil
		}
	}
	ps, err := popup.For(ctx, s.store, u, held, now)
	if err != nil {
		s.log.Warn("popups", "err", err)
		return nil
	}
	return ps
}

// popupAdminPage is the data of /admin/popups.
type popupAdminPage struct {
	Popups []domain.Popup
	Roles  []domain.Role
	Now    time.Time
	Error  string
	Draft  popupForm
}

type popupForm struct {
	Title, Body, Starts, Ends, Audience string
	RoleID                              int64
}

func (s *Server) adminPopupsRender(w http.ResponseWriter, r *http.Request, status int, p *popupAdminPage) {
	var err error
	if p.Popups, err = s.store.ListPopups(r.Context(), time.Time{}); err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Roles, err = s.store.ListRoles(r.Context(), 0); err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Now = s.now()
	if p.Draft.Starts == "" {
		p.Draft.Starts = p.Now.In(kst).Format("2006-01-02T15:04")
		p.Draft.Ends = p.Now.In(kst).AddDate(0, 0, 7).Format("2006-01-02T15:04")
		p.Draft.Audience = string(domain.PopupEveryone)
	}
	s.render(w, r, status, "admin_popups", p)
}

// adminPopupsShow handles GET /admin/popups.
func (s *Server) adminPopupsShow(w http.ResponseWriter, r *http.Request) {
	s.adminPopupsRender(w, r, http.StatusOK, &popupAdminPage{})
}

// adminPopupsCreate handles POST /admin/popups: title, body, starts and
// ends (KST, datetime-local), audience, role_id.
func (s *Server) adminPopupsCreate(w http.ResponseWriter, r *http.Request) {
	f := popupForm{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Starts: r.PostFormValue("starts"),
		Ends: r.PostFormValue("ends"), Audience: r.PostFormValue("audience")}
	f.RoleID, _ = strconv.ParseInt(r.PostFormValue("role_id"), 10, 64)
	p := domain.Popup{Title: f.Title, Body: f.Body, Audience: domain.PopupAudience(f.Audience), RoleID: f.RoleID}
	p.StartsAt, _ = time.ParseInLocation("2006-01-02T15:04", f.Starts, kst)
	p.EndsAt, _ = time.ParseInLocation("2006-01-02T15:04", f.Ends, kst)
	err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		return popup.Publish(ctx, q, a, &p, s.now())
	})
	var de *domain.Error
	if errors.As(err, &de) {
		s.adminPopupsRender(w, r, httpStatus(de.Code), &popupAdminPage{Error: de.Message, Draft: f})
		return
	} else if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/popups?msg=popup_added", http.StatusSeeOther)
}

// adminPopupsEnd handles POST /admin/popups/{id}/end.
func (s *Server) adminPopupsEnd(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		return popup.End(ctx, q, a, id, s.now())
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/popups?msg=popup_ended", http.StatusSeeOther)
}
