package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func TestAdminAuditViewerAndVerify(t *testing.T) {
	e := newSeededEnv(t, nil)
	kim, _ := e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	nat, natc := e.demoAccount("admin")
	c := e.signedIn(nat, natc)
	a11, a11c := e.demoAccount("admin11")
	prov := e.signedIn(a11, a11c)

	res, body := prov.getPage("/admin/audit")
	wantStatus(t, "audit as a province admin", res, body, http.StatusForbidden)
	res, body = prov.postForm("/admin/audit/verify", nil)
	wantStatus(t, "verify as a province admin", res, body, http.StatusForbidden)

	// Make an event to look for (account actions need a fresh signature).
	e.confirmSessions(nat)
	res, body = c.postForm(fmt.Sprintf("/admin/users/%d/sessions", kim.ID), url.Values{"purpose": {"점검"}})
	wantStatus(t, "end sessions", res, body, http.StatusOK)
	res, body = c.getPage("/admin/audit?action=admin.user.sessions&actor=admin")
	wantStatus(t, "audit filtered", res, body, http.StatusOK)
	if !strings.Contains(body, "<td>admin.user.sessions</td>") || !strings.Contains(body, fmt.Sprintf("user %d", kim.ID)) {
		t.Errorf("audit viewer lacks the event")
	}
	_, body = c.getPage("/admin/audit?action=admin.user.sessions&actor=nobody")
	if strings.Contains(body, "<td>admin.user.sessions</td>") {
		t.Errorf("unknown actor filter still matches")
	}

	res, body = c.postForm("/admin/audit/verify", nil)
	wantStatus(t, "verify", res, body, http.StatusOK)
	if !strings.Contains(body, `data-verify="ok"`) {
		t.Fatalf("intact chain not reported OK")
	}
	// An event edited by hand is caught and named.
	db := rawSQLStore(e.s.store).DB()
	if _, err := db.Exec("UPDATE audit_events SET target_id = '1' WHERE action = 'admin.user.sessions'"); err != nil {
		t.Fatal(err)
	}
	ev, _ := e.s.store.ListAudit(e.ctx, storeAuditFilterAction("admin.user.sessions"))
	res, body = c.postForm("/admin/audit/verify", nil)
	wantStatus(t, "verify after edit", res, body, http.StatusOK)
	if !strings.Contains(body, `data-verify="broken"`) || len(ev) != 1 || !strings.Contains(body, fmt.Sprintf("%d번", ev[0].Seq)) {
		t.Errorf("edited event not named")
	}
}

func TestAdminAccessLog(t *testing.T) {
	e := newSeededEnv(t, nil)
	kim, _ := e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	dj, _ := e.accountAt("djnurse", "대전간호", "HC-30110", domain.UserActive, domain.CertPersonal)
	nat, natc := e.demoAccount("admin")
	c := e.signedIn(nat, natc)
	a11, a11c := e.demoAccount("admin11")
	prov := e.signedIn(a11, a11c)
	for _, u := range []domain.User{kim, dj} {
		res, body := c.postForm(fmt.Sprintf("/admin/users/%d/view", u.ID), url.Values{"purpose": {"열람사유-" + u.LoginID}})
		wantStatus(t, "view", res, body, http.StatusOK)
	}
	_, body := c.getPage("/admin/access-log")
	if !strings.Contains(body, "열람사유-kimdoc") || !strings.Contains(body, "열람사유-djnurse") {
		t.Errorf("national access log incomplete")
	}
	_, body = prov.getPage("/admin/access-log")
	if !strings.Contains(body, "열람사유-kimdoc") || strings.Contains(body, "열람사유-djnurse") {
		t.Errorf("province access log shows the wrong entries")
	}
	_, body = c.getPage("/admin/access-log?subject=djnurse")
	if strings.Contains(body, "열람사유-kimdoc") || !strings.Contains(body, "열람사유-djnurse") {
		t.Errorf("subject filter wrong")
	}
}

func storeAuditFilterAction(a string) store.AuditFilter { return store.AuditFilter{Action: a} }
