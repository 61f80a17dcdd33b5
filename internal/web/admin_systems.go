package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Systems, roles and menus administration (/admin/systems): national
// administrators create, edit and retire the portal's systems, their roles
// with every rule field, and their menus. Every change is audited in the
// transaction that makes it.

func init() {
	adminLinks = append(adminLinks, adminLink{URL: "/admin/systems", Label: "sysadm.title"})
	for k, v := range map[string]message{
		"sysadm.title":          {"시스템·권한·메뉴 관리", "Systems, permissions and menus"},
		"sysadm.national_only":  {"질병관리청 관리자만 이용할 수 있습니다.", "Only national administrators can use this page."},
		"sysadm.systems":        {"시스템", "Systems"},
		"sysadm.new_system":     {"시스템 추가", "Add a system"},
		"sysadm.code":           {"코드", "Code"},
		"sysadm.code_help":      {"영문 소문자, 숫자, - 만 (예: covid19-vaccination)", "Lower-case letters, digits and - (e.g. covid19-vaccination)"},
		"sysadm.name":           {"이름", "Name"},
		"sysadm.description":    {"설명", "Description"},
		"sysadm.retired":        {"폐지", "Retired"},
		"sysadm.retire":         {"폐지 (더 이상 사용하지 않음)", "Retired (no longer in use)"},
		"sysadm.active":         {"사용 중", "In use"},
		"sysadm.edit":           {"편집", "Edit"},
		"sysadm.save":           {"저장", "Save"},
		"sysadm.add":            {"추가", "Add"},
		"sysadm.roles":          {"권한", "Permissions"},
		"sysadm.new_role":       {"권한 추가", "Add a permission"},
		"sysadm.requestable_by": {"신청 가능 기관 종류", "Requestable by staff of"},
		"sysadm.approver_kind":  {"승인기관 종류", "Approving institution kind"},
		"sysadm.approver_role":  {"승인자 권한", "Approver's permission"},
		"sysadm.approver_none":  {"없음 (질병관리청 관리자만 승인)", "None (national administrators decide)"},
		"sysadm.personal_cert":  {"개인용 인증서 필요 (개인정보 취급)", "Needs a personal certificate (handles personal data)"},
		"sysadm.lifetime":       {"권한 유효기간 (일, 0은 무기한)", "Grant lifetime (days, 0 for none)"},
		"sysadm.admin":          {"관리자 권한", "Administration permission"},
		"sysadm.menus":          {"메뉴", "Menus"},
		"sysadm.new_menu":       {"메뉴 추가", "Add a menu"},
		"sysadm.url":            {"주소 (URL)", "URL"},
		"sysadm.url_help":       {"/로 시작하는 포털 안 주소 또는 http(s):// 주소", "A path starting with / or an http(s):// URL"},
		"sysadm.sort":           {"순서", "Order"},
		"sysadm.saved":          {"저장했습니다.", "Saved."},
		"sysadm.none":           {"없습니다.", "None."},
		"sysadm.board":          {"게시판", "Boards"},
		"msg.sysadm_saved":      {"저장했습니다.", "Saved."},
	} {
		messages[k] = v
	}
	messageKeys["sysadm_saved"] = true
}

// requireNational lets national administrators through.
func (s *Server) requireNational(next http.HandlerFunc) http.Handler {
	return s.requireAdmin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !adminScope(r.Context()).National {
			s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "sysadm.national_only"))
			return
		}
		next(w, r)
	}))
}

// adminSystemRoutes registers /admin/systems.
func (s *Server) adminSystemRoutes(m *http.ServeMux) {
	m.Handle("GET /admin/systems", s.requireNational(s.adminSystemsShow))
	m.Handle("POST /admin/systems", s.requireNational(s.adminSystemCreate))
	m.Handle("GET /admin/systems/{id}", s.requireNational(s.adminSystemShow))
	m.Handle("POST /admin/systems/{id}", s.requireNational(s.adminSystemUpdate))
	m.Handle("POST /admin/systems/{id}/roles", s.requireNational(s.adminRoleSave))
	m.Handle("POST /admin/systems/{id}/roles/{rid}", s.requireNational(s.adminRoleSave))
	m.Handle("POST /admin/systems/{id}/menus", s.requireNational(s.adminMenuSave))
	m.Handle("POST /admin/systems/{id}/menus/{mid}", s.requireNational(s.adminMenuSave))
	s.adminSSORoutes(m)
}

// systemsPage is the data of the systems list.
type systemsPage struct {
	Systems []domain.System
	Error   string
	Form    domain.System
}

