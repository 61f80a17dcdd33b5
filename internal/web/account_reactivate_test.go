package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// TestReactivate: a dormant account's owner reopens it from the login
// error page with the registered certificate; another or an expired
// certificate and an administrator's lock are refused with clear words.
func TestReactivate(t *testing.T) {
	e := newSeededEnv(t, nil)
	clinic := e.inst(clinicCode)
	iss := issue(t, "김휴면", 0, nil)
	u := e.registerUser("dormant1", domain.UserActive, clinic.ID, iss)
	now := e.clock.Now()
	g := domain.Grant{UserID: u.ID, RoleID: e.demo.UserRoleID, GrantedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.s.store.CreateGrant(e.ctx, &g); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.s.store.LockInactiveUser(e.ctx, u.ID, now.Add(time.Minute), now); err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	e.clock.Advance(2 * time.Hour)

	// The login error page of a locked account offers [휴면 해제].
	c := e.client()
	res, body := c.postForm("/login", form(c.signed(pki.PurposeLogin, iss)))
	wantStatus(t, "login of a locked account", res, body, http.StatusForbidden)
	if !strings.Contains(body, `href="/account/reactivate"`) || !strings.Contains(body, "휴면 해제") {
		t.Error("login error page offers no reactivation")
	}
	res, body = c.getPage("/account/reactivate")
	wantStatus(t, "GET /account/reactivate", res, body, http.StatusOK)
	if !strings.Contains(body, `data-cert-purpose="reactivate"`) {
		t.Error("reactivate page without the certificate dialog's button")
	}

	// Another certificate, an expired one.
	other := issue(t, "김휴면", 1, nil)
	res, body = c.postForm("/account/reactivate", form(c.signed(pki.PurposeReactivate, other)))
	wantStatus(t, "another certificate", res, body, http.StatusForbidden)
	if !strings.Contains(body, "등록된 인증서가 아닙니다") {
		t.Error("another certificate: no clear message")
	}
	old := issue(t, "김휴면", 2, expired)
	res, body = c.postForm("/account/reactivate", form(c.signed(pki.PurposeReactivate, old)))
	if res.StatusCode < 400 || !strings.Contains(body, "만료된 인증서로는 휴면 해제를 할 수 없습니다") {
		t.Errorf("expired certificate: %d, no clear message", res.StatusCode)
	}
	if got, _ := e.s.store.GetUser(e.ctx, u.ID); got.Status != domain.UserLocked {
		t.Fatalf("status %s after refusals", got.Status)
	}

	// An administrator's lock: whom to call.
	admIss := issue(t, "박잠금", 3, nil)
	adm := e.registerUser("adminlocked", domain.UserLocked, clinic.ID, admIss)
	res, body = c.postForm("/account/reactivate", form(c.signed(pki.PurposeReactivate, admIss)))
	wantStatus(t, "administrator's lock", res, body, http.StatusForbidden)
	if !strings.Contains(body, "관리자가 잠근 계정") || !strings.Contains(body, "보건소") {
		t.Error("administrator's lock: no whom-to-call message")
	}
	if got, _ := e.s.store.GetUser(e.ctx, adm.ID); got.Status != domain.UserLocked {
		t.Error("an administrator's lock was lifted")
	}

	// The registered certificate reopens the account and logs in; the
	// lapsed grant stays lapsed.
	res, body = c.postForm("/account/reactivate", form(c.signed(pki.PurposeReactivate, iss)))
	wantStatus(t, "reactivate", res, body, http.StatusOK)
	if !strings.Contains(body, "휴면 해제가 완료되었습니다") || !strings.Contains(body, "만료된 권한 1개") {
		t.Error("reactivation page without its result")
	}
	got, _ := e.s.store.GetUser(e.ctx, u.ID)
	if got.Status != domain.UserActive || !got.LastLoginAt.Equal(e.clock.Now()) {
		t.Errorf("after reactivation: %s, last login %v", got.Status, got.LastLoginAt)
	}
	if n := e.auditCount("user.reactivate"); n != 1 {
		t.Errorf("%d user.reactivate events", n)
	}
	c.refreshCSRF()
	res, body = c.getPage("/menu")
	wantStatus(t, "GET /menu after reactivation", res, body, http.StatusOK)
	if strings.Contains(body, "코로나19예방접종관리]") {
		t.Error("the lapsed grant came back")
	}
	res, body = c.postForm("/account/reactivate", form(c.signed(pki.PurposeReactivate, iss)))
	wantStatus(t, "second reactivation", res, body, http.StatusConflict)
}
