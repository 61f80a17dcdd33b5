package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The demo accounts the admin confirmation story relies on (internal/demo/
// data/accounts.csv): the national administrator, and a user no other
// story touches, whom it locks.
const (
	demoAdmin      = "admin"         // 김민준, national administrator (KDCA)
	demoLockTarget = "approver11740" // 백지호, 승인자 of HC-11740
)

// adminConfirmStory (issue 7): locking an account needs a fresh signature.
// The national administrator logs in, finds a user in /admin/users, opens
// them with a reason (열람 사유) and presses [계정 잠금]. The unconfirmed
// session gets the confirmation page (403), which says nothing was done
// yet; signing there with the certificate dialog leads to the same form,
// offered again, which the keyboard reaches and sends with Enter ([계속]).
// The user is then locked, and the audit log lists the lock.
func adminConfirmStory(t *testing.T, srv *demoServer, browser context.Context) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	admin := accountNPKIFiles(t, srv, demoAdmin)
	target := accountNPKIFiles(t, srv, demoLockTarget)
	reason := fmt.Sprintf("부정 사용 의심 신고 확인 (e2e %d)", time.Now().UnixNano()%1e6)

	// 1. Log in with the certificate dialog; the navigation offers the console.
	logIn(t, tab, srv, admin, `nav a[href="/admin"]`)
	clickTo(t, tab, "[관리자]", `nav a[href="/admin"]`, `a[href="/admin/users"]`)
	shots.take(t, tab, "admin-home")

	// 2. Search the user, open them with a reason.
	clickTo(t, tab, "[사용자 관리]", `main a[href="/admin/users"]`, `#f-q`)
	run(t, tab, "search text", chromedp.SendKeys(chromedp.CSS(`#f-q`), target.LoginID))
	clickTo(t, tab, "[검색]", `form[action="/admin/users"] button[type="submit"]`, `table.gw-admin-table`)
	link := get(t, tab, "find the user in the results", chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const tr = [...document.querySelectorAll('table.gw-admin-table tbody tr')].find(tr => tr.cells[1].textContent.trim() === %q);
		return tr ? tr.querySelector('a').getAttribute('href') : '';
	})()`, target.LoginID)))
	if !strings.HasPrefix(link, "/admin/users/") {
		list := get(t, tab, "read the results", chromedp.Text(chromedp.CSS(`main`)))
		t.Fatalf("the user search for %s does not list them:\n%s", target.LoginID, list)
	}
	userID := strings.TrimPrefix(link, "/admin/users/")
	shots.take(t, tab, "admin-users-search")
	checkA11y(t, tab, "/admin/users (search results)")
	clickTo(t, tab, "open "+target.Name, `a[href="`+link+`"]`, `#purpose`)
	shots.take(t, tab, "admin-user-purpose")
	checkA11y(t, tab, "the user's page (열람 사유)")
	run(t, tab, "열람 사유", chromedp.SendKeys(chromedp.CSS(`#purpose`), reason))
	lockButton := `form[action="/admin/users/` + userID + `/lock"] button[type="submit"]`
	clickTo(t, tab, "[열람]", `form[action="/admin/users/`+userID+`/view"] button[type="submit"]`, lockButton)
	if st := userStatus(t, tab); st != "사용" {
		t.Errorf("%s's status before the lock = %q, want 사용", target.LoginID, st)
	}
	shots.take(t, tab, "admin-user")

	// 3. [계정 잠금]: the confirmation page, nothing done yet, the form kept.
	assertText(t, tab, lockButton, "계정 잠금")
	const confirmButton = `main button[data-cert-dialog][data-cert-purpose="confirm"]`
	clickTo(t, tab, "[계정 잠금] (unconfirmed)", lockButton, confirmButton)
	assertText(t, tab, `h1.gw-page-title`, "본인 확인")
	assertText(t, tab, `main .gw-alert[role="status"]`, "아직 실행되지 않았습니다")
	assertText(t, tab, confirmButton, "공동인증서로 본인 확인")
	type carried struct{ Action, Resume string }
	c := get(t, tab, "read the carried form", chromedp.Evaluate[carried](`(() => {
		const f = document.querySelector('form[action="/auth/confirm"]');
		const v = (n) => ((f && f.querySelector('input[name="' + n + '"]')) || {}).value || '';
		return {Action: v('resume_action'), Resume: v('resume')};
	})()`))
	if c.Action != "/admin/users/"+userID+"/lock" || !strings.Contains(c.Resume, "purpose=") {
		t.Errorf("the confirmation page carries %+v, want the lock form of user %s with its purpose", c, userID)
	}
	// It names what the signature is for: the action and the typed reason.
	summary := get(t, tab, "read what is pending", chromedp.Text(chromedp.CSS(`main .gw-panel dl`)))
	for _, want := range []string{"계정 잠금", "/admin/users/" + userID + "/lock", "열람 사유", reason} {
		if !strings.Contains(summary, want) {
			t.Errorf("the confirmation page does not show %q:\n%s", want, summary)
		}
	}
	shots.take(t, tab, "confirm-required")
	checkA11y(t, tab, "the confirmation page (a refused lock)")

	// 4. Sign through the dialog on that page: the form is offered again.
	run(t, tab, "[공동인증서로 본인 확인]", chromedp.Click(chromedp.CSS(confirmButton)))
	waitFor(t, tab, "the certificate dialog (confirm)", visible(dialog))
	chooseCertificate(t, tab, admin.certPath, admin.keyPath, admin.Name)
	shots.take(t, tab, "confirm-dialog")
	checkA11y(t, tab, "the certificate dialog (confirm)")
	run(t, tab, "certificate password", chromedp.SendKeys(chromedp.CSS(dialogPass), srv.Set.Password))
	resumeButton := `main form[action="/admin/users/` + userID + `/lock"] button[type="submit"]`
	get(t, tab, "sign: mark the page", chromedp.Evaluate[bool](`window.__e2eOld = true`))
	run(t, tab, "[확인] (confirm)", chromedp.Click(chromedp.CSS(dialogOK)))
	msg := `(window.__e2eOld && document.querySelector('` + dialogMsg + `').textContent.trim()) || ''`
	waitFor(t, tab, "the resumed form", `(!window.__e2eOld && `+visible(resumeButton)+`) || `+msg+` !== ''`)
	if m := get(t, tab, "read the dialog's message", chromedp.Evaluate[string](msg)); m != "" {
		t.Fatalf("confirm as %s: the certificate dialog says %q", admin.Name, m)
	}
	assertText(t, tab, `main .gw-alert[role="status"]`, "본인 확인이 끝났습니다")
	assertText(t, tab, `main .gw-alert[role="status"]`, "아직 실행되지 않았습니다")
	resumed := get(t, tab, "read the resumed form", chromedp.Text(chromedp.CSS(`main form[action="/admin/users/`+userID+`/lock"]`)))
	for _, want := range []string{"계정 잠금", "/admin/users/" + userID + "/lock", "열람 사유", reason} {
		if !strings.Contains(resumed, want) {
			t.Errorf("the resumed form does not show %q:\n%s", want, resumed)
		}
	}
	assertText(t, tab, resumeButton, "계속")
	shots.take(t, tab, "confirm-resumed")
	checkA11y(t, tab, "the confirmation page (the form offered again)")

	// [계속] with the keyboard only: Tab reaches it, Enter sends the form.
	onResume := `document.activeElement === document.querySelector('` + resumeButton + `')`
	var tabs int
	for ; tabs < 60 && !get(t, tab, "where is the focus", chromedp.Evaluate[bool](onResume)); tabs++ {
		run(t, tab, "Tab", chromedp.KeyEvent(kb.Tab))
	}
	if tabs == 60 {
		t.Fatalf("60 presses of Tab did not reach [계속]")
	}
	t.Logf("[계속] is reached with %d presses of Tab", tabs)
	get(t, tab, "[계속]: mark the page", chromedp.Evaluate[bool](`window.__e2eOld = true`))
	run(t, tab, "Enter on [계속]", chromedp.KeyEvent(kb.Enter))

	// 5. The user is locked; the audit log lists the lock.
	waitFor(t, tab, "the user's page after the lock", `!window.__e2eOld && `+visible(`main .gw-dl`))
	assertText(t, tab, `main .gw-alert[role="status"]`, "계정을 잠갔습니다")
	if st := userStatus(t, tab); st != "잠금" {
		t.Errorf("%s's status after the lock = %q, want 잠금", target.LoginID, st)
	}
	shots.take(t, tab, "admin-user-locked")
	checkA11y(t, tab, "the user's page (locked)")

	run(t, tab, "open the audit log", chromedp.Navigate(srv.URL+"/admin/audit?action=admin.user.lock&target_type=user&target_id="+userID))
	waitFor(t, tab, "the audit log", visible(`#f-action`))
	rows := get(t, tab, "read the audit log", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('table.gw-admin-table tbody tr')].map(tr => [...tr.cells].map(c => c.textContent.trim()).join(' | '))`))
	if len(rows) != 1 || !strings.Contains(rows[0], "admin.user.lock") || !strings.Contains(rows[0], "user "+userID) {
		t.Errorf("the audit log lists %q for admin.user.lock of user %s, want one event", rows, userID)
	}
	shots.take(t, tab, "admin-audit")
	checkA11y(t, tab, "the audit log (the lock listed)")
}

// userStatus reads 상태 in the profile of the admin console's user page.
func userStatus(t *testing.T, tab context.Context) string {
	t.Helper()
	return get(t, tab, "read the user's status", chromedp.Evaluate[string](`(() => {
		const dt = [...document.querySelectorAll('main .gw-dl dt')].find(dt => dt.textContent.trim() === '상태');
		return dt ? dt.nextElementSibling.textContent.trim() : '';
	})()`))
}
