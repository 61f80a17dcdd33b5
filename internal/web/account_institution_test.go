package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestInstitutionChangePages: the user searches and asks, the new
// jurisdiction's centre confirms in its queue, the old grant is revoked,
// and the revoked role is requested again at the new centre in one step.
func TestInstitutionChangePages(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	u, cert := e.accountAt("moverweb", "김이동", clinicCode, domain.UserPending, domain.CertPersonal)
	req := e.fileRequest(u, d.UserRoleID, "HC-11110", "")
	old, oldCert := e.demoAccount("approver11110")
	if res, body := e.signedIn(old, oldCert).postForm("/approvals/decide", decideForm("approve", "", req.ID)); res.StatusCode >= 400 {
		t.Fatalf("approve: %d %s", res.StatusCode, body)
	}

	c := e.signedIn(u, cert)
	res, body := c.getPage("/account/roles")
	if !strings.Contains(body, `href="/account/institution"`) {
		t.Error("권한/부가정보 has no link to 기관 변경")
	}
	res, body = c.getPage("/account/institution?q=" + url.QueryEscape("튼튼소아"))
	wantStatus(t, "search", res, body, http.StatusOK)
	to := e.inst("91114001")
	if !strings.Contains(body, fmt.Sprintf(`name="institution_id" value="%d"`, to.ID)) {
		t.Fatal("search does not offer the institution")
	}
	res, body = c.postForm("/account/institution", url.Values{"institution_id": {strconv.FormatInt(e.inst(clinicCode).ID, 10)}})
	wantStatus(t, "same institution", res, body, http.StatusBadRequest)
	if !strings.Contains(body, "현재 소속 기관과 같은 기관입니다") {
		t.Error("same institution: no clear message")
	}
	res, body = c.postForm("/account/institution", url.Values{"institution_id": {strconv.FormatInt(to.ID, 10)}})
	wantRedirect(t, "request", res, body, "/account/institution?done=requested")
	_, body = c.getPage("/account/institution")
	if !strings.Contains(body, "확인 대기") || !strings.Contains(body, "중구보건소") || !strings.Contains(body, "/withdraw") {
		t.Error("pending change not shown with its centre and withdraw button")
	}

	// The old centre has no such queue entry; the new one does.
	res, body = e.signedIn(old, oldCert).getPage("/approvals/institutions")
	wantStatus(t, "old centre queue", res, body, http.StatusOK)
	if strings.Contains(body, "김이동") {
		t.Error("the old centre sees the change")
	}
	na, naCert := e.demoAccount("approver11140")
	ac := e.signedIn(na, naCert)
	_, body = ac.getPage("/approvals")
	if !strings.Contains(body, `href="/approvals/institutions"`) {
		t.Error("승인 관리 has no 기관 변경 tab")
	}
	_, body = ac.getPage("/approvals/institutions")
	if !strings.Contains(body, "김이동") || !strings.Contains(body, "튼튼소아청소년과의원") || !strings.Contains(body, "코로나19 예방접종대응팀 User(의료기관)") {
		t.Fatal("new centre's queue lacks the change or the user's roles")
	}
	changes, _, err := e.s.store.ListInstitutionChanges(e.ctx, domain.InstChangeFilter{UserID: u.ID})
	if err != nil || len(changes) != 1 {
		t.Fatal(changes, err)
	}
	res, body = ac.postForm(fmt.Sprintf("/approvals/institutions/%d/decide", changes[0].ID), url.Values{"action": {"approve"}})
	wantRedirect(t, "confirm", res, body, "/approvals/institutions?done=approve")

	// Changed; old grant revoked; offered again in one step.
	got, _ := e.s.store.GetUser(e.ctx, u.ID)
	if got.InstitutionID != to.ID {
		t.Error("institution not changed")
	}
	grants, _ := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: u.ID})
	if len(grants) != 1 || grants[0].RevokeReason != "기관 변경" {
		t.Errorf("grants %+v", grants)
	}
	c = e.signedIn(got, cert)
	_, body = c.getPage("/account/institution")
	if !strings.Contains(body, "변경 완료") || !strings.Contains(body, fmt.Sprintf(`name="role_id" value="%d" checked`, d.UserRoleID)) {
		t.Fatal("re-request not offered")
	}
	res, body = c.postForm("/account/institution/rerequest", url.Values{"role_id": {strconv.FormatInt(d.UserRoleID, 10)}})
	wantRedirect(t, "re-request", res, body, "/account/roles?view=pending&done=requested")
	pend, _, _ := e.s.store.ListRequests(e.ctx, store.RequestFilter{UserID: u.ID, Status: domain.RequestPending})
	if len(pend) != 1 || pend[0].ApproverInstitutionID != e.inst("HC-11140").ID {
		t.Errorf("re-request %+v, want one to 중구보건소", pend)
	}
	_, body = c.getPage("/account/institution")
	if strings.Contains(body, "rerequest-button") {
		t.Error("re-request still offered")
	}
}

// TestInstitutionChangeAPI: request, refusal of a second one, a decision
// by the wrong centre, withdrawal.
func TestInstitutionChangeAPI(t *testing.T) {
	e := newSeededEnv(t, nil)
	u, cert := e.accountAt("moverapi", "박이동", clinicCode, domain.UserActive, domain.CertPersonal)
	c := e.signedIn(u, cert)
	res, body := c.apiCall("POST", "/api/v1/me/institution-change", map[string]any{"institutionId": e.inst("91114001").ID})
	wantStatus(t, "request", res, body, http.StatusCreated)
	if !strings.Contains(body, `"status":"pending"`) {
		t.Errorf("request answer %s", body)
	}
	res, body = c.apiCall("POST", "/api/v1/me/institution-change", map[string]any{"institutionId": e.inst("91114002").ID})
	wantStatus(t, "second request", res, body, http.StatusConflict)
	changes, _, _ := e.s.store.ListInstitutionChanges(e.ctx, domain.InstChangeFilter{UserID: u.ID})
	old, oldCert := e.demoAccount("approver11110")
	res, body = e.signedIn(old, oldCert).apiCall("POST", fmt.Sprintf("/api/v1/approvals/institution-changes/%d/decision", changes[0].ID),
		map[string]any{"decision": "approve"})
	wantStatus(t, "wrong centre", res, body, http.StatusNotFound)
	res, body = c.apiCall("POST", fmt.Sprintf("/api/v1/me/institution-change/%d/withdraw", changes[0].ID), nil)
	wantStatus(t, "withdraw", res, body, http.StatusNoContent)
	na, naCert := e.demoAccount("approver11140")
	res, body = e.signedIn(na, naCert).apiCall("POST", fmt.Sprintf("/api/v1/approvals/institution-changes/%d/decision", changes[0].ID),
		map[string]any{"decision": "approve"})
	wantStatus(t, "confirming a withdrawn change", res, body, http.StatusConflict)
}
