package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Grant renewal (권한 연장, access/renewal.go): the notice of grants that
// lapse soon on 메뉴보기 and 권한/부가정보, and the holder's [연장 신청].

// expiring lists the logged-in user's grants that lapse within their
// notice period, for the renewal notice (partials/renewal_notice.html).
func (s *Server) expiring(r *http.Request) ([]access.ExpiringGrant, error) {
	u := userFrom(r.Context())
	if u == nil {
		return nil, nil
	}
	return access.ExpiringGrants(r.Context(), s.store, *u, s.cfg.Sweep.Renewal, s.now())
}

// renewGrant files the logged-in user's renewal of grant id.
func (s *Server) renewGrant(r *http.Request, id int64) (domain.RoleRequest, error) {
	ctx := r.Context()
	var req domain.RoleRequest
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		req, err = access.RequestRenewal(ctx, q, *userFrom(ctx), clientIP(r), id, s.cfg.Sweep.Renewal, s.cfg.Mail, s.now())
		return err
	})
	return req, err
}

// accountGrantRenew handles POST /account/grants/{id}/renew ([연장 신청]).
func (s *Server) accountGrantRenew(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	_, err := s.renewGrant(r, id)
	var de *domain.Error
	if errors.As(err, &de) {
		s.accountRolesRender(w, r, httpStatus(de.Code), &rolesPage{View: "held", Error: de.Message})
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/roles?view=pending&done=renewal", http.StatusSeeOther)
}

// apiGrantRenew handles POST /api/v1/me/grants/{id}/renew: the renewal
// request, 201 with the request.
func (s *Server) apiGrantRenew(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	req, err := s.renewGrant(r, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"request": requestJSON(req)})
}

// renewalsOf marks the renewal requests among the inbox's items.
func (s *Server) renewalsOf(r *http.Request, items []access.InboxItem) (map[int64]*access.RenewalInfo, error) {
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.Request.ID
	}
	info, err := access.RenewalsInfo(r.Context(), s.store, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*access.RenewalInfo, len(info))
	for id, in := range info {
		out[id] = &in
	}
	return out, nil
}
