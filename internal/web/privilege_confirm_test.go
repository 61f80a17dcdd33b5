package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// TestApprovePrivilegedNeedsConfirm (issue 15 item 4): approving a request
// for an approver role widens someone's privileges, so the page and the
// API refuse it until the deciding session re-signed; an ordinary role is
// approved without one.
func TestApprovePrivilegedNeedsConfirm(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	staff, _ := e.accountAt("hcstaff1", "박보건", "HC-11110", domain.UserActive, domain.CertPersonal)
	staff2, _ := e.accountAt("hcstaff2", "최보건", "HC-11110", domain.UserActive, domain.CertPersonal)
	priv := e.fileRequest(staff, e.demo.ApproverRoleID, "PR-11", "보건소 승인 담당")
	priv2 := e.fileRequest(staff2, e.demo.ApproverRoleID, "PR-11", "보건소 승인 담당")
	prov, pid := e.demoAccount("admin11")
	c := e.signedIn(prov, pid)

	res, body := c.postForm("/approvals/decide", decideForm("approve", "", priv.ID))
	wantStatus(t, "approve an approver role without a confirmation", res, body, http.StatusForbidden)
	if !strings.Contains(body, `data-cert-purpose="confirm"`) || !strings.Contains(body, translate("ko", "confirm.action.request_decide")) {
		t.Errorf("no confirmation page:\n%s", body)
	}
	res, body = c.postJSON(fmt.Sprintf("/api/v1/approvals/%d/decision", priv2.ID), map[string]string{"decision": "approve"})
	wantCode(t, "API approval of an approver role without a confirmation", res, body, http.StatusForbidden, "confirm_required")
	if e.requestStatus(priv.ID) != domain.RequestPending || e.requestStatus(priv2.ID) != domain.RequestPending {
		t.Fatal("an unconfirmed approval of a privileged role went through")
	}
	// Rejecting needs no confirmation.
	res, body = c.postJSON(fmt.Sprintf("/api/v1/approvals/%d/decision", priv2.ID), map[string]string{"decision": "reject", "reason": "중복"})
	wantStatus(t, "reject", res, body, http.StatusOK)

	e.confirmSessions(prov)
	res, body = c.postForm("/approvals/decide", decideForm("approve", "", priv.ID))
	wantStatus(t, "confirmed approval", res, body, http.StatusSeeOther) // Post/Redirect/Get to the inbox
	if e.requestStatus(priv.ID) != domain.RequestApproved {
		t.Fatalf("status after a confirmed approval: %s", e.requestStatus(priv.ID))
	}

	// An ordinary role: no confirmation asked.
	kim, _ := e.accountAt("kimplain", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	plain := e.fileRequest(kim, e.demo.UserRoleID, "HC-11110", "")
	ap, apc := e.demoAccount("approver11110")
	res, body = e.signedIn(ap, apc).postForm("/approvals/decide", decideForm("approve", "", plain.ID))
	wantStatus(t, "approve an ordinary role", res, body, http.StatusSeeOther)
	if e.requestStatus(plain.ID) != domain.RequestApproved {
		t.Fatalf("ordinary approval: %s", e.requestStatus(plain.ID))
	}
}