func (s *Server) adminSystemsShow(w http.ResponseWriter, r *http.Request) {
	s.renderSystems(w, r, http.StatusOK, systemsPage{})
}

func (s *Server) renderSystems(w http.ResponseWriter, r *http.Request, status int, p systemsPage) {
	var err error
	if p.Systems, err = s.store.ListSystems(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "admin_systems", p)
}

var systemCode = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// readSystem reads and checks the system form into sys.
func readSystem(r *http.Request, sys *domain.System, now time.Time) string {
	sys.Name = strings.TrimSpace(r.PostFormValue("name"))
	sys.Description = strings.TrimSpace(r.PostFormValue("description"))
	switch {
	case r.PostFormValue("retired") == "1" && sys.RetiredAt.IsZero():
		sys.RetiredAt = now
	case r.PostFormValue("retired") != "1":
		sys.RetiredAt = time.Time{}
	}
	switch {
	case !systemCode.MatchString(sys.Code):
		return "코드는 영문 소문자, 숫자, - 만 쓸 수 있습니다 (code: a-z, 0-9, -)."
	case sys.Name == "" || utf8.RuneCountInString(sys.Name) > 100:
		return "이름을 100자 이내로 입력하세요 (name: 1-100 characters)."
	case utf8.RuneCountInString(sys.Description) > 1000:
		return "설명은 1000자 이내입니다 (description: up to 1000 characters)."
	}
	return ""
}

func (s *Server) adminSystemCreate(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	sys := domain.System{Code: strings.TrimSpace(r.PostFormValue("code")), CreatedAt: now}
	if msg := readSystem(r, &sys, now); msg != "" {
		s.renderSystems(w, r, http.StatusUnprocessableEntity, systemsPage{Error: msg, Form: sys})
		return
	}
	err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		if err := q.CreateSystem(ctx, &sys); err != nil {
			return err
		}
		return audit.Log(ctx, q, a, "system.create", "system", sys.ID, map[string]any{"code": sys.Code}, now)
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		s.renderSystems(w, r, http.StatusConflict, systemsPage{Error: "같은 코드의 시스템이 있습니다 (a system with this code exists).", Form: sys})
		return
	} else if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/systems/"+strconv.FormatInt(sys.ID, 10)+"?msg=sysadm_saved", http.StatusSeeOther)
}

// adminTx runs fn in a transaction with the administrator as actor.
func (s *Server) adminTx(r *http.Request, fn func(ctx context.Context, q store.Queries, a audit.Actor) error) error {
	ctx := r.Context()
	a := audit.ActorOf(*userFrom(ctx), clientIP(r))
	return s.store.InTx(ctx, func(q store.Queries) error { return fn(ctx, q, a) })
}

// systemPage is the data of one system's page.
type systemPage struct {
	System   domain.System
	Roles    []domain.Role
	AllRoles []domain.Role // approver role choices, every system's
	Menus    []domain.Menu
	Kinds    []domain.InstitutionKind
	Error    string
	SSO      *ssoAdmin // the system as an OpenID Connect client (admin_sso.go)
}

// LifetimeDays returns a role's grant lifetime in whole days.
func (systemPage) LifetimeDays(r domain.Role) int { return int(r.GrantLifetime / (24 * time.Hour)) }

// HasKind reports whether the role is requestable by kind k.
func (systemPage) HasKind(r domain.Role, k domain.InstitutionKind) bool {
	return r.RequestableByKind(k)
}

func (s *Server) loadSystem(w http.ResponseWriter, r *http.Request) (domain.System, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	sys, err := s.store.GetSystem(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return sys, false
	} else if err != nil {
		s.serverError(w, r, err)
		return sys, false
	}
	return sys, true
}

func (s *Server) adminSystemShow(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	s.renderSystem(w, r, http.StatusOK, sys, "")
}

func (s *Server) renderSystem(w http.ResponseWriter, r *http.Request, status int, sys domain.System, msg string) {
	ctx := r.Context()
	p := systemPage{System: sys, Kinds: domain.InstitutionKinds, Error: msg}
	var err error
	if p.Roles, err = s.store.ListRoles(ctx, sys.ID); err == nil {
		if p.AllRoles, err = s.store.ListRoles(ctx, 0); err == nil {
			if p.Menus, err = s.store.ListMenus(ctx, sys.ID); err == nil {
				p.SSO, err = s.ssoSection(r, sys.ID)
			}
		}
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, "admin_system", p)
}

