package e2e

import (
	"context"
	"crypto/x509"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The demo data the approval stories rely on (internal/demo/data/
// systems.json and accounts.csv).
const (
	demoRole     = "코로나19 예방접종대응팀 User(의료기관)" // covid19-vaccination/user-medical
	demoSystem   = "코로나19예방접종관리"
	demoApprover = "approver11110" // 박지훈, 승인자 of 종로구보건소 (HC-11110)
)

// applicant is a user a story signed up, with the NPKI files of the
// certificate it signed up with.
type applicant struct {
	LoginID, Name     string
	certPath, keyPath string
}

// certName returns the person's name in an NPKI certificate's common name
// ("홍길동()0012345..." → "홍길동").
func certName(c *x509.Certificate) string {
	name, _, _ := strings.Cut(c.Subject.CommonName, "(")
	return name
}

// accountNPKIFiles returns the signCert.der and signPri.key of a seeded
// demo account, which `gwanmun demo` writes to
// certs/accounts/<login ID>/NPKI/<CA>/USER/<cn=...>/, and the name in the
// certificate.
func accountNPKIFiles(t *testing.T, srv *demoServer, loginID string) applicant {
	t.Helper()
	root := filepath.Join(srv.Data, "certs", "accounts", loginID)
	var certPath string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "signCert.der" {
			certPath = p
			return fs.SkipAll
		}
		return err
	})
	if err != nil || certPath == "" {
		t.Fatalf("the demo account %s has no signCert.der under %s (%v)", loginID, root, err)
	}
	der, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("%s: %v", certPath, err)
	}
	keyPath := filepath.Join(filepath.Dir(certPath), "signPri.key")
	if _, err := os.Stat(keyPath); err != nil {
		t.Fatal(err)
	}
	return applicant{LoginID: loginID, Name: certName(cert), certPath: certPath, keyPath: keyPath}
}

// newcomer returns the NPKI files of a newcomer certificate of the demo
// set and the name in it; the login ID is not known yet.
func newcomer(t *testing.T, srv *demoServer, id string) applicant {
	t.Helper()
	certPath, keyPath, cert := srv.NPKIFiles(t, id)
	return applicant{Name: certName(cert), certPath: certPath, keyPath: keyPath}
}

// logIn logs the tab in with a's certificate through the dialog on the
// home page and waits for the element matching next on the page it lands.
func logIn(t *testing.T, tab context.Context, srv *demoServer, a applicant, next string) {
	t.Helper()
	openLoginDialog(t, tab, srv)
	chooseCertificate(t, tab, a.certPath, a.keyPath, a.Name)
	run(t, tab, "certificate password", chromedp.SendKeys(chromedp.CSS(dialogPass), srv.Set.Password))
	// Wait for the next page, or for a message in the dialog (a refusal
	// the dialog shows instead of submitting), which fails at once.
	get(t, tab, "log in as "+a.Name+": mark the page", chromedp.Evaluate[bool](`window.__e2eOld = true`))
	run(t, tab, "log in as "+a.Name, chromedp.Click(chromedp.CSS(dialogOK)))
	msg := `(window.__e2eOld && document.querySelector('` + dialogMsg + `').textContent.trim()) || ''`
	waitFor(t, tab, "log in as "+a.Name, `(!window.__e2eOld && `+visible(next)+`) || `+msg+` !== ''`)
	if m := get(t, tab, "read the dialog's message", chromedp.Evaluate[string](msg)); m != "" {
		t.Fatalf("log in as %s: the certificate dialog says %q", a.Name, m)
	}
}

