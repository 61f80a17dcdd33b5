package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/privacy"
	"github.com/gwanmun/gwanmun/internal/signup"
)

// TestDepartmentPosition: optional 부서 / 직책 at signup step 03, on
// 권한/부가정보, in the approver's inbox, on the administrator's user page
// and in the export.
func TestDepartmentPosition(t *testing.T) {
	e := newSeededEnv(t, nil)
	iss := issue(t, "정부서", 4, nil)
	c := e.client()
	c.consent()
	c.registerCert(iss)
	f := infoForm(signup.CertName(iss.Cert.Subject.CommonName), "deptuser", e.inst(clinicCode).ID)
	f.Set("department", strings.Repeat("가", domain.MaxProfileField+1))
	res, body := c.postForm("/signup/info", f)
	wantStatus(t, "too long a department", res, body, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "50자 이내로 입력하세요") {
		t.Error("too long a department: no message")
	}
	f.Set("department", " 예방접종팀 ")
	f.Set("position", "간호사")
	c.saveInfo(f)
	res, body = c.postForm("/signup/request", requestForm(e.demo.UserRoleID, e.inst("HC-11110").ID, false))
	wantRedirect(t, "POST /signup/request", res, body, "/signup/complete")
	u, err := e.s.store.GetUserByLoginID(e.ctx, "deptuser")
	if err != nil {
		t.Fatal(err)
	}
	profs, _ := e.s.store.GetUserProfiles(e.ctx, []int64{u.ID})
	if profs[u.ID].Department != "예방접종팀" || profs[u.ID].Position != "간호사" {
		t.Fatalf("profile after signup: %+v", profs[u.ID])
	}

	// The approver sees them; so does an administrator.
	ap, apc := e.demoAccount("approver11110")
	_, body = e.signedIn(ap, apc).getPage("/approvals")
	if !strings.Contains(body, "예방접종팀 · 간호사") {
		t.Error("the inbox does not show the applicant's department and position")
	}
	adm, admc := e.demoAccount("admin")
	res, body = e.signedIn(adm, admc).postForm(fmt.Sprintf("/admin/users/%d/view", u.ID), url.Values{"purpose": {"부서 확인"}})
	wantStatus(t, "admin user view", res, body, http.StatusOK)
	if !strings.Contains(body, "예방접종팀") {
		t.Error("the administrator's user page does not show the department")
	}

	// The user changes them on 권한/부가정보 and finds them in the export.
	c.login(iss)
	res, body = c.getPage("/account/roles")
	if !strings.Contains(body, `name="department"`) || !strings.Contains(body, `value="예방접종팀"`) {
		t.Fatal("권한/부가정보 lacks the department field")
	}
	res, body = c.postForm("/account/info", url.Values{"mobile": {"01012345678"}, "office_phone": {"0212345678"},
		"department": {"감염관리실"}, "position": {""}})
	wantRedirect(t, "POST /account/info", res, body, "/account/roles?done=info")
	res, body = c.postForm("/account/export", nil)
	wantStatus(t, "export", res, body, http.StatusOK)
	var x privacy.Export
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		t.Fatal(err)
	}
	if x.Account.Department != "감염관리실" || x.Account.Position != "" {
		t.Errorf("export: department %q, position %q", x.Account.Department, x.Account.Position)
	}
}
