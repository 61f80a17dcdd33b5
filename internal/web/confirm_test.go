package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestConfirm: POST /auth/confirm accepts a fresh "confirm" signature by
// the account's own certificate only, marks the session, and goes back to
// a local page only.
func TestConfirm(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	clinic := e.inst(clinicCode)
	own := issue(t, "홍길동", 0, nil)
	other := issue(t, "김민지", 1, nil)
	u := e.registerUser("hongconfirm", domain.UserActive, clinic.ID, own)
	e.registerUser("kimconfirm", domain.UserActive, clinic.ID, other)

	c := e.client()
	c.login(own)
	confirmedAt := func() bool {
		t.Helper()
		ss, err := e.s.store.ListUserSessions(e.ctx, u.ID)
		if err != nil || len(ss) != 1 {
			t.Fatalf("sessions of the user: %v, %v", ss, err)
		}
		return !ss[0].ConfirmedAt.IsZero()
	}

	post := func(sr pki.SignedResponse, next string) (*http.Response, string) {
		f := form(sr)
		f.Set("next", next)
		return c.postForm("/auth/confirm", f)
	}
	res, body := post(c.signed(pki.PurposeConfirm, other), "/account/roles")
	wantStatus(t, "confirm with another account's certificate", res, body, http.StatusForbidden)
	res, body = post(c.signed(pki.PurposeLogin, own), "/account/roles")
	wantStatus(t, "confirm with a login challenge", res, body, http.StatusUnauthorized)
	if confirmedAt() {
		t.Fatal("a refused confirmation marked the session")
	}
	res, body = post(c.signed(pki.PurposeConfirm, own), "//evil.example/x")
	wantRedirect(t, "confirm with an off-site next", res, body, "/menu")
	if !confirmedAt() {
		t.Fatal("a good confirmation did not mark the session")
	}
	res, body = post(c.signed(pki.PurposeConfirm, own), "/account/roles?view=held")
	wantRedirect(t, "confirm", res, body, "/account/roles?view=held")

	anon := e.client()
	res, body = anon.postForm("/auth/confirm", url.Values{"nonce": {"x"}})
	wantStatus(t, "confirm without a session", res, body, http.StatusUnauthorized)

	// Both good confirmations and the one with another account's
	// certificate are in the audit log, under the user.
	for action, want := range map[string]int{"session.confirm": 2, "session.confirm_refused": 1} {
		ev, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: action, ActorID: u.ID, Page: store.Page{Limit: 10}})
		if err != nil || len(ev) != want {
			t.Errorf("audit %s: %d events, %v; want %d", action, len(ev), err, want)
		}
	}
}

