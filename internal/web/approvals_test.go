package web

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Helpers of the approvals and roles tests (approvals_test.go,
// roles_test.go): accounts with a certificate record, sessions made
// directly, and requests filed through package access.

// addCertRecord registers a current certificate record of class for u
// (no real certificate: the pages read only the record) and returns its ID.
func (e *seededEnv) addCertRecord(u domain.User, class domain.CertClass) int64 {
	e.t.Helper()
	kh := make([]byte, 32)
	rand.Read(kh)
	oid := pki.OIDDevPersonal
	if class == domain.CertInstitution {
		oid = pki.OIDDevInstitution
	}
	now := e.clock.Now()
	c := domain.Certificate{UserID: u.ID, SubjectDN: "CN=" + u.Name, IssuerDN: "CN=GWANMUN-TEST", Serial: fmt.Sprintf("%x", kh[:8]),
		KeyHash: kh, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), PolicyOID: oid, Class: class,
		DER: []byte{0x30, 0x00}, RegisteredAt: now}
	if err := e.s.store.AddCertificate(e.ctx, &c); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// accountAt stores an account at the institution with code instCode and a
// current certificate record of class; it returns the user and the
// certificate's ID.
func (e *seededEnv) accountAt(loginID, name, instCode string, status domain.UserStatus, class domain.CertClass) (domain.User, int64) {
	e.t.Helper()
	now := e.clock.Now()
	u := domain.User{LoginID: loginID, Name: name, InstitutionID: e.inst(instCode).ID, Status: status,
		Mobile: "01012345678", OfficePhone: "0212345678", Pseudonym: "p-" + loginID, CreatedAt: now, UpdatedAt: now}
	if err := e.s.store.CreateUser(e.ctx, &u); err != nil {
		e.t.Fatal(err)
	}
	return u, e.addCertRecord(u, class)
}

// demoAccount returns a seeded account with a new personal certificate
// record.
func (e *seededEnv) demoAccount(loginID string) (domain.User, int64) {
	e.t.Helper()
	u, err := e.s.store.GetUserByLoginID(e.ctx, loginID)
	if err != nil {
		e.t.Fatalf("demo account %s: %v", loginID, err)
	}
	return u, e.addCertRecord(u, domain.CertPersonal)
}

// signedIn returns a client whose session belongs to u, logged in with
// certificate certID; the session is made the way the login handler makes
// it, without the signed challenge (login has its own tests).
func (e *seededEnv) signedIn(u domain.User, certID int64) *client {
	e.t.Helper()
	c := e.client()
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = c.addr + ":40000"
	for _, ck := range c.cookies {
		r.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	if err := e.s.login(w, r, u, certID); err != nil {
		e.t.Fatal(err)
	}
	for _, ck := range w.Result().Cookies() {
		c.cookies[ck.Name] = &http.Cookie{Name: ck.Name, Value: ck.Value}
	}
	c.refreshCSRF()
	return c
}

// fileRequest files u's request for roleID to the institution with code
// approverCode through package access, at the clock's time.
func (e *seededEnv) fileRequest(u domain.User, roleID int64, approverCode, justification string) domain.RoleRequest {
	e.t.Helper()
	var req domain.RoleRequest
	err := e.s.store.InTx(e.ctx, func(q store.Queries) error {
		var err error
		req, _, err = access.CreateRequest(e.ctx, q, audit.ActorOf(u, "192.0.2.1"), access.NewRequest{Applicant: u, CertClass: domain.CertPersonal,
			RoleID: roleID, ApproverInstitutionID: e.inst(approverCode).ID, Justification: justification}, e.clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatalf("request role %d for %s: %v", roleID, u.LoginID, err)
	}
	return req
}

// requestStatus reads a request's status.
func (e *seededEnv) requestStatus(id int64) domain.RequestStatus {
	e.t.Helper()
	r, err := e.s.store.GetRequest(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Status
}

// decideForm is the inbox form's fields for action on ids.
func decideForm(action, reason string, ids ...int64) url.Values {
	f := url.Values{"action": {action}, "reason": {reason}}
	for _, id := range ids {
		f.Add("id", strconv.FormatInt(id, 10))
	}
	return f
}

// menuHas reports whether the client's /menu shows the system's menu.
func (c *client) menuHas(systemName string) bool {
	c.e.t.Helper()
	res, body := c.getPage("/menu")
	wantStatus(c.e.t, "GET /menu", res, body, http.StatusOK)
	return strings.Contains(body, "<h2>["+esc(systemName)+"]</h2>")
}

const covidSystemName = "코로나19예방접종관리"

func TestApprovalsNotApprover(t *testing.T) {
	e := newSeededEnv(t, nil)
	applicant, _ := e.accountAt("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
	req := e.fileRequest(applicant, e.demo.UserRoleID, "HC-11110", "예방접종 등록 담당")

	// Not logged in: to the login page, or 401 for a POST.
	anon := e.client()
	res, _ := anon.getPage("/approvals")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "login_required") {
		t.Errorf("anonymous GET /approvals: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := anon.postForm("/approvals/decide", decideForm("approve", "", req.ID))
	wantStatus(t, "anonymous POST", res, body, http.StatusUnauthorized)

	// A medical-institution user holding a role, and a health-centre clerk
	// without the approver role: 403 on the page, "not yours" on a decision.
	colleague, cid := e.accountAt("clinic2", "이간호", "91111001", domain.UserActive, domain.CertPersonal)
	if err := e.s.store.CreateGrant(e.ctx, &domain.Grant{UserID: colleague.ID, RoleID: e.demo.UserRoleID, GrantedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	clerk, kid := e.accountAt("clerk11110", "최직원", "HC-11110", domain.UserActive, domain.CertPersonal)
	for _, c := range []*client{e.signedIn(colleague, cid), e.signedIn(clerk, kid), e.signedIn(applicant, 0)} {
		res, body := c.getPage("/approvals")
		wantStatus(t, "non-approver GET /approvals", res, body, http.StatusForbidden)
		if !strings.Contains(body, "승인 권한이 없습니다") {
			t.Errorf("403 page does not say why:\n%s", body)
		}
		for _, tab := range []string{"escalated", "history"} {
			if res, body := c.getPage("/approvals?tab=" + tab); res.StatusCode != http.StatusForbidden {
				t.Errorf("non-approver GET /approvals?tab=%s: %d", tab, res.StatusCode)
			} else if strings.Contains(body, "예방접종 등록 담당") {
				t.Errorf("403 page shows the request")
			}
		}
		// A decision is refused with the same page.
		res, body = c.postForm("/approvals/decide", decideForm("approve", "", req.ID))
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "승인 권한이 없습니다") {
			t.Errorf("non-approver POST: %d, body lacks the refusal", res.StatusCode)
		}
	}
	if s := e.requestStatus(req.ID); s != domain.RequestPending {
		t.Errorf("request %s, want pending", s)
	}
}

// TestApprovalsOtherCentre: an approver of centre A posting the ID of a
// request addressed to centre B is told "not yours"; the request stays
// pending.
func TestApprovalsOtherCentre(t *testing.T) {
	e := newSeededEnv(t, nil)
	applicant, _ := e.accountAt("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
	req := e.fileRequest(applicant, e.demo.UserRoleID, "HC-11110", "비밀 사유")
	b, bid := e.demoAccount("approver11140")
	c := e.signedIn(b, bid)

	res, body := c.getPage("/approvals")
	wantStatus(t, "GET /approvals of centre B", res, body, http.StatusOK)
	if strings.Contains(body, esc(applicant.Name)) || strings.Contains(body, "비밀 사유") {
		t.Error("centre B's inbox shows centre A's request")
	}
	for _, action := range []string{"approve", "reject"} {
		res, body = c.postForm("/approvals/decide", decideForm(action, "사유", req.ID))
		wantStatus(t, action+" another centre's request", res, body, http.StatusForbidden)
		if !strings.Contains(body, esc(access.ErrNotYours.Message)) {
			t.Errorf("%s: no not-yours message", action)
		}
		if strings.Contains(body, esc(applicant.Name)) {
			t.Errorf("%s: the refusal names the applicant", action)
		}
	}
	// The JSON answer says the same.
	res, body = c.send("POST", "/approvals/decide", strings.NewReader(decideForm("approve", "", req.ID).Encode()+"&csrf_token="+url.QueryEscape(c.token)),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}})
	wantStatus(t, "JSON decision", res, body, http.StatusForbidden)
	var out struct{ Results []decisionResult }
	if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Results) != 1 || out.Results[0].OK ||
		out.Results[0].Message != access.ErrNotYours.Message {
		t.Errorf("JSON results %s (%v)", body, err)
	}
	if s := e.requestStatus(req.ID); s != domain.RequestPending {
		t.Errorf("request %s, want pending", s)
	}
	if n := e.auditCount("request.approve") + e.auditCount("request.reject"); n != 0 {
		t.Errorf("%d decision events", n)
	}
}

// TestApprovalsInboxAndDecide walks the approver's page: the inbox, a
// batch approval, a rejection with and without reason, a second decision,
// the history with filters, and the applicant's menu.
func TestApprovalsInboxAndDecide(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	kim, kimCert := e.accountAt("kimdoc", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
	lee, _ := e.accountAt("leenurse", "이간호", "91111002", domain.UserPending, domain.CertPersonal)
	park, _ := e.accountAt("parkclerk", "박사무", "91111002", domain.UserPending, domain.CertInstitution)
	choi, _ := e.accountAt("choidoc", "최타구", "91114001", domain.UserPending, domain.CertPersonal)
	r1 := e.fileRequest(kim, d.UserRoleID, "HC-11110", "접종 담당 간호사입니다")
	e.clock.Advance(time.Hour)
	r2 := e.fileRequest(lee, d.UserRoleID, "HC-11110", "")
	e.clock.Advance(time.Hour)
	r3 := e.fileRequest(park, d.UserRoleID, "HC-11110", "")
	e.fileRequest(choi, d.UserRoleID, "HC-11140", "")
	e.clock.Advance(3 * time.Hour)

	ap, apc := e.demoAccount("approver11110")
	c := e.signedIn(ap, apc)
	res, body := c.getPage("/approvals")
	wantStatus(t, "GET /approvals", res, body, http.StatusOK)
	// Oldest first, with institution, certificate, role, waiting time and note.
	i1, i2, i3 := strings.Index(body, ">김의사<"), strings.Index(body, ">이간호<"), strings.Index(body, ">박사무<")
	if i1 < 0 || i2 < 0 || i3 < 0 || !(i1 < i2 && i2 < i3) {
		t.Errorf("inbox order: 김의사 %d, 이간호 %d, 박사무 %d", i1, i2, i3)
	}
	for _, want := range []string{"행복내과의원", "서울바른정형외과의원", "[코로나19 예방접종대응팀 User(의료기관)]", "접종 담당 간호사입니다",
		"5시간", "개인", "법인"} {
		if !strings.Contains(body, esc(want)) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	for _, r := range []domain.RoleRequest{r1, r2, r3} {
		if !strings.Contains(body, fmt.Sprintf(`name="id" value="%d"`, r.ID)) {
			t.Errorf("inbox has no checkbox for request %d", r.ID)
		}
	}
	if strings.Contains(body, "최타구") {
		t.Error("inbox shows a request addressed to another centre")
	}
	// The inbox has a filter form; an applicant filter keeps the
	// matching requests (name or user ID, any case) and the form keeps it.
	if !strings.Contains(body, `id="f-app"`) || !strings.Contains(body, `name="role"`) {
		t.Error("inbox without its filter form")
	}
	res, body = c.getPage("/approvals?applicant=LEENURSE")
	wantStatus(t, "GET /approvals?applicant=", res, body, http.StatusOK)
	if !strings.Contains(body, ">이간호<") || strings.Contains(body, ">김의사<") || strings.Contains(body, ">박사무<") ||
		!strings.Contains(body, `value="LEENURSE"`) {
		t.Error("inbox filtered by applicant LEENURSE: want 이간호 only, and the filter kept")
	}
	res, body = c.getPage("/approvals?applicant=" + url.QueryEscape("없는사람"))
	wantStatus(t, "GET /approvals?applicant=nobody", res, body, http.StatusOK)
	if strings.Contains(body, ">이간호<") || !strings.Contains(body, `id="f-app"`) {
		t.Error("inbox filtered to nothing: want no rows and the form still there")
	}
	if kimSees := e.signedIn(kim, kimCert); kimSees.menuHas(covidSystemName) {
		t.Fatal("menu shows the system before approval")
	}

	// Reject without reason: refused, nothing changes.
	res, body = c.postForm("/approvals/decide", decideForm("reject", "  ", r2.ID))
	wantStatus(t, "reject without reason", res, body, http.StatusBadRequest)
	if !strings.Contains(body, esc(access.ErrReasonRequired.Message)) || e.requestStatus(r2.ID) != domain.RequestPending {
		t.Error("reject without reason: no message, or the request changed")
	}
	// No action, no selection.
	res, body = c.postForm("/approvals/decide", url.Values{"id": {strconv.FormatInt(r1.ID, 10)}})
	wantStatus(t, "no action", res, body, http.StatusBadRequest)
	res, body = c.postForm("/approvals/decide", url.Values{"action": {"approve"}})
	wantStatus(t, "no selection", res, body, http.StatusBadRequest)

	// Batch approval of two; the third (institution certificate only) is
	// refused with the reason, and the others stay approved.
	// Post/Redirect/Get: 303 to the inbox, which shows the outcome once,
	// naming the applicant and the role of the decision made.
	res, body = c.postForm("/approvals/decide", decideForm("approve", "", r1.ID, r3.ID))
	wantRedirect(t, "batch approve", res, body, "/approvals")
	if e.requestStatus(r1.ID) != domain.RequestApproved || e.requestStatus(r3.ID) != domain.RequestPending {
		t.Errorf("after batch: r1 %s, r3 %s", e.requestStatus(r1.ID), e.requestStatus(r3.ID))
	}
	res, body = c.getPage("/approvals")
	wantStatus(t, "inbox after the batch", res, body, http.StatusOK)
	role, _ := e.s.store.GetRole(e.ctx, e.demo.UserRoleID)
	kimNow, _ := e.s.store.GetUser(e.ctx, kim.ID)
	if want := fmt.Sprintf("<strong>%s</strong> (%s) — [%s]: %s", esc(kimNow.Name), kimNow.LoginID, esc(role.Name), esc("권한 신청을 승인했습니다.")); !strings.Contains(body, want) {
		t.Errorf("the inbox does not name the approved applicant and role (%q):\n%s", want, body)
	}
	if !strings.Contains(body, fmt.Sprintf("#%d: %s", r3.ID, esc(access.ErrApplicantNoCert.Message))) {
		t.Errorf("the refused request's reason is not shown:\n%s", body)
	}
	// Shown once: a reload of the inbox decides nothing and says nothing.
	_, body = c.getPage("/approvals")
	if strings.Contains(body, esc("권한 신청을 승인했습니다.")) {
		t.Error("the outcome is shown again on reload")
	}
	// A planted (unsigned) flash cookie shows nothing.
	c.cookies[flashCookie] = &http.Cookie{Name: flashCookie, Value: "eyJhIjoiYXBwcm92ZSIsInIiOlt7ImkiOjEsIm0iOiJoYWNrZWQifV19.AAAA"}
	if _, body = c.getPage("/approvals"); strings.Contains(body, "hacked") {
		t.Error("an unsigned flash cookie was shown")
	}
	// The approved applicant is active and sees the system on the next
	// /menu load.
	if u, _ := e.s.store.GetUser(e.ctx, kim.ID); u.Status != domain.UserActive {
		t.Errorf("applicant status %s", u.Status)
	}
	kimSees := e.signedIn(kim, kimCert)
	if !kimSees.menuHas(covidSystemName) {
		t.Error("menu lacks [코로나19예방접종관리] after approval")
	}
	// The decisions are in the audit log with the approver's address.
	evs, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "request.approve", TargetID: strconv.FormatInt(r1.ID, 10)})
	if err != nil || len(evs) != 1 || evs[0].ActorID != ap.ID || evs[0].ClientAddr != c.addr || !evs[0].At.Equal(e.clock.Now()) {
		t.Errorf("approve events %+v (%v)", evs, err)
	}
	if n := e.auditCount("grant.create"); n != 1 {
		t.Errorf("%d grant.create events, want 1", n)
	}

	// Several at once: reject two with one reason.
	res, body = c.postForm("/approvals/decide", decideForm("reject", "재직 확인 불가", r2.ID, r3.ID))
	wantRedirect(t, "batch reject", res, body, "/approvals")
	if _, body = c.getPage("/approvals"); strings.Count(body, esc("권한 신청을 반려했습니다.")) != 2 {
		t.Error("the inbox does not show both rejections")
	}
	if e.requestStatus(r2.ID) != domain.RequestRejected || e.requestStatus(r3.ID) != domain.RequestRejected {
		t.Error("batch reject did not reject both")
	}
	// A second decision is refused and names who decided.
	res, body = c.postForm("/approvals/decide", decideForm("approve", "", r1.ID))
	wantStatus(t, "decide again", res, body, http.StatusConflict)
	if !strings.Contains(body, esc("이미 "+ap.Name+"님이 처리한 신청입니다")) {
		t.Errorf("second decision does not say who decided:\n%s", body)
	}

	// The inbox is empty; the history lists the decisions, filtered.
	_, body = c.getPage("/approvals")
	if !strings.Contains(body, "처리할 신청이 없습니다.") {
		t.Error("inbox not empty after deciding everything")
	}
	_, body = c.getPage("/approvals?tab=history")
	for _, name := range []string{"김의사", "이간호", "박사무", "재직 확인 불가", ap.Name} {
		if !strings.Contains(body, name) {
			t.Errorf("history lacks %q", name)
		}
	}
	_, body = c.getPage("/approvals?tab=history&status=rejected")
	if strings.Contains(body, ">김의사<") || !strings.Contains(body, ">이간호<") {
		t.Error("history status filter")
	}
	_, body = c.getPage("/approvals?tab=history&applicant=" + url.QueryEscape("박사"))
	if strings.Contains(body, ">김의사<") || strings.Contains(body, ">이간호<") || !strings.Contains(body, ">박사무<") {
		t.Error("history applicant filter")
	}
	_, body = c.getPage(fmt.Sprintf("/approvals?tab=history&role=%d", d.AutoReportRoleID))
	if strings.Contains(body, ">김의사<") || !strings.Contains(body, "처리 내역이 없습니다.") {
		t.Error("history role filter")
	}
	day := e.clock.Now().In(kst).Format("2006-01-02")
	_, body = c.getPage("/approvals?tab=history&from=" + day + "&to=" + day)
	if !strings.Contains(body, ">김의사<") {
		t.Error("history date filter dropped today's request")
	}
	_, body = c.getPage("/approvals?tab=history&to=2020-01-01")
	if strings.Contains(body, ">김의사<") {
		t.Error("history date filter kept a later request")
	}
	// The rejected applicant reads the reason.
	leeSees := e.signedIn(lee, 0)
	_, body = leeSees.getPage("/account/roles?view=rejected")
	if !strings.Contains(body, "재직 확인 불가") {
		t.Error("rejected view lacks the reason")
	}
}

// TestApprovalsEscalated: a request nobody decided for 72 h reaches the
// province administrator of its province and no other.
func TestApprovalsEscalated(t *testing.T) {
	e := newSeededEnv(t, nil)
	applicant, acert := e.accountAt("clinic1", "김지연", "91111001", domain.UserPending, domain.CertPersonal)
	req := e.fileRequest(applicant, e.demo.UserRoleID, "HC-11110", "")
	seoul, sc := e.demoAccount("admin11")
	daejeon, dc := e.accountAt("admin30", "대전관리", "PR-30", domain.UserActive, domain.CertPersonal)
	if err := e.s.store.CreateGrant(e.ctx, &domain.Grant{UserID: daejeon.ID, RoleID: e.demo.ProvinceAdminRoleID, GrantedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	sc1, dc1 := e.signedIn(seoul, sc), e.signedIn(daejeon, dc)
	_, body := sc1.getPage("/approvals?tab=escalated")
	if strings.Contains(body, "김지연") {
		t.Error("province queue shows a request before escalation")
	}
	res, body := sc1.postForm("/approvals/decide", decideForm("approve", "", req.ID))
	wantStatus(t, "province admin before escalation", res, body, http.StatusForbidden)

	e.clock.Advance(72 * time.Hour)
	e.s.sweep(e.ctx)
	r, _ := e.s.store.GetRequest(e.ctx, req.ID)
	if r.EscalatedAt.IsZero() || r.RemindedAt.IsZero() {
		t.Fatalf("not escalated and reminded: %+v", r)
	}
	sc1, dc1 = e.signedIn(seoul, sc), e.signedIn(daejeon, dc) // sessions idled out over 72 h
	res, body = sc1.getPage("/approvals?tab=escalated")
	wantStatus(t, "Seoul's escalated tab", res, body, http.StatusOK)
	if !strings.Contains(body, "김지연") || !strings.Contains(body, "종로구보건소") {
		t.Error("Seoul's escalated tab lacks the request or its centre")
	}
	_, body = dc1.getPage("/approvals?tab=escalated")
	if strings.Contains(body, "김지연") {
		t.Error("Daejeon's escalated tab shows a Seoul request")
	}
	res, body = dc1.postForm("/approvals/decide", decideForm("approve", "", req.ID))
	wantStatus(t, "Daejeon admin decides", res, body, http.StatusForbidden)
	res, body = sc1.postForm("/approvals/decide", decideForm("approve", "", req.ID))
	wantRedirect(t, "Seoul admin decides", res, body, "/approvals")
	if e.requestStatus(req.ID) != domain.RequestApproved {
		t.Error("not approved")
	}
	if !e.signedIn(applicant, acert).menuHas(covidSystemName) {
		t.Error("menu lacks the system after the province's approval")
	}
	for _, a := range []string{"request.remind", "request.escalate", "request.approve", "grant.create"} {
		if n := e.auditCount(a); n != 1 {
			t.Errorf("%d %s events, want 1", n, a)
		}
	}
}
