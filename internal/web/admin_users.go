package web

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The admin console's users section (/admin/users): search, the user's
// page behind a stated reason (logged in the personal-data access log),
// and the actions on an account: lock, unlock, end sessions, force
// certificate re-registration, revoke a grant.

func init() {
	adminLinks = append(adminLinks,
		adminLink{URL: "/admin/users", Label: "admin.users"},
		adminLink{URL: "/admin/approvers", Label: "admin.approvers"},
	)
}

// adminUserRoutes registers the users and approvers sections.
func (s *Server) adminUserRoutes(m *http.ServeMux) {
	a := func(h http.HandlerFunc) http.Handler { return s.requireAdmin(h) }
	m.Handle("GET /admin/users", a(s.adminUsersShow))
	m.Handle("GET /admin/users/{id}", a(s.adminUserShow))
	m.Handle("POST /admin/users/{id}/view", a(s.adminUserView))
	// Acting on an account (lock, unlock, end sessions, force certificate
	// re-registration, revoke a grant) and granting or taking back
	// approver roles ask for a fresh signature (requireConfirm); a form
	// sent without one is carried through the confirmation.
	c := func(h http.HandlerFunc) http.Handler { return s.requireAdmin(s.requireConfirm(h)) }
	m.Handle("POST /admin/users/{id}/{action}", c(s.adminUserAction))
	m.Handle("POST /admin/users/{id}/grants/{grant}/revoke", c(s.adminUserGrantRevoke))
	m.Handle("GET /admin/approvers", c(s.adminApproversShow))
	m.Handle("POST /admin/approvers/grant", c(s.adminApproverGrant))
	m.Handle("POST /admin/approvers/{grant}/revoke", c(s.adminApproverRevoke))
}

const adminPageSize = 20

// pager is the position in a paginated list; the links keep the filter.
type pager struct {
	Page, Pages, Total int
	PrevURL, NextURL   string
}

