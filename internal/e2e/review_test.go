package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The accounts the access review story relies on (internal/demo/data/
// accounts.csv): the administrator of 서울특별시, who reviews the grants
// of Seoul's health-centre approvers, and an approver no other story
// needs, whose grant the story revokes.
const (
	demoProvinceAdmin = "admin11"       // 이서연, 관리자(시도) of 서울특별시
	demoRevoked       = "approver11170" // 정도윤, 승인자 of HC-11170
	demoApproverRole  = "코로나19 예방접종대응팀 승인자(보건소)"
)

// reviewStory (issue 19): the province administrator opens a 정기 권한
// 점검 of the approver role in 서울특별시 from the form, then, as the
// reviewer of those grants, opens 정기 권한 점검, selects every item with
// the header checkbox, leaves one out and keeps the rest in one click;
// then revokes the one left with a reason. The 결정 완료 tab lists them all;
// the progress page counts them.
func reviewStory(t *testing.T, srv *demoServer, browser context.Context) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	admin := accountNPKIFiles(t, srv, demoProvinceAdmin)
	logIn(t, tab, srv, admin, `nav a[href="/reviews"]`)

	// 1. Open the campaign.
	run(t, tab, "open /admin/reviews", chromedp.Navigate(srv.URL+"/admin/reviews"))
	waitFor(t, tab, "the campaign form", visible(`#rv-name`))
	name := fmt.Sprintf("e2e 정기 권한 점검 %d", time.Now().UnixNano()%1e6)
	run(t, tab, "점검 이름", chromedp.SendKeys(chromedp.CSS(`#rv-name`), name))
	if !get(t, tab, "tick the approver role", chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const l = [...document.querySelectorAll('#review-create label')].find(l => l.textContent.includes(%q));
		if (!l) return false;
		l.querySelector('input').click();
		return l.querySelector('input').checked;
	})()`, demoApproverRole))) {
		t.Fatalf("the campaign form offers no [%s]", demoApproverRole)
	}
	shots.take(t, tab, "review-form")
	clickTo(t, tab, "[점검 시작]", `#review-create button[type="submit"]`, `figure.gw-chart svg`)
	progress := get(t, tab, "read the progress", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(progress, name) || !strings.Contains(progress, "서울특별시") {
		t.Fatalf("the progress page after opening:\n%s", progress)
	}
	shots.take(t, tab, "review-progress-open")
	checkA11y(t, tab, "the campaign's progress")
	progressURL := get(t, tab, "read the location", chromedp.Location())

	// 2. Review: select all, leave one out, keep.
	clickTo(t, tab, "[정기 권한 점검]", `nav a[href="/reviews"]`, `#review-all`)
	checkA11y(t, tab, "정기 권한 점검 (open items)")
	rows := get(t, tab, "count the items", chromedp.Evaluate[int](`document.querySelectorAll('#review-form tbody tr').length`))
	if rows < 2 {
		t.Fatalf("정기 권한 점검 lists %d items, want Seoul's approvers", rows)
	}
	run(t, tab, "select all", chromedp.Click(chromedp.CSS(`#review-all`)))
	checked := get(t, tab, "count the ticked items", chromedp.Evaluate[int](`document.querySelectorAll('#review-form tbody input[name=id]:checked').length`))
	if checked != rows {
		t.Fatalf("select all ticked %d of %d items", checked, rows)
	}
	rowOf := func(login string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#review-form tbody tr')].find(tr => tr.cells[1].textContent.includes(%q))`, login)
	}
	if !get(t, tab, "untick "+demoRevoked, chromedp.Evaluate[bool](`(() => { const tr = `+rowOf(demoRevoked)+`; if (!tr) return false; tr.querySelector('input').click(); return true; })()`)) {
		t.Fatalf("정기 권한 점검 does not list %s", demoRevoked)
	}
	if get(t, tab, "the header box after unticking one", chromedp.Evaluate[bool](`document.getElementById('review-all').checked`)) {
		t.Error("the select-all box stays checked with one item unticked")
	}
	shots.take(t, tab, "review-selected")
	clickTo(t, tab, "[유지]", `button[name="action"][value="keep"]`, `.gw-results`)
	res := get(t, tab, "read the results", chromedp.Text(chromedp.CSS(`.gw-results`)))
	if n := strings.Count(res, "유지하였습니다"); n != rows-1 {
		t.Errorf("after [유지] %d items say 유지하였습니다, want %d:\n%s", n, rows-1, res)
	}

	// 3. The one left: revoke with a reason.
	run(t, tab, "open the open items", chromedp.Navigate(srv.URL+"/reviews"))
	waitFor(t, tab, "the open items", visible(`#review-form`))
	if left := get(t, tab, "count the open items", chromedp.Evaluate[int](`document.querySelectorAll('#review-form tbody tr').length`)); left != 1 {
		t.Fatalf("%d items left open, want 1", left)
	}
	run(t, tab, "tick "+demoRevoked, chromedp.Click(chromedp.CSS(`#review-form tbody input[name=id]`)),
		chromedp.SendKeys(chromedp.CSS(`#note`), "보건소 근무 종료 확인"))
	clickTo(t, tab, "[회수]", `button[name="action"][value="revoke"]`, `.gw-results`)
	if res := get(t, tab, "read the results", chromedp.Text(chromedp.CSS(`.gw-results`))); !strings.Contains(res, "회수하였습니다") {
		t.Errorf("after [회수] the result says %q", res)
	}
	shots.take(t, tab, "review-decided")
	run(t, tab, "open 결정 완료", chromedp.Navigate(srv.URL+"/reviews?tab=decided"))
	waitFor(t, tab, "결정 완료", visible(`table.gw-inbox`))
	decided := get(t, tab, "read 결정 완료", chromedp.Text(chromedp.CSS(`table.gw-inbox`)))
	if strings.Count(decided, "유지") < rows-1 || !strings.Contains(decided, "보건소 근무 종료 확인") {
		t.Errorf("결정 완료 lists:\n%s", decided)
	}
	checkA11y(t, tab, "정기 권한 점검 (decided)")

	// 4. The progress counts the outcome.
	run(t, tab, "open the progress", chromedp.Navigate(progressURL))
	waitFor(t, tab, "the progress", visible(`figure.gw-chart svg`))
	total := get(t, tab, "read the totals", chromedp.Evaluate[[]string](`[...document.querySelectorAll('tfoot td')].map(td => td.textContent.trim())`))
	if len(total) < 4 || total[0] != fmt.Sprint(rows) || total[1] != fmt.Sprint(rows-1) || total[2] != "1" || total[3] != "0" {
		t.Errorf("progress totals (decided, kept, revoked, open) = %v, want %d, %d, 1, 0", total, rows, rows-1)
	}
	shots.take(t, tab, "review-progress-done")
}
