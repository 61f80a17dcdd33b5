package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// The account's later life (issue 18) in the browser: grant renewal and
// change of institution. The stories prepare their starting state (a
// grant that lapses in ten days) in the demo's database directly, as
// time would; everything the users do goes through the pages.

// demoStore opens the running demo's SQLite database (the server shares
// it: SQLite serialises the writers).
func demoStore(t *testing.T, srv *demoServer) store.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(filepath.Dir(srv.Data), "demo.db"))
	if err != nil {
		t.Fatalf("open the demo's database: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// personalHolder returns the user of the "personal" newcomer certificate
// (signed up by SignupThenLogin, or here when that story did not run),
// holding [demoRole] through a request approved by 종로구보건소 that
// lapses in ten days; the role's lifetime becomes a year.
func personalHolder(t *testing.T, srv *demoServer, st store.Store, tab context.Context) (applicant, domain.User, domain.Grant) {
	t.Helper()
	ctx := context.Background()
	a := newcomer(t, srv, "personal")
	_, _, cert := srv.NPKIFiles(t, "personal")
	c, err := st.GetCertificateByKeyHash(ctx, auth.KeyHash(cert))
	if err != nil {
		a = signUp(t, tab, srv, newScreenshots(t), "personal")
		if c, err = st.GetCertificateByKeyHash(ctx, auth.KeyHash(cert)); err != nil {
			t.Fatalf("the personal certificate's account: %v", err)
		}
	}
	u, err := st.GetUser(ctx, c.UserID)
	if err != nil {
		t.Fatal(err)
	}
	a.LoginID = u.LoginID
	sys, err := st.GetSystemByCode(ctx, "covid19-vaccination")
	if err != nil {
		t.Fatal(err)
	}
	role, err := st.GetRoleByCode(ctx, sys.ID, "user-medical")
	if err != nil {
		t.Fatal(err)
	}
	role.GrantLifetime = 365 * 24 * time.Hour
	centre, err := st.GetInstitutionByCode(ctx, "HC-11110")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var g domain.Grant
	err = st.InTx(ctx, func(q store.Queries) error {
		if err := q.UpdateRole(ctx, &role); err != nil {
			return err
		}
		pending, _, err := q.ListRequests(ctx, store.RequestFilter{UserID: u.ID, Status: domain.RequestPending})
		if err != nil {
			return err
		}
		for _, r := range pending {
			if _, err := q.DecideRequest(ctx, r.ID, domain.RequestCancelled, 0, "e2e", now); err != nil {
				return err
			}
		}
		held, err := q.ListGrants(ctx, store.GrantFilter{UserID: u.ID, ActiveAt: now})
		if err != nil {
			return err
		}
		for _, h := range held {
			if err := q.RevokeGrant(ctx, h.ID, 0, "e2e", now); err != nil {
				return err
			}
		}
		req := domain.RoleRequest{UserID: u.ID, RoleID: role.ID, ApproverInstitutionID: centre.ID, Status: domain.RequestPending, CreatedAt: now}
		if err := q.CreateRequest(ctx, &req); err != nil {
			return err
		}
		if _, err := q.DecideRequest(ctx, req.ID, domain.RequestApproved, 0, "", now); err != nil {
			return err
		}
		g = domain.Grant{UserID: u.ID, RoleID: role.ID, RequestID: req.ID, GrantedAt: now, ExpiresAt: now.Add(10 * 24 * time.Hour)}
		if err := q.CreateGrant(ctx, &g); err != nil {
			return err
		}
		if u.Status == domain.UserPending {
			u.Status = domain.UserActive
			return q.UpdateUser(ctx, &u)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("prepare the lapsing grant: %v", err)
	}
	return a, u, g
}

// renewalStory: the holder of a grant that lapses in ten days sees the
// notice on 메뉴보기, clicks [연장 신청]; the approver of 종로구보건소 finds
// the request marked as a renewal in 승인 관리 and approves it; the grant's
// expiry moves on by the role's lifetime, without a gap, and the notice
// is gone.
func renewalStory(t *testing.T, srv *demoServer, browser context.Context) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	st := demoStore(t, srv)
	a, _, g := personalHolder(t, srv, st, tab)

	logIn(t, tab, srv, a, `#renewal-title`)
	notice := get(t, tab, "read the renewal notice", chromedp.Text(chromedp.CSS(`section.gw-renewal`)))
	for _, want := range []string{"권한 만료 예정", "[" + demoRole + "]", "10일 남음", demoCentre} {
		if !strings.Contains(notice, want) {
			t.Errorf("the renewal notice on 메뉴보기 does not show %q:\n%s", want, notice)
		}
	}
	shots.take(t, tab, "menu-renewal-notice")
	checkA11y(t, tab, "메뉴보기 (renewal notice)")
	btn := fmt.Sprintf(`form[action="/account/grants/%d/renew"] button`, g.ID)
	assertText(t, tab, btn, "연장 신청")
	clickTo(t, tab, "[연장 신청]", btn, `.gw-alert[role="status"]`)
	assertText(t, tab, `.gw-alert[role="status"]`, "연장 신청이 접수되었습니다")
	assertText(t, tab, `section.gw-renewal`, "연장 신청 중")

	atab := openApprovals(t, srv, browser)
	row := inboxRow(t, atab, a)
	if !strings.Contains(row, "권한 연장 신청") || !strings.Contains(row, "최초 승인") {
		t.Errorf("승인 관리 does not mark the renewal with the grant's history: %s", row)
	}
	shots.take(t, atab, "approver-inbox-renewal")
	clickTo(t, atab, "[선택 승인]", `button[name="action"][value="approve"]`, `.gw-results`)
	if res := decisionResults(t, atab); !strings.Contains(res, "승인했습니다") {
		t.Errorf("after [선택 승인] the result says %q", res)
	}

	ng, err := st.GetGrant(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := g.ExpiresAt.Add(365 * 24 * time.Hour); !ng.ExpiresAt.Equal(time.UnixMicro(want.UnixMicro()).UTC()) || !ng.RevokedAt.IsZero() {
		t.Errorf("after the approval the grant expires %v (revoked %v), want %v", ng.ExpiresAt, ng.RevokedAt, want)
	}
	get(t, tab, "mark the page", chromedp.Evaluate[bool](`window.__e2eOld = true`))
	run(t, tab, "open 권한/부가정보", chromedp.Navigate(srv.URL+"/account/roles?view=held"))
	waitFor(t, tab, "권한/부가정보 보유", `!window.__e2eOld && `+visible(`#held-title`))
	held := get(t, tab, "read 보유", chromedp.Text(chromedp.CSS(`section[aria-labelledby="held-title"]`)))
	if want := ng.ExpiresAt.In(time.FixedZone("KST", 9*3600)).Format("2006-01-02 15:04"); !strings.Contains(held, want) {
		t.Errorf("권한/부가정보 does not show the new expiry %s:\n%s", want, held)
	}
	if get(t, tab, "look for the notice", chromedp.Evaluate[bool](`!!document.getElementById('renewal-title')`)) {
		t.Error("the renewal notice stays after the renewal")
	}
	shots.take(t, tab, "roles-renewed")
}

// instChangeStory: the holder moves to 튼튼소아청소년과의원 (중구): asks on
// 기관 변경, the approver of 중구보건소 confirms in 승인 관리 → 기관 변경;
// the grant approved by 종로구보건소 is revoked, and the holder requests
// the role again at 중구보건소 in one step.
func instChangeStory(t *testing.T, srv *demoServer, browser context.Context) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	st := demoStore(t, srv)
	a, u, g := personalHolder(t, srv, st, tab)
	const newInst, newCentre = "튼튼소아청소년과의원", "중구보건소"

	logIn(t, tab, srv, a, `#renewal-title`)
	run(t, tab, "open 권한/부가정보", chromedp.Navigate(srv.URL+"/account/roles?view=held"))
	waitFor(t, tab, "권한/부가정보", visible(`a[href="/account/institution"]`))
	clickTo(t, tab, "[기관 변경]", `a[href="/account/institution"]`, `#ic-new-title`)
	run(t, tab, "search the new institution", chromedp.SendKeys(chromedp.CSS(`#f-q`), "튼튼소아"))
	clickTo(t, tab, "[검색]", `form[role="search"] button[type="submit"]`, `#instchange-button`)
	run(t, tab, "choose "+newInst, chromedp.Click(chromedp.CSS(`ul.gw-choices input[type="radio"]`)))
	checkA11y(t, tab, "기관 변경 (search results)")
	clickTo(t, tab, "[기관 변경 요청]", `#instchange-button`, `#ic-last-title`)
	last := get(t, tab, "read the request", chromedp.Text(chromedp.CSS(`section[aria-labelledby="ic-last-title"]`)))
	for _, want := range []string{newInst, newCentre, "확인 대기"} {
		if !strings.Contains(last, want) {
			t.Errorf("the pending change does not show %q:\n%s", want, last)
		}
	}
	shots.take(t, tab, "instchange-pending")
	// Nothing changed yet.
	if cur, _ := st.GetUser(context.Background(), u.ID); cur.InstitutionID != u.InstitutionID {
		t.Fatal("the institution changed before the confirmation")
	}

	atab := newTab(t, browser)
	logIn(t, atab, srv, accountNPKIFiles(t, srv, "approver11140"), `nav a[href="/approvals"]`)
	run(t, atab, "open 승인 관리 → 기관 변경", chromedp.Navigate(srv.URL+"/approvals/institutions"))
	waitFor(t, atab, "기관 변경 queue", visible(`table.gw-inbox`))
	rowSel := `table.gw-inbox tbody tr`
	rowText := get(t, atab, "read the queue", chromedp.Text(chromedp.CSS(rowSel)))
	if !strings.Contains(rowText, a.Name) || !strings.Contains(rowText, newInst) || !strings.Contains(rowText, demoRole) {
		t.Errorf("the queue's row does not show the user, the new institution and the held role: %s", rowText)
	}
	checkA11y(t, atab, "승인 관리 → 기관 변경")
	shots.take(t, atab, "instchange-queue")
	clickTo(t, atab, "[확인]", rowSel+` button[value="approve"]`, `.gw-alert[role="status"]`)

	get(t, tab, "mark the page", chromedp.Evaluate[bool](`window.__e2eOld = true`))
	run(t, tab, "reload 기관 변경", chromedp.Reload())
	waitFor(t, tab, "기관 변경 after the confirmation", `!window.__e2eOld && `+visible(`#rerequest-button`))
	assertText(t, tab, `section[aria-labelledby="ic-last-title"]`, "변경 완료")
	assertText(t, tab, `section[aria-labelledby="ic-re-title"]`, "["+demoRole+"]")
	ng, err := st.GetGrant(context.Background(), g.ID)
	if err != nil || ng.RevokedAt.IsZero() || ng.RevokeReason != "기관 변경" {
		t.Errorf("the old grant after the change: %+v (%v)", ng, err)
	}
	shots.take(t, tab, "instchange-offered")
	clickTo(t, tab, "[선택한 권한 다시 신청]", `#rerequest-button`, `#view`)
	pending := get(t, tab, "read 신청중", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(pending, "["+demoRole+"]") || !strings.Contains(pending, newCentre) {
		t.Errorf("신청중 does not list [%s] at %s:\n%s", demoRole, newCentre, pending)
	}
	shots.take(t, tab, "instchange-rerequested")
}

// popupStory: a pop-up notice for everyone opens as a modal on the home
// page with the focus on [닫기]; Tab and Shift+Tab stay inside; [닫기]
// closes it, returns the focus to the page, and the notice does not come
// back in this session; [오늘 하루 보지 않기] keeps it away even in a new
// session. The notice ends when the story does.
func popupStory(t *testing.T, srv *demoServer, browser context.Context) {
	st := demoStore(t, srv)
	ctx := context.Background()
	now := time.Now()
	p := domain.Popup{Title: "시스템 점검 안내", Body: "e2e 팝업 공지입니다.", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour),
		Audience: domain.PopupEveryone, CreatedAt: now}
	if err := st.CreatePopup(ctx, &p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.StartsAt, p.EndsAt = now.Add(-2*time.Hour), now.Add(-time.Hour)
		if err := st.UpdatePopup(ctx, &p); err != nil {
			t.Errorf("end the pop-up: %v", err)
		}
	})
	dlg := fmt.Sprintf(`dialog[data-popup="%d"]`, p.ID)
	inside := `(document.activeElement && !!document.activeElement.closest('` + dlg + `'))`
	open := `document.querySelector('` + dlg + `').open`

	tab := newTab(t, browser)
	run(t, tab, "open the home page", chromedp.Navigate(srv.URL+"/"))
	waitFor(t, tab, "the pop-up opens", open+` && `+inside)
	if got := get(t, tab, "read the focused button", chromedp.Evaluate[string](`document.activeElement.dataset.popupAct || ''`)); got != "close" {
		t.Errorf("the focus is on %q, want [닫기]", got)
	}
	assertText(t, tab, dlg+` h2`, "시스템 점검 안내")
	checkA11y(t, tab, "home page with a pop-up notice")
	for i, key := range []string{"\t", "\t", "\t"} {
		run(t, tab, "Tab", chromedp.KeyEvent(key))
		if !get(t, tab, "focus after Tab", chromedp.Evaluate[bool](inside)) {
			t.Fatalf("Tab #%d left the pop-up", i+1)
		}
	}
	run(t, tab, "[닫기]", chromedp.Click(chromedp.CSS(dlg+` [data-popup-act="close"]`)))
	waitFor(t, tab, "the pop-up closes", `!`+open+` && !`+inside)
	run(t, tab, "reload", chromedp.Reload())
	waitFor(t, tab, "the home page again", visible(`#login-form`))
	if get(t, tab, "is the pop-up open", chromedp.Evaluate[bool](open)) {
		t.Error("the pop-up opened again in the same session after [닫기]")
	}

	tab2 := newTab(t, browser)
	run(t, tab2, "open the home page", chromedp.Navigate(srv.URL+"/"))
	waitFor(t, tab2, "the pop-up opens", open)
	run(t, tab2, "[오늘 하루 보지 않기]", chromedp.Click(chromedp.CSS(dlg+` [data-popup-act="today"]`)))
	waitFor(t, tab2, "the pop-up closes", `!`+open)
	get(t, tab2, "forget the session", chromedp.Evaluate[bool](`sessionStorage.clear(), true`))
	run(t, tab2, "reload", chromedp.Reload())
	waitFor(t, tab2, "the home page again", visible(`#login-form`))
	if get(t, tab2, "is the pop-up open", chromedp.Evaluate[bool](open)) {
		t.Error("the pop-up opened again the same day after [오늘 하루 보지 않기]")
	}
}