// signUp drives the five signup steps (manual §1) with a newcomer
// certificate, choosing [demoRole] at the preselected centre with
// jurisdiction (종로구보건소, over 행복내과의원), and returns the new user.
// The tab is left on step 05, not logged in. SignupThenLogin checks these
// pages with axe-core; this helper checks the certificate dialog with the
// certificate it was given listed.
func signUp(t *testing.T, tab context.Context, srv *demoServer, shots *screenshots, certID string) applicant {
	t.Helper()
	a := newcomer(t, srv, certID)
	a.LoginID = fmt.Sprintf("e2e%d", time.Now().UnixNano()%1e9)

	run(t, tab, "open the signup page", chromedp.Navigate(srv.URL+"/signup"))
	waitFor(t, tab, "signup step 01", visible(`#agree`))
	run(t, tab, "consent", chromedp.Click(chromedp.CSS(`#agree`)))
	clickTo(t, tab, "step 01 [다음]", `form[action="/signup/consent"] button[type="submit"]`, `#signup-cert-form`)

	run(t, tab, "[공동인증서등록]", chromedp.Click(chromedp.CSS(`#signup-cert-form button[data-cert-dialog]`)))
	waitFor(t, tab, "the certificate dialog", visible(dialog))
	chooseCertificate(t, tab, a.certPath, a.keyPath, a.Name)
	shots.take(t, tab, "signup-dialog-"+certID)
	checkA11y(t, tab, "the certificate dialog ("+certID+")")
	run(t, tab, "certificate password", chromedp.SendKeys(chromedp.CSS(dialogPass), srv.Set.Password))
	clickTo(t, tab, "step 02 [확인]", dialogOK, `#f-login_id`)

	run(t, tab, "institution name", chromedp.SetValue(chromedp.CSS(`#f-q`), demoInstitution))
	clickTo(t, tab, "[검색]", `button[name="action"][value="search"]`, `ul.gw-choices input[name="institution_id"]`)
	instID := get(t, tab, "find the institution in the results", chromedp.Evaluate[string](fmt.Sprintf(
		`([...document.querySelectorAll('ul.gw-choices label')].find(l => l.textContent.includes(%q)) || {}).htmlFor || ''`,
		demoInstitution)))
	if instID == "" {
		t.Fatalf("the institution search for %q did not list it", demoInstitution)
	}
	run(t, tab, "fill step 03",
		chromedp.Click(chromedp.CSS(`#`+instID)),
		chromedp.SetValue(chromedp.CSS(`#f-name`), a.Name),
		chromedp.SetValue(chromedp.CSS(`#f-login_id`), a.LoginID),
		chromedp.SetValue(chromedp.CSS(`#f-mobile`), "010-2345-6789"),
		chromedp.SetValue(chromedp.CSS(`#f-office_phone`), "02-234-5678"))
	shots.take(t, tab, "signup-info-"+certID)
	clickTo(t, tab, "step 03 [다음]", `button[name="action"][value="save"]`, `#approver`)

	// Step 04: pick [demoRole] by its label; the approver must be the
	// preselected centre with jurisdiction.
	type step04 struct{ RoleInput, Value, Jurisdiction, Centre string }
	s := get(t, tab, "read step 04", chromedp.Evaluate[step04](fmt.Sprintf(`(() => {
		const sel = document.getElementById('approver');
		const l = [...document.querySelectorAll('ul.gw-choices label')].find(l => l.querySelector('strong').textContent === '[' + %q + ']');
		return {RoleInput: l ? l.htmlFor : '', Value: sel.value, Jurisdiction: sel.dataset.jurisdiction, Centre: sel.selectedOptions[0].textContent};
	})()`, demoRole)))
	if s.RoleInput == "" {
		t.Fatalf("step 04 does not offer [%s]", demoRole)
	}
	if s.Value == "" || s.Value != s.Jurisdiction || !strings.Contains(s.Centre, demoCentre) {
		t.Errorf("step 04 approver = %+v, want %s (the jurisdiction) preselected", s, demoCentre)
	}
	run(t, tab, "choose ["+demoRole+"]", chromedp.Click(chromedp.CSS(`#`+s.RoleInput)))
	shots.take(t, tab, "signup-request-"+certID)
	clickTo(t, tab, "[권한 신청]", `form[action="/signup/request"] button[type="submit"]`, `#done-title`)

	done := get(t, tab, "read step 05", chromedp.Text(chromedp.CSS(`.gw-complete`)))
	for _, want := range []string{demoCentre, a.LoginID, demoRole, "신청중"} {
		if !strings.Contains(done, want) {
			t.Errorf("step 05 does not show %q:\n%s", want, done)
		}
	}
	shots.take(t, tab, "signup-complete-"+certID)
	return a
}