// newPager returns the pager of page (1-based) for total rows; base is the
// list's URL with its filter (without page). total < 0 means unknown: more
// says whether a next page exists.
func newPager(base url.Values, path string, page, total int, more bool) pager {
	p := pager{Page: page, Total: total}
	if total >= 0 {
		p.Pages = max(1, (total+adminPageSize-1)/adminPageSize)
		more = page < p.Pages
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range base {
			if len(vs) > 0 && vs[0] != "" && k != "page" {
				v.Set(k, vs[0])
			}
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if more {
		p.NextURL = link(page + 1)
	}
	return p
}

// pageParam returns the page number of the request, at least 1.
func pageParam(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	return min(max(n, 1), 1_000_000)
}

// scopeRoot returns the institution whose subtree the administrator
// covers: 0 (everything) for national administrators.
func scopeRoot(sc access.AdminScope) int64 {
	if sc.National {
		return 0
	}
	return sc.Province.ID
}

// instNames caches institutions by ID for one page.
type instNames map[int64]domain.Institution

// preload reads the institutions ids into n in one statement, so that a
// list page's rows do not read one each.
func (n instNames) preload(ctx context.Context, q store.Queries, ids []int64) {
	found, err := q.GetInstitutions(ctx, ids)
	if err != nil {
		return // get reads them one by one
	}
	maps.Copy(n, found)
}

func (n instNames) get(ctx context.Context, q store.Queries, id int64) domain.Institution {
	if in, ok := n[id]; ok || id == 0 {
		return in
	}
	in, err := q.GetInstitution(ctx, id)
	if err != nil {
		in = domain.Institution{ID: id, Name: "#" + strconv.FormatInt(id, 10)}
	}
	n[id] = in
	return in
}

// adminUserRow is a row of the users list.
type adminUserRow struct {
	User        domain.User
	Institution domain.Institution
}

type adminUsersPage struct {
	Rows  []adminUserRow
	Q     url.Values
	Pager pager
	// TotalText is the number of matches as shown: "10,000명 이상" when
	// the count stopped at domain.UserCountCap.
	TotalText string
	Statuses  []domain.UserStatus
	Sorts     []string
	Scope     access.AdminScope
}

var userStatuses = []domain.UserStatus{domain.UserPending, domain.UserActive, domain.UserLocked, domain.UserWithdrawn}

// adminUsersShow handles GET /admin/users: users in the administrator's
// scope, searched by name or login ID (q: one or two characters match the
// start of the name, given name or ID), institution (inst), certificate
// serial (serial) and status, sorted (sort, desc), 20 a page. The total
// stops at domain.UserCountCap ("10,000명 이상"); the pager then offers a
// next page while one more row exists.
func (s *Server) adminUsersShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc := adminScope(ctx)
	q := r.URL.Query()
	page := pageParam(r)
	// One row beyond the page says whether a next page exists when the
	// total is capped.
	f := domain.UserSearch{Query: strings.TrimSpace(q.Get("q")), InstitutionQuery: strings.TrimSpace(q.Get("inst")),
		CertSerial: strings.TrimSpace(q.Get("serial")), Status: domain.UserStatus(q.Get("status")),
		Sort: q.Get("sort"), Desc: q.Get("desc") == "1", UnderInstitutionID: scopeRoot(sc),
		Offset: (page - 1) * adminPageSize, Limit: adminPageSize + 1}
	if !slices.Contains(domain.UserSortKeys, f.Sort) {
		f.Sort = "name"
	}
	if !slices.Contains(userStatuses, f.Status) {
		f.Status = ""
	}
	users, total, capped, err := s.store.SearchUsers(ctx, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	more := len(users) > adminPageSize
	users = users[:min(len(users), adminPageSize)]
	p := &adminUsersPage{Q: q, Pager: newPager(q, "/admin/users", page, total, false), TotalText: groupDigits(total),
		Statuses: userStatuses, Sorts: domain.UserSortKeys, Scope: sc}
	if capped {
		p.Pager = newPager(q, "/admin/users", page, -1, more)
		p.TotalText = fmt.Sprintf(translate(state(r).lang, "admin.total_capped"), groupDigits(total))
	}
	names := instNames{}
	ids := make([]int64, 0, len(users))
	for _, u := range users {
		ids = append(ids, u.InstitutionID)
	}
	names.preload(ctx, s.store, ids)
	for _, u := range users {
		p.Rows = append(p.Rows, adminUserRow{User: u, Institution: names.get(ctx, s.store, u.InstitutionID)})
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"total": total, "total_capped": capped, "page": page, "users": adminUsersJSON(p.Rows)})
		return
	}
	s.render(w, r, http.StatusOK, "admin_users", p)
}

// groupDigits writes n with thousands separators: 10000 → "10,000".
func groupDigits(n int) string {
	d := strconv.Itoa(n)
	neg := strings.HasPrefix(d, "-")
	d = strings.TrimPrefix(d, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// adminUsersJSON is the list without personal data beyond name and login
// ID, which the search itself reveals.
func adminUsersJSON(rows []adminUserRow) []map[string]any {
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		out = append(out, map[string]any{"id": r.User.ID, "login_id": r.User.LoginID, "name": r.User.Name,
			"institution": r.Institution.Name, "status": r.User.Status})
	}
	return out
}

// adminTarget loads the user of the path's {id} and checks that the
// administrator's scope covers their institution (404 otherwise, so that
// a province administrator learns nothing of other provinces).
func (s *Server) adminTarget(ctx context.Context, q store.Queries, r *http.Request) (domain.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return domain.User{}, domain.Errorf(domain.ENOTFOUND, "사용자를 찾을 수 없습니다.")
	}
	u, err := q.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return u, domain.Errorf(domain.ENOTFOUND, "사용자를 찾을 수 없습니다.")
	} else if err != nil {
		return u, err
	}
	ok, err := s.coversInstitution(ctx, q, adminScope(ctx), u.InstitutionID)
	if err != nil {
		return u, err
	}
	if !ok {
		return u, domain.Errorf(domain.ENOTFOUND, "사용자를 찾을 수 없습니다.")
	}
	return u, nil
}

