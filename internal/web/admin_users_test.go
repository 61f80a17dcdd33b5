package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// accessLog returns the personal-data access log entries about subject.
func (e *seededEnv) accessLog(subject int64) []domain.PersonalDataAccess {
	e.t.Helper()
	as, _, err := e.s.store.ListPersonalDataAccess(e.ctx, domain.PersonalDataAccessFilter{SubjectID: subject})
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

func TestAdminUsersForbiddenToOthers(t *testing.T) {
	e := newSeededEnv(t, nil)
	ap, apc := e.demoAccount("approver11110")
	c := e.signedIn(ap, apc)
	for _, path := range []string{"/admin/users", "/admin/users/1", "/admin/approvers", "/admin/audit", "/admin/access-log"} {
		res, body := c.getPage(path)
		wantStatus(t, "GET "+path+" as an approver", res, body, http.StatusForbidden)
	}
	res, body := c.postForm(fmt.Sprintf("/admin/users/%d/lock", ap.ID), url.Values{"purpose": {"x"}})
	wantStatus(t, "lock as an approver", res, body, http.StatusForbidden)
}

func TestAdminUsersSearchAndScope(t *testing.T) {
	e := newSeededEnv(t, nil)
	kim, _ := e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	certs, _ := e.s.store.ListCertificates(e.ctx, kim.ID)
	a11, a11c := e.demoAccount("admin11")
	seoul := e.signedIn(a11, a11c)
	nat, natc := e.demoAccount("admin")
	national := e.signedIn(nat, natc)

	// The province administrator sees Seoul's users, not Daejeon's.
	res, body := seoul.getPage("/admin/users?q=approver")
	wantStatus(t, "search as admin11", res, body, http.StatusOK)
	if !strings.Contains(body, ">approver11110<") || strings.Contains(body, "approver30110") {
		t.Errorf("admin11's search shows the wrong users")
	}
	res, body = national.getPage("/admin/users?q=approver30110")
	if !strings.Contains(body, ">approver30110<") {
		t.Errorf("national search lacks approver30110 (%d)", res.StatusCode)
	}
	// By institution name and by certificate serial (any case).
	_, body = seoul.getPage("/admin/users?inst=" + url.QueryEscape("행복내과"))
	if !strings.Contains(body, ">kimdoc<") || strings.Contains(body, "approver11110") {
		t.Errorf("institution search wrong")
	}
	_, body = seoul.getPage("/admin/users?serial=" + strings.ToUpper(certs[0].Serial))
	if !strings.Contains(body, ">kimdoc<") || strings.Contains(body, ">admin11<") {
		t.Errorf("serial search wrong")
	}
	// Sorted by login ID descending, paginated.
	_, body = national.getPage("/admin/users?sort=login_id&desc=1")
	if i, j := strings.Index(body, ">approver36110<"), strings.Index(body, ">approver30110<"); i < 0 || j < 0 || i > j {
		t.Errorf("login_id desc order: %d %d", i, j)
	}
	if !strings.Contains(body, "page=2") {
		t.Errorf("no next page link")
	}
	// JSON for fetch calls.
	res, body = seoul.send("GET", "/admin/users?q=kimdoc", nil, http.Header{"Accept": {"application/json"}})
	if res.StatusCode != 200 || !strings.Contains(body, `"login_id":"kimdoc"`) || strings.Contains(body, "010") {
		t.Errorf("JSON list: %d %s", res.StatusCode, body)
	}

	// Another province's user is not found for admin11, and nothing is logged.
	dj, _ := e.s.store.GetUserByLoginID(e.ctx, "approver30110")
	res, body = seoul.getPage(fmt.Sprintf("/admin/users/%d", dj.ID))
	wantStatus(t, "admin11 opens a Daejeon user", res, body, http.StatusNotFound)
	res, body = seoul.postForm(fmt.Sprintf("/admin/users/%d/view", dj.ID), url.Values{"purpose": {"확인"}})
	wantStatus(t, "admin11 views a Daejeon user", res, body, http.StatusNotFound)
	if n := len(e.accessLog(dj.ID)); n != 0 {
		t.Errorf("access log has %d entries for a refused view", n)
	}
}

func TestAdminUserViewNeedsReason(t *testing.T) {
	e := newSeededEnv(t, nil)
	kim, _ := e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	a11, a11c := e.demoAccount("admin11")
	c := e.signedIn(a11, a11c)
	path := fmt.Sprintf("/admin/users/%d", kim.ID)

	res, body := c.getPage(path)
	wantStatus(t, "GET user", res, body, http.StatusOK)
	if strings.Contains(body, "김의사") || strings.Contains(body, "010-1234-5678") || !strings.Contains(body, `name="purpose"`) {
		t.Errorf("the reason form shows personal data or lacks the reason field")
	}
	res, body = c.postForm(path+"/view", url.Values{"purpose": {"   "}})
	wantStatus(t, "view without a reason", res, body, http.StatusBadRequest)
	if strings.Contains(body, "김의사") || len(e.accessLog(kim.ID)) != 0 {
		t.Errorf("a view without reason showed or logged data")
	}
	res, body = c.postForm(path+"/view", url.Values{"purpose": {"권한 신청 문의 전화 확인"}})
	wantStatus(t, "view with a reason", res, body, http.StatusOK)
	for _, want := range []string{"김의사", "kimdoc", "010-1234-5678", "행복내과의원", "종로구보건소", "CN=김의사"} {
		if !strings.Contains(body, esc(want)) {
			t.Errorf("user page lacks %q", want)
		}
	}
	log := e.accessLog(kim.ID)
	if len(log) != 1 || log[0].ActorID != a11.ID || log[0].Purpose != "권한 신청 문의 전화 확인" ||
		!log[0].At.Equal(e.clock.Now()) || log[0].SubjectInstitutionID != kim.InstitutionID {
		t.Errorf("access log = %+v", log)
	}
}

func TestAdminUserLockUnlock(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	kim, kimc := e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	req := e.fileRequest(kim, d.UserRoleID, "HC-11110", "")
	victim := e.signedIn(kim, kimc)
	a11, a11c := e.demoAccount("admin11")
	c := e.signedIn(a11, a11c)
	e.confirmSessions(a11) // TestConfirmAdminUserActions covers the confirmation
	path := fmt.Sprintf("/admin/users/%d/", kim.ID)

	res, body := c.postForm(path+"lock", url.Values{})
	wantStatus(t, "lock without the reason", res, body, http.StatusBadRequest)
	res, body = c.postForm(path+"lock", url.Values{"purpose": {"부정 사용 의심"}})
	wantStatus(t, "lock", res, body, http.StatusOK)
	u, _ := e.s.store.GetUser(e.ctx, kim.ID)
	if u.Status != domain.UserLocked {
		t.Errorf("status after lock = %s", u.Status)
	}
	if st := e.requestStatus(req.ID); st != domain.RequestCancelled {
		t.Errorf("pending request after lock = %s", st)
	}
	if res, _ := victim.getPage("/menu"); res.StatusCode == http.StatusOK {
		t.Errorf("the locked user's session still works")
	}
	if e.auditCount("admin.user.lock") != 1 {
		t.Errorf("no audit event for the lock")
	}
	res, body = c.postForm(path+"lock", url.Values{"purpose": {"부정 사용 의심"}})
	wantStatus(t, "lock twice", res, body, http.StatusConflict)

	res, body = c.postForm(path+"unlock", url.Values{"purpose": {"본인 확인 완료"}})
	wantStatus(t, "unlock", res, body, http.StatusOK)
	if u, _ := e.s.store.GetUser(e.ctx, kim.ID); u.Status != domain.UserPending {
		t.Errorf("status after unlock of a user without grants = %s", u.Status)
	}
	// Every display was logged with its reason.
	if n := len(e.accessLog(kim.ID)); n != 3 {
		t.Errorf("access log has %d entries, want 3", n)
	}
	// Not on oneself.
	res, body = c.postForm(fmt.Sprintf("/admin/users/%d/lock", a11.ID), url.Values{"purpose": {"x"}})
	wantStatus(t, "lock oneself", res, body, http.StatusForbidden)
	// Unknown action.
	res, body = c.postForm(path+"delete", url.Values{"purpose": {"x"}})
	wantStatus(t, "unknown action", res, body, http.StatusNotFound)
}

func TestAdminUserReregisterSessionsRevoke(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	kim, kimc := e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	g := domain.Grant{UserID: kim.ID, RoleID: d.UserRoleID, GrantedAt: e.clock.Now()}
	if err := e.s.store.CreateGrant(e.ctx, &g); err != nil {
		t.Fatal(err)
	}
	victim := e.signedIn(kim, kimc)
	nat, natc := e.demoAccount("admin")
	c := e.signedIn(nat, natc)
	e.confirmSessions(nat)
	path := fmt.Sprintf("/admin/users/%d/", kim.ID)

	res, body := c.postForm(path+"reregister", url.Values{"purpose": {"인증서 분실 신고"}})
	wantStatus(t, "force re-registration", res, body, http.StatusOK)
	if u, _ := e.s.store.GetUser(e.ctx, kim.ID); !u.MustReregisterCert {
		t.Errorf("MustReregisterCert not set")
	}
	if res, _ := victim.getPage("/menu"); res.StatusCode == http.StatusOK {
		t.Errorf("session survives forced re-registration")
	}
	victim = e.signedIn(kim, kimc)
	res, body = c.postForm(path+"sessions", url.Values{"purpose": {"세션 종료"}})
	wantStatus(t, "end sessions", res, body, http.StatusOK)
	if res, _ := victim.getPage("/menu"); res.StatusCode == http.StatusOK {
		t.Errorf("session survives end sessions")
	}

	rpath := fmt.Sprintf("%sgrants/%d/revoke", path, g.ID)
	res, body = c.postForm(rpath, url.Values{"purpose": {"권한 점검"}})
	wantStatus(t, "revoke without reason", res, body, http.StatusBadRequest)
	res, body = c.postForm(rpath, url.Values{"purpose": {"권한 점검"}, "reason": {"퇴사"}})
	wantStatus(t, "revoke", res, body, http.StatusOK)
	gs, _ := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: kim.ID})
	if len(gs) != 1 || gs[0].RevokedAt.IsZero() || gs[0].RevokeReason != "퇴사" || gs[0].RevokedBy != nat.ID {
		t.Errorf("grant after revoke = %+v", gs)
	}
	res, body = c.postForm(rpath, url.Values{"purpose": {"권한 점검"}, "reason": {"퇴사"}})
	wantStatus(t, "revoke twice", res, body, http.StatusNotFound)
	for _, a := range []string{"admin.user.reregister", "admin.user.sessions", "admin.grant.revoke"} {
		if e.auditCount(a) != 1 {
			t.Errorf("audit events %s: %d", a, e.auditCount(a))
		}
	}
}

