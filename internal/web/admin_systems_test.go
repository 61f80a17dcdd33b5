package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

func TestAdminSystems(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	// Province administrators and others are refused.
	province, pid := e.demoAccount("admin11")
	res, body := e.signedIn(province, pid).getPage("/admin/systems")
	wantStatus(t, "province admin", res, body, http.StatusForbidden)
	approver, aid := e.demoAccount("approver11110")
	res, body = e.signedIn(approver, aid).getPage("/admin/systems")
	wantStatus(t, "approver", res, body, http.StatusForbidden)

	admin, nid := e.demoAccount("admin")
	c := e.signedIn(admin, nid)
	res, body = c.getPage("/admin")
	if !strings.Contains(body, `href="/admin/systems"`) {
		t.Errorf("console front page lacks the systems link")
	}
	res, body = c.getPage("/admin/systems")
	wantStatus(t, "list", res, body, http.StatusOK)
	if !strings.Contains(body, "코로나19예방접종관리") {
		t.Errorf("systems list lacks the covid system")
	}

	// Create a system; bad codes and duplicates are refused.
	res, body = c.postForm("/admin/systems", url.Values{"code": {"TB Care"}, "name": {"결핵관리"}})
	wantStatus(t, "bad code", res, body, http.StatusUnprocessableEntity)
	res, body = c.postForm("/admin/systems", url.Values{"code": {"covid19-vaccination"}, "name": {"x"}})
	wantStatus(t, "duplicate code", res, body, http.StatusConflict)
	res, body = c.postForm("/admin/systems", url.Values{"code": {"tb"}, "name": {"결핵관리"}, "description": {"결핵 환자 관리"}})
	wantStatus(t, "create", res, body, http.StatusSeeOther)
	sys, err := e.s.store.GetSystemByCode(e.ctx, "tb")
	if err != nil || sys.Name != "결핵관리" {
		t.Fatalf("created system: %+v %v", sys, err)
	}
	base := fmt.Sprintf("/admin/systems/%d", sys.ID)
	res, body = c.getPage(base)
	wantStatus(t, "system page", res, body, http.StatusOK)

	// A role with every rule field.
	res, body = c.postForm(base+"/roles", url.Values{"code": {"tb-user"}, "name": {"결핵관리 User(의료기관)"},
		"description": {"d"}, "requestable_by": {"medical", "other"}, "approver_kind": {"health_centre"},
		"approver_role_id": {fmt.Sprint(e.demo.ApproverRoleID)}, "needs_personal_cert": {"1"}, "lifetime_days": {"365"}})
	wantStatus(t, "create role", res, body, http.StatusSeeOther)
	role, err := e.s.store.GetRoleByCode(e.ctx, sys.ID, "tb-user")
	if err != nil {
		t.Fatal(err)
	}
	if !role.RequestableByKind(domain.KindMedical) || !role.RequestableByKind(domain.KindOther) || role.RequestableByKind(domain.KindProvince) ||
		role.ApproverKind != domain.KindHealthCentre || role.ApproverRoleID != e.demo.ApproverRoleID || !role.NeedsPersonalCert ||
		role.GrantLifetime != 365*24*time.Hour || role.Admin {
		t.Errorf("role = %+v", role)
	}
	// Edit: becomes an admin role, then is retired. Widening a role needs
	// a fresh signature first (issue 15 item 4): refused and unchanged
	// without one.
	edit := url.Values{"name": {"결핵관리 관리자"}, "approver_kind": {"national"}, "admin": {"1"}, "retired": {"1"}}
	res, body = c.postForm(fmt.Sprintf("%s/roles/%d", base, role.ID), edit)
	wantStatus(t, "make a role an admin role without a confirmation", res, body, http.StatusForbidden)
	if !strings.Contains(body, `data-cert-purpose="confirm"`) || !strings.Contains(body, translate("ko", "confirm.action.role_save")) {
		t.Errorf("no confirmation page for the role edit:\n%s", body)
	}
	if r2, _ := e.s.store.GetRole(e.ctx, role.ID); r2.Admin || e.auditCount("role.update")+e.auditCount("role.retire") != 0 {
		t.Fatalf("an unconfirmed edit made the role an admin role: %+v", r2)
	}
	for _, widen := range []url.Values{
		{"name": {"x"}, "approver_kind": {"health_centre"}, "approver_role_id": {fmt.Sprint(e.demo.ApproverRoleID)}}, // drops needs_personal_cert
		{"name": {"x"}, "approver_kind": {"health_centre"}, "needs_personal_cert": {"1"}, "approver_role_id": {fmt.Sprint(e.demo.NationalAdminRoleID)}},
	} {
		res, body = c.postForm(fmt.Sprintf("%s/roles/%d", base, role.ID), widen)
		wantStatus(t, "widening edit without a confirmation", res, body, http.StatusForbidden)
	}
	e.confirmSessions(admin)
	res, body = c.postForm(fmt.Sprintf("%s/roles/%d", base, role.ID), edit)
	wantStatus(t, "edit role", res, body, http.StatusSeeOther)
	role, _ = e.s.store.GetRole(e.ctx, role.ID)
	if role.Name != "결핵관리 관리자" || !role.Admin || role.RetiredAt.IsZero() || len(role.RequestableBy) != 0 || role.ApproverRoleID != 0 || role.NeedsPersonalCert {
		t.Errorf("edited role = %+v", role)
	}
	res, body = c.postForm(base+"/roles", url.Values{"code": {"x"}, "name": {"x"}, "approver_kind": {"nowhere"}})
	wantStatus(t, "bad approver kind", res, body, http.StatusUnprocessableEntity)
	res, body = c.postForm(fmt.Sprintf("/admin/systems/%d/roles/%d", e.demo.CovidSystemID, role.ID), url.Values{"name": {"x"}, "approver_kind": {"national"}})
	wantStatus(t, "role of another system", res, body, http.StatusNotFound)

	// Menus: only /paths and http(s) URLs.
	for _, bad := range []string{"javascript:alert(1)", "//evil.example/x", "data:text/html,x", "ftp://x/y", "relative/path"} {
		res, body = c.postForm(base+"/menus", url.Values{"name": {"m"}, "url": {bad}})
		wantStatus(t, "menu URL "+bad, res, body, http.StatusUnprocessableEntity)
	}
	res, body = c.postForm(base+"/menus", url.Values{"name": {"환자 등록"}, "url": {"/systems/tb/register"}, "sort_order": {"2"}})
	wantStatus(t, "create menu", res, body, http.StatusSeeOther)
	res, body = c.postForm(base+"/menus", url.Values{"name": {"외부"}, "url": {"https://tb.example.go.kr/"}, "sort_order": {"1"}})
	wantStatus(t, "create external menu", res, body, http.StatusSeeOther)
	menus, _ := e.s.store.ListMenus(e.ctx, sys.ID)
	if len(menus) != 2 {
		t.Fatalf("menus = %+v", menus)
	}
	res, body = c.postForm(fmt.Sprintf("%s/menus/%d", base, menus[0].ID), url.Values{"name": {menus[0].Name}, "url": {menus[0].URL}, "retired": {"1"}})
	wantStatus(t, "retire menu", res, body, http.StatusSeeOther)

	// Retire the system.
	res, body = c.postForm(base, url.Values{"name": {"결핵관리"}, "retired": {"1"}})
	wantStatus(t, "retire system", res, body, http.StatusSeeOther)
	sys, _ = e.s.store.GetSystem(e.ctx, sys.ID)
	if sys.RetiredAt.IsZero() {
		t.Errorf("system not retired")
	}
	for action, n := range map[string]int{"system.create": 1, "system.retire": 1, "role.create": 1, "role.retire": 1, "menu.create": 2, "menu.update": 1} {
		if got := e.auditCount(action); got != n {
			t.Errorf("%s events = %d, want %d", action, got, n)
		}
	}
}
