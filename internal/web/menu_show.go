package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/lifecycle"
	"github.com/gwanmun/gwanmun/internal/store"
)

// menuPage is the data of 메뉴보기.
type menuPage struct {
	Systems  []menuSystem
	Pending  []pendingRequest
	Expiring []access.ExpiringGrant // grants lapsing soon (account_renew.go)
	// CertExpiring is the registered certificate when it expires soon
	// (lifecycle/certexpiry.go): a banner points to 인증서 변경.
	CertExpiring *domain.Certificate
	CertDaysLeft int
}

type menuSystem struct {
	System domain.System
	Menus  []domain.Menu
	Roles  []string
}

// pendingRequest is a request still waiting, with whom to call about it.
type pendingRequest struct {
	Request  domain.RoleRequest
	Role     domain.Role
	Approver domain.Institution
	Waiting  time.Duration
}

// menuShow handles GET /menu (메뉴보기): the menus of every system for
// which the user holds an active role, read afresh on every load, so an
// approval shows at once and a revoked or lapsed role disappears at once.
// Without any, it shows the pending requests and whom to call.
func (s *Server) menuShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	now := s.now()
	var p menuPage
	var err error
	if p.Systems, err = s.userMenus(ctx, u.ID, now); err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Pending, err = s.userRequests(ctx, u.ID, domain.RequestPending); err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Expiring, err = s.expiring(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.CertExpiring, err = lifecycle.CertExpiring(ctx, s.store, u.ID, nil, now); err != nil {
		s.serverError(w, r, err)
		return
	} else if p.CertExpiring != nil {
		p.CertDaysLeft = lifecycle.DaysLeft(p.CertExpiring.NotAfter, now)
	}
	s.render(w, r, http.StatusOK, "menu", p)
}

// userRequests lists a user's requests in one status with their roles and
// approving institutions: pending ones oldest first, others newest first.
func (s *Server) userRequests(ctx context.Context, userID int64, status domain.RequestStatus) ([]pendingRequest, error) {
	reqs, _, err := s.store.ListRequests(ctx, store.RequestFilter{UserID: userID, Status: status, NewestFirst: status != domain.RequestPending})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]pendingRequest, 0, len(reqs))
	for _, rq := range reqs {
		role, err := s.store.GetRole(ctx, rq.RoleID)
		if err != nil {
			return nil, err
		}
		appr, err := s.store.GetInstitution(ctx, rq.ApproverInstitutionID)
		if err != nil {
			return nil, err
		}
		out = append(out, pendingRequest{Request: rq, Role: role, Approver: appr, Waiting: now.Sub(rq.CreatedAt)})
	}
	return out, nil
}

// userMenus returns the systems of which the user holds an active role at
// now, each with its current menus and the names of the roles held, in
// the order of the grants.
func (s *Server) userMenus(ctx context.Context, userID int64, now time.Time) ([]menuSystem, error) {
	grants, err := s.store.ListGrants(ctx, store.GrantFilter{UserID: userID, ActiveAt: now})
	if err != nil {
		return nil, err
	}
	var out []menuSystem
	bySystem := map[int64]int{}
	for _, g := range grants {
		role, err := s.store.GetRole(ctx, g.RoleID)
		if err != nil {
			return nil, err
		}
		i, ok := bySystem[role.SystemID]
		if !ok {
			sys, err := s.store.GetSystem(ctx, role.SystemID)
			if err != nil {
				return nil, err
			}
			if !sys.RetiredAt.IsZero() {
				continue
			}
			menus, err := s.store.ListMenus(ctx, sys.ID)
			if err != nil {
				return nil, err
			}
			current := []domain.Menu{}
			for _, m := range menus {
				if m.RetiredAt.IsZero() {
					current = append(current, m)
				}
			}
			if err := s.ssoMenuLinks(ctx, sys.ID, current); err != nil { // sso.go
				return nil, err
			}
			i = len(out)
			bySystem[sys.ID] = i
			out = append(out, menuSystem{System: sys, Menus: current})
		}
		out[i].Roles = append(out[i].Roles, role.Name)
	}
	return out, nil
}