// coversInstitution reports whether sc covers the institution id.
func (s *Server) coversInstitution(ctx context.Context, q store.Queries, sc access.AdminScope, id int64) (bool, error) {
	if sc.National {
		return true, nil
	}
	if id == 0 {
		return false, nil
	}
	in, err := q.GetInstitution(ctx, id)
	if err != nil {
		return false, err
	}
	return sc.Covers(ctx, q, in)
}

// adminUserPage is the data of a user's page: the reason form until a
// reason was given, then the personal data.
type adminUserPage struct {
	User        domain.User
	Shown       bool // personal data shown (a reason was logged)
	Purpose     string
	Error       string
	Notice      string
	Institution domain.Institution
	Centre      domain.Institution
	Certs       []domain.Certificate
	Grants      []adminGrantRow
	Requests    []adminRequestRow
	Self        bool
	PurposeMax  int
	Actions     []string           // the account actions offered
	Profile     domain.UserProfile // department and position (account_profile.go)
}

type adminGrantRow struct {
	Grant  domain.Grant
	Role   domain.Role
	System domain.System
	Active bool
}

type adminRequestRow struct {
	Request  domain.RoleRequest
	Role     domain.Role
	Approver domain.Institution
}

const maxPurposeRunes = 200

// adminUserShow handles GET /admin/users/{id}: the reason form (열람 사유)
// that guards the user's personal data.
func (s *Server) adminUserShow(w http.ResponseWriter, r *http.Request) {
	u, err := s.adminTarget(r.Context(), s.store, r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_user", &adminUserPage{User: domain.User{ID: u.ID}, PurposeMax: maxPurposeRunes})
}

// purposeOf returns the stated reason of the form, or an error message.
func purposeOf(r *http.Request) (string, string) {
	p := strings.TrimSpace(r.PostFormValue("purpose"))
	switch {
	case p == "":
		return "", translate(state(r).lang, "admin.purpose_required")
	case utf8.RuneCountInString(p) > maxPurposeRunes:
		return "", translate(state(r).lang, "admin.purpose_long")
	}
	return p, ""
}

// adminUserView handles POST /admin/users/{id}/view: logs who opened whose
// personal data, when and why, then shows it.
func (s *Server) adminUserView(w http.ResponseWriter, r *http.Request) {
	u, err := s.adminTarget(r.Context(), s.store, r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	purpose, msg := purposeOf(r)
	if msg != "" {
		s.render(w, r, http.StatusBadRequest, "admin_user", &adminUserPage{User: domain.User{ID: u.ID}, Error: msg, PurposeMax: maxPurposeRunes})
		return
	}
	s.adminUserRender(w, r, http.StatusOK, u.ID, purpose, "", "")
}

// adminUserRender logs an access to user id's personal data with purpose
// and renders their page with a notice or error.
// userActions returns the account actions that make sense for a user in
// status st: lock or unlock, whichever applies; nothing but ending
// sessions for a withdrawn account.
func userActions(st domain.UserStatus) []string {
	switch st {
	case domain.UserLocked:
		return []string{"unlock", "sessions", "reregister"}
	case domain.UserWithdrawn:
		return []string{"sessions"}
	}
	return []string{"lock", "sessions", "reregister"}
}

func (s *Server) adminUserRender(w http.ResponseWriter, r *http.Request, status int, id int64, purpose, notice, errMsg string) {
	ctx := r.Context()
	admin := userFrom(ctx)
	now := s.now()
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	err = s.store.LogPersonalDataAccess(ctx, &domain.PersonalDataAccess{At: now, ActorID: admin.ID, SubjectID: u.ID,
		SubjectInstitutionID: u.InstitutionID, Purpose: purpose, ClientAddr: clientIP(r)})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := &adminUserPage{User: u, Shown: true, Purpose: purpose, Notice: notice, Error: errMsg, Self: u.ID == admin.ID, PurposeMax: maxPurposeRunes,
		Actions: userActions(u.Status)}
	names := instNames{}
	p.Institution = names.get(ctx, s.store, u.InstitutionID)
	if c, err := s.store.JurisdictionCentre(ctx, u.InstitutionID); err == nil {
		p.Centre = c
	}
	if profs, err := s.store.GetUserProfiles(ctx, []int64{u.ID}); err == nil {
		p.Profile = profs[u.ID]
	}
	if p.Certs, err = s.store.ListCertificates(ctx, u.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	grants, err := s.store.ListGrants(ctx, store.GrantFilter{UserID: u.ID, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	roles, systems := map[int64]domain.Role{}, map[int64]domain.System{}
	role := func(id int64) domain.Role {
		if ro, ok := roles[id]; ok {
			return ro
		}
		ro, _ := s.store.GetRole(ctx, id)
		roles[id] = ro
		if _, ok := systems[ro.SystemID]; !ok {
			systems[ro.SystemID], _ = s.store.GetSystem(ctx, ro.SystemID)
		}
		return ro
	}
	for _, g := range grants {
		ro := role(g.RoleID)
		p.Grants = append(p.Grants, adminGrantRow{Grant: g, Role: ro, System: systems[ro.SystemID], Active: g.Active(now)})
	}
	reqs, _, err := s.store.ListRequests(ctx, store.RequestFilter{UserID: u.ID, NewestFirst: true, Page: store.Page{Limit: 50}})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, rq := range reqs {
		p.Requests = append(p.Requests, adminRequestRow{Request: rq, Role: role(rq.RoleID), Approver: names.get(ctx, s.store, rq.ApproverInstitutionID)})
	}
	s.render(w, r, status, "admin_user", p)
}

// adminUserAction handles POST /admin/users/{id}/{action} for lock,
// unlock, sessions (end every session) and reregister (force certificate
// re-registration). Each runs in one transaction with its audit event;
// the page is shown again under the reason given when it was opened.
func (s *Server) adminUserAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	action := r.PathValue("action")
	if !slices.Contains([]string{"lock", "unlock", "sessions", "reregister"}, action) {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, "")
		return
	}
	purpose, msg := purposeOf(r)
	if msg != "" {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, msg)
		return
	}
	admin := *userFrom(ctx)
	now := s.now()
	var target domain.User
	err := s.store.InTx(ctx, func(q store.Queries) error {
		u, err := s.adminTarget(ctx, q, r)
		if err != nil {
			return err
		}
		target = u
		if u.ID == admin.ID {
			return domain.Errorf(domain.EFORBIDDEN, "%s", translate(state(r).lang, "admin.not_self"))
		}
		if u.Status == domain.UserWithdrawn {
			return domain.Errorf(domain.ECONFLICT, "%s", translate(state(r).lang, "admin.withdrawn"))
		}
		detail := map[string]any{}
		switch action {
		case "lock":
			if u.Status == domain.UserLocked {
				return domain.Errorf(domain.ECONFLICT, "%s", translate(state(r).lang, "admin.already_locked"))
			}
			u.Status, u.UpdatedAt = domain.UserLocked, now
			if err := q.UpdateUser(ctx, &u); err != nil {
				return err
			}
			n, err := q.DeleteUserSessions(ctx, u.ID)
			if err != nil {
				return err
			}
			cancelled, err := access.CancelPendingOf(ctx, q, u.ID, admin.ID, "계정 잠금 (account locked)", now)
			if err != nil {
				return err
			}
			detail["sessions_ended"], detail["requests_cancelled"] = n, cancelled
		case "unlock":
			if u.Status != domain.UserLocked {
				return domain.Errorf(domain.ECONFLICT, "%s", translate(state(r).lang, "admin.not_locked"))
			}
			held, err := q.ListGrants(ctx, store.GrantFilter{UserID: u.ID, Page: store.Page{Limit: 1}})
			if err != nil {
				return err
			}
			u.Status, u.UpdatedAt = domain.UserPending, now
			if len(held) > 0 {
				u.Status = domain.UserActive
			}
			if err := q.UpdateUser(ctx, &u); err != nil {
				return err
			}
			detail["status"] = u.Status
		case "sessions":
			n, err := q.DeleteUserSessions(ctx, u.ID)
			if err != nil {
				return err
			}
			detail["sessions_ended"] = n
		case "reregister":
			u.MustReregisterCert, u.UpdatedAt = true, now
			if err := q.UpdateUser(ctx, &u); err != nil {
				return err
			}
			n, err := q.DeleteUserSessions(ctx, u.ID)
			if err != nil {
				return err
			}
			detail["sessions_ended"] = n
		}
		return audit.Log(ctx, q, audit.ActorOf(admin, clientIP(r)), "admin.user."+action, "user", u.ID, detail, now)
	})
	if target.ID == 0 || (err != nil && domain.ErrorCode(err) != domain.ECONFLICT && domain.ErrorCode(err) != domain.EFORBIDDEN) {
		s.error(w, r, err)
		return
	}
	if err != nil {
		var de *domain.Error
		errors.As(err, &de)
		s.adminUserRender(w, r, httpStatus(de.Code), target.ID, purpose, "", de.Message)
		return
	}
	s.adminUserRender(w, r, http.StatusOK, target.ID, purpose, translate(state(r).lang, "admin.done_"+action), "")
}

// adminUserGrantRevoke handles POST /admin/users/{id}/grants/{grant}/revoke:
// ends one of the user's active grants, with a reason (required).
func (s *Server) adminUserGrantRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	purpose, msg := purposeOf(r)
	if msg != "" {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, msg)
		return
	}
	target, err := s.adminTarget(ctx, s.store, r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	gid, _ := strconv.ParseInt(r.PathValue("grant"), 10, 64)
	err = s.revokeGrant(r, target.ID, gid, "admin.grant.revoke")
	var de *domain.Error
	switch {
	case err == nil:
		s.adminUserRender(w, r, http.StatusOK, target.ID, purpose, translate(state(r).lang, "admin.done_revoke"), "")
	case errors.As(err, &de):
		s.adminUserRender(w, r, httpStatus(de.Code), target.ID, purpose, "", de.Message)
	default:
		s.serverError(w, r, err)
	}
}

// revokeGrant revokes user userID's active grant gid with the form's
// reason, auditing action, in one transaction.
func (s *Server) revokeGrant(r *http.Request, userID, gid int64, action string) error {
	ctx := r.Context()
	lang := state(r).lang
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		return domain.Errorf(domain.EINVALID, "%s", translate(lang, "admin.reason_required"))
	}
	if utf8.RuneCountInString(reason) > access.MaxReason {
		return domain.Errorf(domain.EINVALID, "%s", translate(lang, "admin.reason_long"))
	}
	admin := *userFrom(ctx)
	now := s.now()
	return s.store.InTx(ctx, func(q store.Queries) error {
		grants, err := q.ListGrants(ctx, store.GrantFilter{UserID: userID, ActiveAt: now, Page: store.Page{Limit: store.MaxLimit}})
		if err != nil {
			return err
		}
		for _, g := range grants {
			if g.ID != gid {
				continue
			}
			if err := q.RevokeGrant(ctx, g.ID, admin.ID, reason, now); errors.Is(err, store.ErrConflict) {
				return domain.Errorf(domain.ECONFLICT, "%s", translate(lang, "admin.grant_gone"))
			} else if err != nil {
				return err
			}
			return audit.Log(ctx, q, audit.ActorOf(admin, clientIP(r)), action, "grant", g.ID,
				map[string]any{"user_id": userID, "role_id": g.RoleID}, now)
		}
		return domain.Errorf(domain.ENOTFOUND, "%s", translate(lang, "admin.grant_gone"))
	})
}

