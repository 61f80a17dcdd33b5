package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
)

func TestConsentVersions(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	next := strconv.Itoa(e.demo.ConsentVersion + 1) // the version the test adds
	admin, aid := e.demoAccount("admin")
	ac := e.signedIn(admin, aid)
	approver, pid := e.demoAccount("approver11110")
	if approver.ConsentVersion != e.demo.ConsentVersion || approver.ConsentVersion == 0 {
		t.Fatalf("demo account consent version %d", approver.ConsentVersion)
	}
	pc := e.signedIn(approver, pid)

	res, body := pc.getPage("/admin/consent")
	wantStatus(t, "approver opens consent admin", res, body, http.StatusForbidden)
	res, body = ac.getPage("/admin/consent")
	wantStatus(t, "admin opens consent admin", res, body, http.StatusOK)
	if !strings.Contains(body, fmt.Sprintf("v%d", e.demo.ConsentVersion)) {
		t.Errorf("version %d not listed", e.demo.ConsentVersion)
	}
	res, body = ac.postForm("/admin/consent", url.Values{"text": {"   "}})
	wantStatus(t, "empty text", res, body, http.StatusUnprocessableEntity)

	// Before a new version, the approver is not held.
	res, body = pc.getPage("/approvals")
	wantStatus(t, "approvals before", res, body, http.StatusOK)

	res, body = ac.postForm("/admin/consent", url.Values{"text": {"개인정보 수집(이용) 동의서 v2\n수집 항목: 이름, 휴대폰번호"}})
	wantStatus(t, "add version", res, body, http.StatusSeeOther)
	if e.auditCount("consent.version.add") != 1 {
		t.Errorf("consent.version.add not audited")
	}

	// Now every logged-in page of the approver leads to the consent page,
	// JSON calls get 403, and a login goes there too.
	res, body = pc.getPage("/approvals?tab=history")
	wantRedirect(t, "approvals after", res, body, "/account/consent?next="+url.QueryEscape("/approvals?tab=history"))
	res, body = pc.send("GET", "/menu", nil, http.Header{"Accept": {"application/json"}})
	wantStatus(t, "JSON after", res, body, http.StatusForbidden)
	if code, _ := jsonError(t, body); code != "consent_required" {
		t.Errorf("JSON error code %q", code)
	}
	res, body = pc.postForm("/account/roles/request", url.Values{})
	wantRedirect(t, "post after", res, body, "/account/consent?next=%2Fmenu")
	if got := e.s.loginNext(e.ctx, approver, "/menu"); got != "/account/consent?next=%2Fmenu" {
		t.Errorf("loginNext = %q", got)
	}
	res, body = pc.getPage("/account/consent?next=/approvals")
	wantStatus(t, "consent page", res, body, http.StatusOK)
	if !strings.Contains(body, "수집 항목: 이름, 휴대폰번호") {
		t.Errorf("consent page lacks the new text")
	}
	// Not agreeing, or agreeing to a stale version, records nothing.
	res, body = pc.postForm("/account/consent", url.Values{"version": {next}, "next": {"/approvals"}})
	wantStatus(t, "without agree", res, body, http.StatusUnprocessableEntity)
	res, body = pc.postForm("/account/consent", url.Values{"version": {strconv.Itoa(e.demo.ConsentVersion)}, "agree": {"1"}})
	wantStatus(t, "stale version", res, body, http.StatusUnprocessableEntity)
	// Agreeing records version and time, and lets the user go on; an
	// outside next is not followed.
	res, body = pc.postForm("/account/consent", url.Values{"version": {next}, "agree": {"1"}, "next": {"//evil.example/"}})
	wantRedirect(t, "agree", res, body, "/menu?msg=consent_recorded")
	u, err := e.s.store.GetUser(e.ctx, approver.ID)
	if err != nil || u.ConsentVersion != e.demo.ConsentVersion+1 || !u.ConsentAt.Equal(e.clock.Now().Truncate(1000)) {
		t.Errorf("after consent: version %d at %v (%v)", u.ConsentVersion, u.ConsentAt, err)
	}
	if e.auditCount("user.consent") != 1 {
		t.Errorf("user.consent not audited")
	}
	res, body = pc.getPage("/approvals")
	wantStatus(t, "approvals after consent", res, body, http.StatusOK)
	// Accounts that never consented through signup are not held.
	other, oid := e.accountAt("nocons", "무동의", "91111001", domain.UserActive, domain.CertPersonal)
	res, body = e.signedIn(other, oid).getPage("/account/roles")
	wantStatus(t, "account without consent version", res, body, http.StatusOK)
}