// TestConfirmAdminUserActions: acting on an account asks an unconfirmed
// session to sign first. The refused POST answers 403 with the
// confirmation page carrying the form; after the signature the user lands
// on the same form, sends it, and the action is done and audited. The API
// refuses a session's lock until it is confirmed; tokens need none.
func TestConfirmAdminUserActions(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	own := issue(t, "이관리", 2, nil)
	admin := e.registerUser("adminconfirm", domain.UserActive, e.demo.NationalID, own)
	e.grantRole(admin, e.demo.NationalAdminRoleID)
	kim, _ := e.accountAt("kimconfirm", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	g := domain.Grant{UserID: kim.ID, RoleID: e.demo.UserRoleID, GrantedAt: e.clock.Now()}
	if err := e.s.store.CreateGrant(e.ctx, &g); err != nil {
		t.Fatal(err)
	}
	status := func() domain.UserStatus {
		t.Helper()
		u, err := e.s.store.GetUser(e.ctx, kim.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u.Status
	}

	c := e.client()
	c.login(own)
	lock := fmt.Sprintf("/admin/users/%d/lock", kim.ID)
	res, body := c.postForm(lock, url.Values{"purpose": {"부정 사용 의심"}})
	wantStatus(t, "lock without a confirmation", res, body, http.StatusForbidden)
	for _, want := range []string{"본인 확인", "아직 실행되지 않았습니다", `data-cert-purpose="confirm"`,
		`name="resume_action" value="` + lock + `"`, `name="resume" value="purpose=` + url.QueryEscape("부정 사용 의심") + `"`} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("confirmation page lacks %q:\n%s", want, body)
		}
	}
	if st := status(); st != domain.UserActive || e.auditCount("admin.user.lock") != 0 {
		t.Fatalf("an unconfirmed lock acted: status %s, %d audit events", st, e.auditCount("admin.user.lock"))
	}
	// The other account actions and the grant revocation ask too.
	for _, p := range []string{"unlock", "sessions", "reregister", fmt.Sprintf("grants/%d/revoke", g.ID)} {
		res, body := c.postForm(fmt.Sprintf("/admin/users/%d/%s", kim.ID, p), url.Values{"purpose": {"점검"}, "reason": {"퇴사"}})
		wantStatus(t, p+" without a confirmation", res, body, http.StatusForbidden)
	}
	if e.auditCount("admin.grant.revoke") != 0 {
		t.Fatal("an unconfirmed grant revocation acted")
	}
	// The API: a session needs the confirmation as well.
	res, body = c.postJSON(fmt.Sprintf("/api/v1/users/%d/lock", kim.ID), map[string]string{"reason": "부정 사용 의심"})
	wantCode(t, "API lock without a confirmation", res, body, http.StatusForbidden, "confirm_required")

	// Signing carries the form to a page that sends it again.
	f := form(c.signed(pki.PurposeConfirm, own))
	f.Set("next", "/admin/users")
	f.Set("resume_action", lock)
	f.Set("resume", url.Values{"purpose": {"부정 사용 의심"}}.Encode())
	res, body = c.postForm("/auth/confirm", f)
	wantStatus(t, "confirm with a carried form", res, body, http.StatusOK)
	for _, want := range []string{"본인 확인이 끝났습니다", `action="` + lock + `"`, "열람 사유",
		`name="purpose" value="부정 사용 의심"`, `name="csrf_token"`} {
		if !strings.Contains(body, want) {
			t.Errorf("resumed form lacks %q:\n%s", want, body)
		}
	}
	res, body = c.postForm(lock, url.Values{"purpose": {"부정 사용 의심"}})
	wantStatus(t, "confirmed lock", res, body, http.StatusOK)
	if st := status(); st != domain.UserLocked {
		t.Errorf("status after the confirmed lock = %s", st)
	}
	ev, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "admin.user.lock", Page: store.Page{Limit: 10}})
	if err != nil || len(ev) != 1 || ev[0].ActorID != admin.ID || ev[0].TargetID != fmt.Sprint(kim.ID) {
		t.Errorf("lock audit events %+v, %v", ev, err)
	}
	res, body = c.postJSON(fmt.Sprintf("/api/v1/users/%d/unlock", kim.ID), map[string]string{"reason": "확인 완료"})
	wantStatus(t, "confirmed API unlock", res, body, http.StatusOK)
	if e.auditCount("user.unlock") != 1 {
		t.Errorf("no audit event for the API unlock")
	}

	// A carried action outside the site is dropped: a plain redirect.
	f = form(c.signed(pki.PurposeConfirm, own))
	f.Set("next", "/admin/users")
	f.Set("resume_action", "//evil.example/x")
	f.Set("resume", "purpose=x")
	res, body = c.postForm("/auth/confirm", f)
	wantRedirect(t, "confirm with an off-site action", res, body, "/admin/users")

	// The confirmation lasts confirmTTL.
	e.clock.Advance(confirmTTL + time.Second)
	res, body = c.postForm(lock, url.Values{"purpose": {"x"}})
	wantStatus(t, "lock after the confirmation expired", res, body, http.StatusForbidden)
}