// approverRole is a role that some role names as its ApproverRoleID, with
// the institution kinds where its holders decide.
type approverRole struct {
	Role   domain.Role
	System domain.System
	Kinds  []domain.InstitutionKind
}

// approverRoles lists the live approver roles, by system then name.
func (s *Server) approverRoles(ctx context.Context, q store.Queries) ([]approverRole, error) {
	roles, err := q.ListRoles(ctx, 0)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*approverRole{}
	var out []*approverRole
	for _, ro := range roles {
		if ro.ApproverRoleID == 0 || !ro.RetiredAt.IsZero() {
			continue
		}
		ar := byID[ro.ApproverRoleID]
		if ar == nil {
			a, err := q.GetRole(ctx, ro.ApproverRoleID)
			if err != nil || !a.RetiredAt.IsZero() {
				continue
			}
			sys, _ := q.GetSystem(ctx, a.SystemID)
			ar = &approverRole{Role: a, System: sys}
			byID[a.ID] = ar
			out = append(out, ar)
		}
		if !slices.Contains(ar.Kinds, ro.ApproverKind) {
			ar.Kinds = append(ar.Kinds, ro.ApproverKind)
		}
	}
	res := make([]approverRole, len(out))
	for i, a := range out {
		res[i] = *a
	}
	slices.SortFunc(res, func(a, b approverRole) int {
		if c := strings.Compare(a.System.Name, b.System.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Role.Name, b.Role.Name)
	})
	return res, nil
}