func (s *Server) adminSystemUpdate(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	now := s.now()
	was := sys.RetiredAt
	if msg := readSystem(r, &sys, now); msg != "" {
		s.renderSystem(w, r, http.StatusUnprocessableEntity, sys, msg)
		return
	}
	err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		if err := q.UpdateSystem(ctx, &sys); err != nil {
			return err
		}
		action := "system.update"
		switch {
		case was.IsZero() && !sys.RetiredAt.IsZero():
			action = "system.retire"
		case !was.IsZero() && sys.RetiredAt.IsZero():
			action = "system.restore"
		}
		return audit.Log(ctx, q, a, action, "system", sys.ID, map[string]any{"code": sys.Code}, now)
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/systems/"+strconv.FormatInt(sys.ID, 10)+"?msg=sysadm_saved", http.StatusSeeOther)
}

// adminRoleSave handles POST /admin/systems/{id}/roles (new) and
// /admin/systems/{id}/roles/{rid} (edit): every rule field of a role.
func (s *Server) adminRoleSave(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	now := s.now()
	role := domain.Role{SystemID: sys.ID, CreatedAt: now}
	if rid := r.PathValue("rid"); rid != "" {
		id, _ := strconv.ParseInt(rid, 10, 64)
		var err error
		role, err = s.store.GetRole(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && role.SystemID != sys.ID {
			s.notFound(w, r)
			return
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	was, old := role.RetiredAt, role
	if msg := s.readRole(r, &role, now); msg != "" {
		s.renderSystem(w, r, http.StatusUnprocessableEntity, sys, msg)
		return
	}
	isNew := role.ID == 0
	if roleWidens(old, role, isNew) && !s.confirmGate(w, r) {
		return
	}
	err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		action := "role.update"
		if isNew {
			action = "role.create"
			if err := q.CreateRole(ctx, &role); err != nil {
				return err
			}
		} else if err := q.UpdateRole(ctx, &role); err != nil {
			return err
		}
		if !isNew && was.IsZero() && !role.RetiredAt.IsZero() {
			action = "role.retire"
		}
		kinds := make([]string, len(role.RequestableBy))
		for i, k := range role.RequestableBy {
			kinds[i] = string(k)
		}
		return audit.Log(ctx, q, a, action, "role", role.ID, map[string]any{"system_id": sys.ID, "code": role.Code,
			"requestable_by": kinds, "approver_kind": string(role.ApproverKind), "approver_role_id": role.ApproverRoleID,
			"needs_personal_cert": role.NeedsPersonalCert, "grant_lifetime_days": int(role.GrantLifetime / (24 * time.Hour)),
			"admin": role.Admin, "retired": !role.RetiredAt.IsZero()}, now)
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		s.renderSystem(w, r, http.StatusConflict, sys, "이 시스템에 같은 코드의 권한이 있습니다 (a permission with this code exists).")
		return
	} else if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/systems/"+strconv.FormatInt(sys.ID, 10)+"?msg=sysadm_saved#role-"+strconv.FormatInt(role.ID, 10), http.StatusSeeOther)
}

// roleWidens reports whether saving role (before: old) widens privileges,
// which needs a fresh signature: it becomes an administration role, stops
// needing a personal certificate, gets another approver role (whose
// holders then decide who gets it), or comes back from retirement (its
// holders' grants count again).
func roleWidens(old, role domain.Role, isNew bool) bool {
	if isNew {
		return role.Admin
	}
	return role.Admin && !old.Admin ||
		old.NeedsPersonalCert && !role.NeedsPersonalCert ||
		role.ApproverRoleID != old.ApproverRoleID && role.ApproverRoleID != 0 ||
		!old.RetiredAt.IsZero() && role.RetiredAt.IsZero()
}

// readRole reads and checks the role form into role.
func (s *Server) readRole(r *http.Request, role *domain.Role, now time.Time) string {
	if role.ID == 0 {
		role.Code = strings.TrimSpace(r.PostFormValue("code"))
	}
	role.Name = strings.TrimSpace(r.PostFormValue("name"))
	role.Description = strings.TrimSpace(r.PostFormValue("description"))
	role.RequestableBy = nil
	for _, v := range r.PostForm["requestable_by"] {
		k := domain.InstitutionKind(v)
		if !k.Valid() {
			return "알 수 없는 기관 종류입니다 (unknown institution kind)."
		}
		role.RequestableBy = append(role.RequestableBy, k)
	}
	role.ApproverKind = domain.InstitutionKind(r.PostFormValue("approver_kind"))
	role.ApproverRoleID, _ = strconv.ParseInt(r.PostFormValue("approver_role_id"), 10, 64)
	role.NeedsPersonalCert = r.PostFormValue("needs_personal_cert") == "1"
	role.Admin = r.PostFormValue("admin") == "1"
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("lifetime_days")))
	if r.PostFormValue("lifetime_days") == "" {
		days, err = 0, nil
	}
	if err != nil || days < 0 || days > 3650 {
		return "권한 유효기간은 0~3650일입니다 (lifetime: 0-3650 days)."
	}
	role.GrantLifetime = time.Duration(days) * 24 * time.Hour
	switch {
	case r.PostFormValue("retired") == "1" && role.RetiredAt.IsZero():
		role.RetiredAt = now
	case r.PostFormValue("retired") != "1":
		role.RetiredAt = time.Time{}
	}
	switch {
	case !systemCode.MatchString(role.Code):
		return "코드는 영문 소문자, 숫자, - 만 쓸 수 있습니다 (code: a-z, 0-9, -)."
	case role.Name == "" || utf8.RuneCountInString(role.Name) > 100:
		return "이름을 100자 이내로 입력하세요 (name: 1-100 characters)."
	case utf8.RuneCountInString(role.Description) > 1000:
		return "설명은 1000자 이내입니다 (description: up to 1000 characters)."
	case !role.ApproverKind.Valid():
		return "승인기관 종류를 고르세요 (choose the approving institution kind)."
	case role.ApproverRoleID != 0 && role.ApproverRoleID == role.ID:
		return "권한이 자기 자신의 승인자일 수 없습니다 (a permission cannot approve itself)."
	}
	if role.ApproverRoleID != 0 {
		if _, err := s.store.GetRole(r.Context(), role.ApproverRoleID); err != nil {
			return "승인자 권한이 없습니다 (no such approver permission)."
		}
	}
	return ""
}

