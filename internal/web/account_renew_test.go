package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestRenewalPages: a grant lapsing soon shows on 메뉴보기 and
// 권한/부가정보 with [연장 신청]; the renewal reaches the approving
// centre's inbox marked as such, and its approval moves the expiry on.
func TestRenewalPages(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	role, err := e.s.store.GetRole(e.ctx, d.UserRoleID)
	if err != nil {
		t.Fatal(err)
	}
	role.GrantLifetime = 90 * 24 * time.Hour
	if err := e.s.store.UpdateRole(e.ctx, &role); err != nil {
		t.Fatal(err)
	}
	u, cert := e.accountAt("renewdoc", "김연장", "91111001", domain.UserPending, domain.CertPersonal)
	req := e.fileRequest(u, d.UserRoleID, "HC-11110", "")
	ap, apc := e.demoAccount("approver11110")
	res, body := e.signedIn(ap, apc).postForm("/approvals/decide", decideForm("approve", "", req.ID))
	if res.StatusCode >= 400 {
		t.Fatalf("approve: %d %s", res.StatusCode, body)
	}
	grants, err := e.s.store.ListGrants(e.ctx, storeGrants(u.ID))
	if err != nil || len(grants) != 1 {
		t.Fatalf("grants %v, %v", grants, err)
	}
	g := grants[0]

	// Long before the expiry: no notice.
	c := e.signedIn(u, cert)
	_, body = c.getPage("/menu")
	if strings.Contains(body, "/renew") {
		t.Error("renewal offered 90 days before the expiry")
	}
	res, body = c.postForm(fmt.Sprintf("/account/grants/%d/renew", g.ID), nil)
	wantStatus(t, "renewal too early", res, body, http.StatusBadRequest)
	if !strings.Contains(body, "연장 신청은 만료") {
		t.Errorf("too-early renewal without its message")
	}

	e.clock.Advance(85 * 24 * time.Hour)
	c = e.signedIn(u, cert)
	for _, page := range []string{"/menu", "/account/roles"} {
		res, body = c.getPage(page)
		wantStatus(t, page, res, body, http.StatusOK)
		for _, want := range []string{"권한 만료 예정", "5일 남음", fmt.Sprintf(`action="/account/grants/%d/renew"`, g.ID), "연장 신청", "종로구보건소"} {
			if !strings.Contains(body, esc(want)) && !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", page, want)
			}
		}
	}
	res, body = c.postForm(fmt.Sprintf("/account/grants/%d/renew", g.ID), nil)
	wantStatus(t, "renew", res, body, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/account/roles?view=pending&done=renewal" {
		t.Errorf("renew redirects to %q", loc)
	}
	res, body = c.postForm(fmt.Sprintf("/account/grants/%d/renew", g.ID), nil)
	wantStatus(t, "second renewal", res, body, http.StatusConflict)
	if !strings.Contains(body, "이미 연장 신청 중") {
		t.Error("second renewal without its message")
	}
	_, body = c.getPage("/menu")
	if !strings.Contains(body, "연장 신청 중") || strings.Contains(body, fmt.Sprintf(`action="/account/grants/%d/renew"`, g.ID)) {
		t.Error("menu still offers the renewal once requested")
	}
	// Through the API, another's grant is not found.
	other, ocert := e.accountAt("otherdoc", "이다른", "91111001", domain.UserActive, domain.CertPersonal)
	res, body = e.signedIn(other, ocert).apiCall("POST", fmt.Sprintf("/api/v1/me/grants/%d/renew", g.ID), nil)
	wantStatus(t, "API renewal of another's grant", res, body, http.StatusNotFound)

	// The inbox marks it, with the grant's history; approval extends.
	ac := e.signedIn(ap, apc)
	_, body = ac.getPage("/approvals")
	if !strings.Contains(body, "권한 연장 신청") || !strings.Contains(body, "최초 승인") {
		t.Fatal("inbox does not mark the renewal")
	}
	pend, _, err := e.s.store.ListRequests(e.ctx, pendingOf(u.ID))
	if err != nil || len(pend) != 1 {
		t.Fatalf("pending %v, %v", pend, err)
	}
	res, body = ac.postForm("/approvals/decide", decideForm("approve", "", pend[0].ID))
	if res.StatusCode >= 400 {
		t.Fatalf("approve renewal: %d %s", res.StatusCode, body)
	}
	ng, err := e.s.store.GetGrant(e.ctx, g.ID)
	if err != nil || !ng.ExpiresAt.Equal(g.ExpiresAt.Add(role.GrantLifetime)) || !ng.RevokedAt.IsZero() {
		t.Errorf("after approval: %+v (%v), want expiry %v", ng, err, g.ExpiresAt.Add(role.GrantLifetime))
	}
	_, body = c.getPage("/menu")
	if strings.Contains(body, "권한 만료 예정") {
		t.Error("notice stays after the renewal")
	}
}

func storeGrants(userID int64) store.GrantFilter { return store.GrantFilter{UserID: userID} }

func pendingOf(userID int64) store.RequestFilter {
	return store.RequestFilter{UserID: userID, Status: domain.RequestPending}
}