type adminApproversPage struct {
	Roles   []approverRole
	Role    approverRole
	Holders []adminHolderRow
	Error   string
	Notice  string
	LoginID string
}

type adminHolderRow struct {
	Grant       domain.Grant
	User        domain.User
	Institution domain.Institution
}

// grantHolders reads the users of grants and their institutions, in two
// statements.
func grantHolders(ctx context.Context, q store.Queries, grants []domain.Grant) (map[int64]domain.User, map[int64]domain.Institution, error) {
	ids := make([]int64, 0, len(grants))
	for _, g := range grants {
		ids = append(ids, g.UserID)
	}
	users, err := q.GetUsers(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	instIDs := make([]int64, 0, len(users))
	for _, u := range users {
		instIDs = append(instIDs, u.InstitutionID)
	}
	insts, err := q.GetInstitutions(ctx, instIDs)
	if err != nil {
		return nil, nil, err
	}
	return users, insts, nil
}

// adminApproversShow handles GET /admin/approvers?role=ID: the approver
// roles, and the current holders of one within the administrator's scope.
func (s *Server) adminApproversShow(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.URL.Query().Get("role"), 10, 64)
	s.adminApproversRender(w, r, http.StatusOK, id, "", "")
}

func (s *Server) adminApproversRender(w http.ResponseWriter, r *http.Request, status int, roleID int64, notice, errMsg string) {
	ctx := r.Context()
	sc := adminScope(ctx)
	p := &adminApproversPage{Notice: notice, Error: errMsg, LoginID: r.PostFormValue("login_id")}
	var err error
	if p.Roles, err = s.approverRoles(ctx, s.store); err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, ar := range p.Roles {
		if ar.Role.ID == roleID || (roleID == 0 && p.Role.Role.ID == 0) {
			p.Role = ar
		}
	}
	if p.Role.Role.ID != 0 && sc.Any() {
		// Every holder in the scope, a store page at a time (the
		// province's subtree is a condition of the query).
		f := store.GrantFilter{RoleID: p.Role.Role.ID, ActiveAt: s.now()}
		if !sc.National {
			f.UnderInstitutionID = sc.Province.ID
		}
		for off := 0; ; off += store.MaxLimit {
			f.Page = store.Page{Offset: off, Limit: store.MaxLimit}
			grants, err := s.store.ListGrants(ctx, f)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			users, insts, err := grantHolders(ctx, s.store, grants)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			for _, g := range grants {
				if u, ok := users[g.UserID]; ok {
					p.Holders = append(p.Holders, adminHolderRow{Grant: g, User: u, Institution: insts[u.InstitutionID]})
				}
			}
			if len(grants) < store.MaxLimit {
				break
			}
		}
	}
	s.render(w, r, status, "admin_approvers", p)
}