// inboxRow finds the applicant's pending request in 승인 관리 (the tab is
// on /approvals) by login ID, ticks its checkbox and returns the row's
// text. The row must name the applicant and [demoRole].
func inboxRow(t *testing.T, tab context.Context, a applicant) string {
	t.Helper()
	type row struct{ Box, Text string }
	r := get(t, tab, "find the request in 승인 관리", chromedp.Evaluate[row](fmt.Sprintf(`(() => {
		const tr = [...document.querySelectorAll('table.gw-inbox tbody tr')].find(tr => tr.cells[1].textContent.includes(%q));
		if (!tr) return {Box: '', Text: ''};
		const box = tr.querySelector('input[type="checkbox"][name="id"]');
		return {Box: box ? box.id : '', Text: tr.textContent.replace(/\s+/g, ' ').trim()};
	})()`, a.LoginID)))
	if r.Box == "" {
		inbox := get(t, tab, "read 승인 관리", chromedp.Text(chromedp.CSS(`main`)))
		t.Fatalf("승인 관리 does not list a request of %s (%s):\n%s", a.Name, a.LoginID, inbox)
	}
	for _, want := range []string{a.Name, "[" + demoRole + "]"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the request's row in 승인 관리 does not show %q: %s", want, r.Text)
		}
	}
	run(t, tab, "tick the request", chromedp.Click(chromedp.CSS(`#`+r.Box)))
	if !get(t, tab, "read the checkbox", chromedp.Evaluate[bool](`document.getElementById('`+r.Box+`').checked`)) {
		t.Fatalf("the request's checkbox (#%s) is not ticked after a click", r.Box)
	}
	return r.Text
}

// decisionResults returns the lines of the result box 승인 관리 shows
// after a decision.
func decisionResults(t *testing.T, tab context.Context) string {
	t.Helper()
	return get(t, tab, "read the decision's result", chromedp.Text(chromedp.CSS(`.gw-results`)))
}

// openApprovals logs the approver of 종로구보건소 in (in its own tab) and
// opens 승인 관리 from the navigation.
func openApprovals(t *testing.T, srv *demoServer, browser context.Context) context.Context {
	t.Helper()
	tab := newTab(t, browser)
	logIn(t, tab, srv, accountNPKIFiles(t, srv, demoApprover), `nav a[href="/approvals"]`)
	assertText(t, tab, `nav a[href="/approvals"]`, "승인 관리")
	clickTo(t, tab, "[승인 관리]", `nav a[href="/approvals"]`, `h1.gw-page-title`)
	return tab
}