// validMenuURL accepts a path inside the portal ("/…", not "//…") or an
// absolute http(s) URL with a host.
func validMenuURL(raw string) bool {
	if raw == "" || len(raw) > 500 || strings.ContainsAny(raw, " \t\r\n\\") {
		return false
	}
	if strings.HasPrefix(raw, "/") {
		return !strings.HasPrefix(raw, "//")
	}
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

// adminMenuSave handles POST /admin/systems/{id}/menus (new) and
// /admin/systems/{id}/menus/{mid} (edit).
func (s *Server) adminMenuSave(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	now := s.now()
	menu := domain.Menu{SystemID: sys.ID}
	if mid := r.PathValue("mid"); mid != "" {
		id, _ := strconv.ParseInt(mid, 10, 64)
		menus, err := s.store.ListMenus(ctx, sys.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		found := false
		for _, m := range menus {
			if m.ID == id {
				menu, found = m, true
			}
		}
		if !found {
			s.notFound(w, r)
			return
		}
	}
	menu.Name = strings.TrimSpace(r.PostFormValue("name"))
	menu.URL = strings.TrimSpace(r.PostFormValue("url"))
	menu.SortOrder, _ = strconv.Atoi(r.PostFormValue("sort_order"))
	switch {
	case r.PostFormValue("retired") == "1" && menu.RetiredAt.IsZero():
		menu.RetiredAt = now
	case r.PostFormValue("retired") != "1":
		menu.RetiredAt = time.Time{}
	}
	switch {
	case menu.Name == "" || utf8.RuneCountInString(menu.Name) > 100:
		s.renderSystem(w, r, http.StatusUnprocessableEntity, sys, "메뉴 이름을 100자 이내로 입력하세요 (menu name: 1-100 characters).")
		return
	case !validMenuURL(menu.URL):
		s.renderSystem(w, r, http.StatusUnprocessableEntity, sys, "주소는 /로 시작하는 포털 안 주소나 http(s):// 주소여야 합니다 (URL: a /path or an http(s) URL).")
		return
	}
	isNew := menu.ID == 0
	err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		action := "menu.update"
		if isNew {
			action = "menu.create"
			if err := q.CreateMenu(ctx, &menu); err != nil {
				return err
			}
		} else if err := q.UpdateMenu(ctx, &menu); err != nil {
			return err
		}
		return audit.Log(ctx, q, a, action, "menu", menu.ID, map[string]any{"system_id": sys.ID, "url": menu.URL,
			"sort_order": menu.SortOrder, "retired": !menu.RetiredAt.IsZero()}, now)
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/systems/"+strconv.FormatInt(sys.ID, 10)+"?msg=sysadm_saved", http.StatusSeeOther)
}