// adminApproverGrant handles POST /admin/approvers/grant: gives the user
// with login_id the approver role role, directly (no request), when their
// institution is in scope and of a kind where that role decides.
func (s *Server) adminApproverGrant(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := state(r).lang
	roleID, _ := strconv.ParseInt(r.PostFormValue("role"), 10, 64)
	loginID := strings.TrimSpace(r.PostFormValue("login_id"))
	admin := *userFrom(ctx)
	now := s.now()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		roles, err := s.approverRoles(ctx, q)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(roles, func(a approverRole) bool { return a.Role.ID == roleID })
		if i < 0 {
			return domain.Errorf(domain.EINVALID, "%s", translate(lang, "admin.choose_role"))
		}
		ar := roles[i]
		u, err := q.GetUserByLoginID(ctx, loginID)
		if errors.Is(err, store.ErrNotFound) || loginID == "" {
			return domain.Errorf(domain.ENOTFOUND, "%s", translate(lang, "admin.no_such_user"))
		} else if err != nil {
			return err
		}
		if ok, err := s.coversInstitution(ctx, q, adminScope(ctx), u.InstitutionID); err != nil {
			return err
		} else if !ok {
			return domain.Errorf(domain.ENOTFOUND, "%s", translate(lang, "admin.no_such_user"))
		}
		if u.Status != domain.UserActive && u.Status != domain.UserPending {
			return domain.Errorf(domain.ECONFLICT, "%s", translate(lang, "admin.user_not_usable"))
		}
		inst, err := q.GetInstitution(ctx, u.InstitutionID)
		if err != nil {
			return err
		}
		if !slices.Contains(ar.Kinds, inst.Kind) {
			return domain.Errorf(domain.EINVALID, translate(lang, "admin.wrong_kind"), inst.Kind.Label())
		}
		// The rule request decisions apply (access.Decide): a role that
		// needs a personal certificate goes only to a holder of one.
		if access.NeedsPersonal(ar.Role) {
			if ok, err := access.HasPersonalCert(ctx, q, u.ID, now); err != nil {
				return err
			} else if !ok {
				return access.ErrApplicantNoCert
			}
		}
		g := domain.Grant{UserID: u.ID, RoleID: ar.Role.ID, GrantedAt: now, GrantedBy: admin.ID}
		if err := q.CreateGrant(ctx, &g); errors.Is(err, store.ErrAlreadyExists) {
			return domain.Errorf(domain.ECONFLICT, "%s", translate(lang, "admin.already_holds"))
		} else if err != nil {
			return err
		}
		if u.Status == domain.UserPending {
			u.Status, u.UpdatedAt = domain.UserActive, now
			if err := q.UpdateUser(ctx, &u); err != nil {
				return err
			}
		}
		return audit.Log(ctx, q, audit.ActorOf(admin, clientIP(r)), "admin.approver.grant", "grant", g.ID,
			map[string]any{"user_id": u.ID, "role_id": ar.Role.ID}, now)
	})
	var de *domain.Error
	switch {
	case err == nil:
		s.adminApproversRender(w, r, http.StatusOK, roleID, translate(lang, "admin.done_grant"), "")
	case errors.As(err, &de):
		s.adminApproversRender(w, r, httpStatus(de.Code), roleID, "", de.Message)
	default:
		s.serverError(w, r, err)
	}
}