// approvalStory (issue 6): the applicant the SignupThenLogin story signed
// up with the personal certificate (or, when that story did not run, one
// signed up here) is logged in with [demoRole] pending at 종로구보건소.
// That centre's approver, in another browser context, ticks the request in
// 승인 관리 and clicks [선택 승인]; the applicant reloads 메뉴보기 without
// logging in again and finds [demoSystem].
func approvalStory(t *testing.T, srv *demoServer, browser context.Context, signedUp bool) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	a := newcomer(t, srv, "personal")
	if !signedUp {
		a = signUp(t, tab, srv, shots, "personal")
	}

	// The applicant: logged in, the request pending, no system menu.
	logIn(t, tab, srv, a, `#pending-title`)
	pending := get(t, tab, "read 메뉴보기", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(pending, "["+demoRole+"]") || !strings.Contains(pending, demoCentre) {
		t.Fatalf("메뉴보기 before the approval does not list [%s] pending at %s:\n%s", demoRole, demoCentre, pending)
	}
	shots.take(t, tab, "applicant-menu-pending")
	run(t, tab, "open 권한/부가정보 관리", chromedp.Navigate(srv.URL+"/account/roles?view=held"))
	waitFor(t, tab, "보유", visible(`.gw-dl`))
	if a.LoginID == "" {
		a.LoginID = strings.TrimSpace(get(t, tab, "read the login ID", chromedp.Evaluate[string](
			`document.querySelectorAll('.gw-dl dd')[1].textContent`)))
	}
	clickTo(t, tab, "[메뉴보기]", `nav a[href="/menu"]`, `#pending-title`)

	// The approver: 승인 관리 lists the request; tick it, [선택 승인].
	atab := openApprovals(t, srv, browser)
	row := inboxRow(t, atab, a)
	t.Logf("승인 관리: %s", row)
	selectAllCheck(t, atab) // ux_test.go; leaves every box unticked
	inboxRow(t, atab, a)
	shots.take(t, atab, "approver-inbox")
	checkA11y(t, atab, "승인 관리 (a pending request listed)")
	assertText(t, atab, `button[name="action"][value="approve"]`, "선택 승인")
	clickTo(t, atab, "[선택 승인]", `button[name="action"][value="approve"]`, `.gw-results`)
	if res := decisionResults(t, atab); !strings.Contains(res, "승인했습니다") {
		t.Errorf("after [선택 승인] the result says %q, want 승인했습니다", res)
	}
	if still := get(t, atab, "look for the request", chromedp.Evaluate[bool](fmt.Sprintf(
		`[...document.querySelectorAll('table.gw-inbox tbody tr')].some(tr => tr.textContent.includes(%q))`, a.LoginID))); still {
		t.Errorf("승인 관리 still lists the approved request of %s", a.LoginID)
	}
	shots.take(t, atab, "approver-approved")
	checkA11y(t, atab, "승인 관리 (after an approval)")

	// The applicant reloads 메뉴보기 in the same session.
	get(t, tab, "mark the page", chromedp.Evaluate[bool](`window.__e2eOld = true`))
	run(t, tab, "reload 메뉴보기", chromedp.Reload())
	waitFor(t, tab, "메뉴보기 after the approval", `!window.__e2eOld && `+visible(`.gw-systems .gw-system`))
	loc := get(t, tab, "read the location", chromedp.Location())
	if !strings.HasSuffix(loc, "/menu") {
		t.Errorf("the applicant's reload landed on %s, want /menu (still logged in)", loc)
	}
	systems := get(t, tab, "read the system menus", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('.gw-systems .gw-system h2')].map(h => h.textContent.trim())`))
	if len(systems) != 1 || systems[0] != "["+demoSystem+"]" {
		t.Errorf("메뉴보기 after the approval shows systems %q, want [%s]", systems, demoSystem)
	}
	if get(t, tab, "look for pending requests", chromedp.Evaluate[bool](`!!document.getElementById('pending-title')`)) {
		t.Errorf("메뉴보기 still lists a pending request after the approval")
	}
	shots.take(t, tab, "applicant-menu-approved")
	checkA11y(t, tab, "메뉴보기 (a system menu)")

	// 권한/부가정보 관리, every 조회조건: the role is held now.
	for _, view := range []string{"held", "requestable", "pending", "rejected"} {
		run(t, tab, "open 권한/부가정보 관리 "+view, chromedp.Navigate(srv.URL+"/account/roles?view="+view))
		waitFor(t, tab, "권한/부가정보 관리 "+view, `document.getElementById('view').value === '`+view+`'`)
		shots.take(t, tab, "applicant-roles-"+view)
		checkA11y(t, tab, "권한/부가정보 관리 ("+view+")")
		if view == "held" {
			held := get(t, tab, "read 보유", chromedp.Text(chromedp.CSS(`section[aria-labelledby="held-title"]`)))
			if !strings.Contains(held, "["+demoRole+"]") {
				t.Errorf("권한/부가정보 관리 [보유] does not list [%s]:\n%s", demoRole, held)
			}
		}
	}
}

// rejectionStory: 김민지 signs up with the second personal certificate
// (personal-pbes2) and asks for [demoRole]; the approver tries to reject
// without a reason (refused), then rejects with one, which 처리 내역 lists;
// 김민지 logs in and 권한/부가정보 관리 with 조회조건 [반려] lists the
// request and the reason.
func rejectionStory(t *testing.T, srv *demoServer, browser context.Context) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	a := signUp(t, tab, srv, shots, "personal-pbes2")
	reason := fmt.Sprintf("소속 기관 확인 불가: 재직 증빙 후 다시 신청하세요 (e2e %d)", time.Now().UnixNano()%1e6)

	atab := openApprovals(t, srv, browser)
	inboxRow(t, atab, a)
	clickTo(t, atab, "[선택 반려] without a reason", `button[name="action"][value="reject"]`, `.gw-results`)
	if res := decisionResults(t, atab); !strings.Contains(res, "사유") {
		t.Errorf("rejecting without a reason: the result says %q, want it to ask for the reason", res)
	}
	shots.take(t, atab, "approver-reject-no-reason")
	inboxRow(t, atab, a) // still pending
	run(t, atab, "type the reason", chromedp.SendKeys(chromedp.CSS(`#reason`), reason))
	shots.take(t, atab, "approver-reject")
	assertText(t, atab, `button[name="action"][value="reject"]`, "선택 반려")
	clickTo(t, atab, "[선택 반려]", `button[name="action"][value="reject"]`, `.gw-results`)
	if res := decisionResults(t, atab); !strings.Contains(res, "반려했습니다") {
		t.Errorf("after [선택 반려] the result says %q, want 반려했습니다", res)
	}
	shots.take(t, atab, "approver-rejected")
	clickTo(t, atab, "[처리 내역]", `nav.gw-tabs a[href="/approvals?tab=history"]`, `#f-status`)
	history := get(t, atab, "read 처리 내역", chromedp.Evaluate[string](fmt.Sprintf(
		`(([...document.querySelectorAll('table.gw-inbox tbody tr')].find(tr => tr.textContent.includes(%q)) || {}).textContent || '').replace(/\s+/g, ' ')`, a.LoginID)))
	for _, want := range []string{"[" + demoRole + "]", "반려", reason} {
		if !strings.Contains(history, want) {
			t.Errorf("처리 내역's row of %s does not show %q: %q", a.LoginID, want, history)
		}
	}
	shots.take(t, atab, "approver-history")
	checkA11y(t, atab, "승인 관리 처리 내역 (a rejection listed)")

	// The applicant: 조회조건 [반려], [조회].
	logIn(t, tab, srv, a, `h1.gw-page-title`)
	clickTo(t, tab, "[권한/부가정보 관리]", `nav a[href="/account/roles"]`, `#view`)
	run(t, tab, "조회조건 [반려]", chromedp.SetValue(chromedp.CSS(`#view`), "rejected"))
	clickTo(t, tab, "[조회]", `form[action="/account/roles"] button[type="submit"]`, `#list-title`)
	assertText(t, tab, `#list-title`, "반려")
	rows := get(t, tab, "read the rejected requests", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('section[aria-labelledby="list-title"] tbody tr')].map(tr => tr.textContent.replace(/\s+/g, ' ').trim())`))
	if len(rows) != 1 || !strings.Contains(rows[0], "["+demoRole+"]") || !strings.Contains(rows[0], demoCentre) || !strings.Contains(rows[0], reason) {
		t.Errorf("[반려] lists %q, want one row with [%s], %s and the reason %q", rows, demoRole, demoCentre, reason)
	}
	shots.take(t, tab, "applicant-rejected")
	checkA11y(t, tab, "권한/부가정보 관리 (rejected, with a reason)")
}

// keyboardLogin: with the keyboard only, Tab reaches [공동인증서 로그인],
// Enter opens the certificate dialog with the focus inside it, Escape
// closes it and the focus returns to the button.
func keyboardLogin(t *testing.T, srv *demoServer, browser context.Context) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	const button = `#login-form button[data-cert-dialog]`
	run(t, tab, "open the home page", chromedp.Navigate(srv.URL+"/"))
	waitFor(t, tab, "the home page", visible(button))
	onButton := `document.activeElement === document.querySelector('` + button + `')`
	var tabs int
	for ; tabs < 60 && !get(t, tab, "where is the focus", chromedp.Evaluate[bool](onButton)); tabs++ {
		run(t, tab, "Tab", chromedp.KeyEvent(kb.Tab))
	}
	if tabs == 60 {
		t.Fatalf("60 presses of Tab did not reach [공동인증서 로그인]")
	}
	t.Logf("[공동인증서 로그인] is reached with %d presses of Tab", tabs)
	assertText(t, tab, button, "공동인증서 로그인")
	run(t, tab, "Enter", chromedp.KeyEvent(kb.Enter))
	waitFor(t, tab, "the dialog opened by Enter",
		visible(dialog)+` && document.querySelector('`+dialog+`').contains(document.activeElement)`)
	focused := get(t, tab, "read the focused element", chromedp.Evaluate[string](`document.activeElement.outerHTML.slice(0, 120)`))
	t.Logf("focus in the dialog: %s", focused)
	shots.take(t, tab, "keyboard-dialog")
	checkA11y(t, tab, "the certificate dialog (empty, opened by keyboard)")
	// Tab and Shift+Tab go round inside the modal dialog.
	inside := `document.querySelector('` + dialog + `').contains(document.activeElement)`
	for i := 0; i < 12; i++ {
		run(t, tab, "Tab in the dialog", chromedp.KeyEvent(kb.Tab))
	}
	if !get(t, tab, "where is the focus", chromedp.Evaluate[bool](inside)) {
		t.Errorf("Tab left the open certificate dialog")
	}
	for i := 0; i < 12; i++ {
		run(t, tab, "Shift+Tab in the dialog", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	}
	if !get(t, tab, "where is the focus", chromedp.Evaluate[bool](inside)) {
		t.Errorf("Shift+Tab left the open certificate dialog")
	}
	run(t, tab, "Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, tab, "the dialog closed by Escape", `!document.querySelector('`+dialog+`').open && `+onButton)
	shots.take(t, tab, "keyboard-closed")
}