func TestAdminApprovers(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	nurse, _ := e.accountAt("hcnurse", "박간호", "HC-11140", domain.UserPending, domain.CertPersonal)
	clinic, _ := e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	dj, _ := e.accountAt("djnurse", "대전간호", "HC-30110", domain.UserActive, domain.CertPersonal)
	a11, a11c := e.demoAccount("admin11")
	c := e.signedIn(a11, a11c)
	role := fmt.Sprint(d.ApproverRoleID)

	// Approver grants need a fresh signature first.
	res, body := c.getPage("/admin/approvers?role=" + role)
	if !strings.Contains(body, `data-cert-purpose="confirm"`) {
		t.Fatalf("approvers page without a fresh signature: status %d, no confirmation asked", res.StatusCode)
	}
	res, body = c.postForm("/admin/approvers/grant", url.Values{"role": {role}, "login_id": {"hcnurse"}})
	wantStatus(t, "grant without a fresh signature", res, body, http.StatusForbidden)
	e.confirmSessions(a11)

	res, body = c.getPage("/admin/approvers?role=" + role)
	wantStatus(t, "approvers page", res, body, http.StatusOK)
	if !strings.Contains(body, ">approver11110<") || strings.Contains(body, "approver30110") {
		t.Errorf("holders outside scope shown, or Seoul's missing")
	}
	grant := func(login string) (*http.Response, string) {
		return c.postForm("/admin/approvers/grant", url.Values{"role": {role}, "login_id": {login}})
	}
	res, body = grant("kimdoc")
	wantStatus(t, "grant to a clinic's user", res, body, http.StatusBadRequest)
	res, body = grant("djnurse")
	wantStatus(t, "grant outside scope", res, body, http.StatusNotFound)
	res, body = grant("hcnurse")
	wantStatus(t, "grant", res, body, http.StatusOK)
	gs, _ := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: nurse.ID, ActiveAt: e.clock.Now()})
	if len(gs) != 1 || gs[0].RoleID != d.ApproverRoleID || gs[0].RequestID != 0 || gs[0].GrantedBy != a11.ID {
		t.Fatalf("grants after grant = %+v", gs)
	}
	if u, _ := e.s.store.GetUser(e.ctx, nurse.ID); u.Status != domain.UserActive {
		t.Errorf("status after grant = %s", u.Status)
	}
	res, body = grant("hcnurse")
	wantStatus(t, "grant twice", res, body, http.StatusConflict)

	take := func(reason string) (*http.Response, string) {
		return c.postForm(fmt.Sprintf("/admin/approvers/%d/revoke", gs[0].ID), url.Values{"role": {role}, "user": {fmt.Sprint(nurse.ID)}, "reason": {reason}})
	}
	res, body = take("")
	wantStatus(t, "take back without reason", res, body, http.StatusBadRequest)
	e.clock.Advance(time.Minute)
	res, body = take("보직 변경")
	wantStatus(t, "take back", res, body, http.StatusOK)
	if gs, _ := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: nurse.ID, ActiveAt: e.clock.Now()}); len(gs) != 0 {
		t.Errorf("grant still active after take back")
	}
	if e.auditCount("admin.approver.grant") != 1 || e.auditCount("admin.approver.revoke") != 1 {
		t.Errorf("audit events missing")
	}
	_ = clinic
	_ = dj
}

// confirmSessions marks every session of u as freshly re-signed, as
// POST /auth/confirm does after a signature (demo accounts' keys are not
// at hand in these tests).
func (e *seededEnv) confirmSessions(u domain.User) {
	e.t.Helper()
	ss, err := e.s.store.ListUserSessions(e.ctx, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, se := range ss {
		if err := e.s.store.ConfirmSession(e.ctx, se.ID, e.clock.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
}