// adminApproverRevoke handles POST /admin/approvers/{grant}/revoke: takes
// an approver role back, with a reason.
func (s *Server) adminApproverRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := state(r).lang
	gid, _ := strconv.ParseInt(r.PathValue("grant"), 10, 64)
	roleID, _ := strconv.ParseInt(r.PostFormValue("role"), 10, 64)
	userID, _ := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	u, err := s.store.GetUser(ctx, userID)
	if err == nil {
		var ok bool
		if ok, err = s.coversInstitution(ctx, s.store, adminScope(ctx), u.InstitutionID); err == nil && !ok {
			err = domain.Errorf(domain.ENOTFOUND, "%s", translate(lang, "admin.grant_gone"))
		}
	} else if errors.Is(err, store.ErrNotFound) {
		err = domain.Errorf(domain.ENOTFOUND, "%s", translate(lang, "admin.grant_gone"))
	}
	if err == nil {
		err = s.revokeGrant(r, u.ID, gid, "admin.approver.revoke")
	}
	var de *domain.Error
	switch {
	case err == nil:
		s.adminApproversRender(w, r, http.StatusOK, roleID, translate(lang, "admin.done_revoke"), "")
	case errors.As(err, &de):
		s.adminApproversRender(w, r, httpStatus(de.Code), roleID, "", de.Message)
	default:
		s.serverError(w, r, err)
	}
}
