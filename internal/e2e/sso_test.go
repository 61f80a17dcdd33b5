package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ssoStory (issue 16): a health-centre approver (who holds a role of
// [demoSystem]) logs in to the portal, clicks the system in 메뉴보기 and
// lands in the demo system "코로나19예방접종관리 (데모)" — another origin, an
// OpenID Connect relying party — signed in with the role of the ID token,
// without picking a certificate again. The portal logout ends the demo
// system's session by back-channel logout.
func ssoStory(t *testing.T, srv *demoServer, browser context.Context) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	a := accountNPKIFiles(t, srv, "approver11140")
	logIn(t, tab, srv, a, `.gw-systems .gw-system`)
	link := get(t, tab, "find the system's menu link", chromedp.Evaluate[string](
		`([...document.querySelectorAll('.gw-systems a')].find(x => x.href.includes('/login?iss=')) || {}).href || ''`))
	if link == "" {
		t.Fatalf("메뉴보기 has no link that starts the demo system's login")
	}
	sel := `a[href="` + strings.ReplaceAll(link, `"`, `\"`) + `"]`
	run(t, tab, "click the system's menu entry", chromedp.Click(chromedp.CSS(sel)))
	waitFor(t, tab, "the demo system", visible(`[data-testid="user"]`))
	shots.take(t, tab, "demo-system-signed-in")
	user := get(t, tab, "read the user", chromedp.Text(chromedp.CSS(`[data-testid="user"]`)))
	if !strings.Contains(user, a.Name+"님") {
		t.Errorf("the demo system shows %q, want %s님", user, a.Name)
	}
	roles := get(t, tab, "read the roles", chromedp.Text(chromedp.CSS(`[data-testid="roles"]`)))
	if !strings.Contains(roles, "승인자") {
		t.Errorf("the demo system shows the roles %q, want the approver role", roles)
	}
	loc := get(t, tab, "read the location", chromedp.Location())
	if strings.HasPrefix(loc, srv.URL) {
		t.Errorf("the demo system is served by the portal's origin: %s", loc)
	}
	// Token refresh works while the role lasts.
	run(t, tab, "[토큰 갱신]", chromedp.Click(chromedp.CSS(`[data-testid="refresh"]`)))
	waitFor(t, tab, "refreshed", `document.body.textContent.includes('토큰 갱신:')`)

	// The portal logout: the demo system is told (back-channel).
	run(t, tab, "back to the portal", chromedp.Navigate(srv.URL+"/menu"))
	waitFor(t, tab, "메뉴보기", visible(`form.gw-logout button`))
	clickTo(t, tab, "[로그아웃]", `form.gw-logout button`, `body`)
	var ended bool
	for range 50 { // the outbox dispatcher is woken at commit; allow for its HTTP call
		run(t, tab, "reload the demo system", chromedp.Navigate(loc))
		ended = get(t, tab, "look for the session", chromedp.Evaluate[bool](`!document.querySelector('[data-testid="user"]')`))
		if ended {
			break
		}
		run(t, tab, "wait", chromedp.Sleep(200e6))
	}
	if !ended {
		t.Fatalf("the demo system's session survived the portal logout")
	}
	msg := get(t, tab, "read the message", chromedp.Evaluate[string](`(document.querySelector('[data-testid="msg"]') || {}).textContent || ''`))
	if !strings.Contains(msg, "로그아웃되었습니다") {
		t.Errorf("the demo system says %q after the back-channel logout", msg)
	}
	shots.take(t, tab, "demo-system-logged-out")
}
