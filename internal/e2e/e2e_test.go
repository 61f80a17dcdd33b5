package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The demo data the signup story relies on (internal/demo/data/
// institutions.csv): a medical institution and the Seoul health centre
// with jurisdiction over it.
const (
	demoInstitution = "행복내과의원" // 91111001, under HC-11110
	demoCentre      = "종로구보건소" // HC-11110
)

// Selectors of the certificate dialog (internal/web/templates/partials/
// cert_dialog.html).
const (
	dialog      = `#gm-cert-dialog`
	dialogFiles = dialog + ` input[data-input="files"]`
	dialogRow   = dialog + ` tr[data-id]`
	dialogPass  = `#gm-cert-password`
	dialogOK    = dialog + ` [data-act="ok"]`
	dialogMsg   = dialog + ` [data-msg]`
)

// TestE2E runs the stories against one `gwanmun demo` and one Chromium.
func TestE2E(t *testing.T) {
	browser := newBrowser(t) // first: skips (or fails in CI) without Chromium
	srv := startDemo(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log (last lines):\n%s", tail(srv.Log(), 40))
		}
	})
	signedUp := false // whether the personal certificate has an account (approvalStory)
	t.Run("SignupThenLogin", func(t *testing.T) { signedUp = true; signupThenLogin(t, srv, browser) })
	t.Run("ExpiredCertificate", func(t *testing.T) { expiredCertificate(t, srv, browser) })
	t.Run("DialogRefusals", func(t *testing.T) { dialogRefusals(t, srv, browser) })
	t.Run("FirstVisitWeight", func(t *testing.T) { firstVisitWeight(t, srv, browser) })
	t.Run("Approval", func(t *testing.T) { approvalStory(t, srv, browser, signedUp) })
	t.Run("Rejection", func(t *testing.T) { rejectionStory(t, srv, browser) })
	t.Run("KeyboardLogin", func(t *testing.T) { keyboardLogin(t, srv, browser) })
	t.Run("AdminConfirm", func(t *testing.T) { adminConfirmStory(t, srv, browser) })
	t.Run("CertChange", func(t *testing.T) { certChangeStory(t, srv, browser) })
	t.Run("ReviewBulk", func(t *testing.T) { reviewStory(t, srv, browser) })
	t.Run("Renewal", func(t *testing.T) { renewalStory(t, srv, browser) })              // lifecycle_test.go
	t.Run("InstitutionChange", func(t *testing.T) { instChangeStory(t, srv, browser) }) // lifecycle_test.go
	t.Run("Popup", func(t *testing.T) { popupStory(t, srv, browser) })                  // lifecycle_test.go
	t.Run("SingleSignOn", func(t *testing.T) { ssoStory(t, srv, browser) })             // sso_test.go
	t.Run("ServerLog", func(t *testing.T) {
		log := srv.Log()
		if !strings.Contains(log, "code=cert_expired") {
			t.Errorf("the server log does not record the refused expired certificate")
		}
		for _, bad := range []string{srv.Set.Password, "level=ERROR", "panic:", "DATA RACE"} {
			if strings.Contains(log, bad) {
				t.Errorf("the server log contains %q", bad)
			}
		}
	})
}

// signupThenLogin is the newcomer's story (manual §1): sign up with the
// personal demo certificate, ask for a permission at the centre with
// jurisdiction, then log in and see the pending request and no system
// menu. axe-core checks every page on the way.
func signupThenLogin(t *testing.T, srv *demoServer, browser context.Context) {
	tab := newTab(t, browser)
	shots := newScreenshots(t)
	certPath, keyPath, cert := srv.NPKIFiles(t, "personal")
	certName, _, _ := strings.Cut(cert.Subject.CommonName, "(") // NPKI CN: 홍길동()00...
	loginID := fmt.Sprintf("e2e%d", time.Now().UnixNano()%1e9)

	// Home.
	run(t, tab, "open the home page", chromedp.Navigate(srv.URL+"/"))
	waitFor(t, tab, "the home page", visible(`a[href="/signup"]`))
	assertText(t, tab, `a[href="/signup"]`, "사용자 가입")
	shots.take(t, tab, "home")
	checkA11y(t, tab, "home")

	// 01 개인정보 수집 동의.
	clickTo(t, tab, "[사용자 가입]", `a[href="/signup"]`, `#agree`)
	shots.take(t, tab, "signup-01-consent")
	checkA11y(t, tab, "signup step 01 (consent)")
	run(t, tab, "consent", chromedp.Click(chromedp.CSS(`#agree`)))
	clickTo(t, tab, "[다음]", `form[action="/signup/consent"] button[type="submit"]`, `#signup-cert-form`)

	// 02 공동인증서 등록.
	shots.take(t, tab, "signup-02-cert")
	checkA11y(t, tab, "signup step 02 (certificate)")
	assertText(t, tab, `#signup-cert-form button[data-cert-dialog]`, "공동인증서등록")
	run(t, tab, "[공동인증서등록]", chromedp.Click(chromedp.CSS(`#signup-cert-form button[data-cert-dialog]`)))
	waitFor(t, tab, "the certificate dialog", visible(dialog))
	chooseCertificate(t, tab, certPath, keyPath, certName)
	shots.take(t, tab, "signup-02-dialog")
	checkA11y(t, tab, "the certificate dialog (signup)")
	run(t, tab, "certificate password", chromedp.SendKeys(chromedp.CSS(dialogPass), srv.Set.Password))
	clickTo(t, tab, "[확인]", dialogOK, `#f-login_id`)

	// 03 사용자정보 입력: the name comes from the certificate.
	prefilled := get(t, tab, "read the name", chromedp.Value(chromedp.CSS(`#f-name`)))
	if prefilled != certName {
		t.Errorf("step 03 name = %q, want the certificate's name %q", prefilled, certName)
	}
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
		chromedp.SetValue(chromedp.CSS(`#f-name`), certName),
		chromedp.SetValue(chromedp.CSS(`#f-login_id`), loginID),
		chromedp.SetValue(chromedp.CSS(`#f-mobile`), "010-1234-5678"),
		chromedp.SetValue(chromedp.CSS(`#f-office_phone`), "02-123-4567"))
	shots.take(t, tab, "signup-03-info")
	legendShown(t, tab) // ux_test.go
	checkA11y(t, tab, "signup step 03 (user information)")
	clickTo(t, tab, "step 03 [다음]", `button[name="action"][value="save"]`, `#approver`)

	// 04 권한 신청: the centre with jurisdiction is preselected.
	type step04 struct {
		Value, Jurisdiction, Centre, Role string
	}
	choice := get(t, tab, "read step 04", chromedp.Evaluate[step04](`(() => {
		const s = document.getElementById('approver');
		const r = document.querySelector('input[name="role_id"]:checked');
		return {Value: s.value, Jurisdiction: s.dataset.jurisdiction, Centre: s.selectedOptions[0].textContent,
			Role: r ? document.querySelector('label[for="' + r.id + '"] strong').textContent : ''};
	})()`))
	if choice.Value == "" || choice.Value != choice.Jurisdiction || !strings.Contains(choice.Centre, demoCentre) {
		t.Errorf("step 04 approver = %+v, want %s (the jurisdiction) preselected", choice, demoCentre)
	}
	if !strings.Contains(choice.Role, "의료기관") {
		t.Errorf("step 04 preselected role = %q, want a medical-institution role", choice.Role)
	}
	shots.take(t, tab, "signup-04-request")
	selectLooksLikeSelect(t, tab, `#approver`) // ux_test.go
	checkA11y(t, tab, "signup step 04 (permission request)")
	clickTo(t, tab, "[권한 신청]", `form[action="/signup/request"] button[type="submit"]`, `#done-title`)

	// 05 신청 완료.
	done := get(t, tab, "read step 05", chromedp.Text(chromedp.CSS(`.gw-complete`)))
	for _, want := range []string{demoCentre, loginID, choice.Role, "신청중"} {
		if !strings.Contains(done, want) {
			t.Errorf("step 05 does not show %q:\n%s", want, done)
		}
	}
	shots.take(t, tab, "signup-05-complete")
	checkA11y(t, tab, "signup step 05 (complete)")

	// Log in with the same certificate: 메뉴보기 lists the pending request
	// and no system menu.
	openLoginDialog(t, tab, srv)
	chooseCertificate(t, tab, certPath, keyPath, certName)
	shots.take(t, tab, "login-dialog")
	checkA11y(t, tab, "the certificate dialog (login)")
	run(t, tab, "certificate password", chromedp.SendKeys(chromedp.CSS(dialogPass), srv.Set.Password))
	clickTo(t, tab, "[확인]", dialogOK, `#pending-title`)
	loc := get(t, tab, "read the location", chromedp.Location())
	menu := get(t, tab, "read 메뉴보기", chromedp.Text(chromedp.CSS(`main`)))
	systems := get(t, tab, "count the system menus", chromedp.Evaluate[int](`document.querySelectorAll('.gw-systems .gw-system').length`))
	if !strings.HasSuffix(loc, "/menu") {
		t.Errorf("after login the page is %s, want /menu", loc)
	}
	for _, want := range []string{"신청중인 권한", choice.Role, demoCentre, "아직 승인된 권한이 없습니다"} {
		if !strings.Contains(menu, want) {
			t.Errorf("메뉴보기 does not show %q:\n%s", want, menu)
		}
	}
	if systems != 0 {
		t.Errorf("메뉴보기 shows %d system menus before any approval, want none", systems)
	}
	shots.take(t, tab, "menu")
	checkA11y(t, tab, "menu")
}

// chooseCertificate gives the open dialog signCert.der and signPri.key
// through its file input and selects the listed certificate's row.
func chooseCertificate(t *testing.T, tab context.Context, certPath, keyPath, user string) {
	t.Helper()
	run(t, tab, "choose the certificate files",
		chromedp.SetUploadFiles(chromedp.CSS(dialogFiles), []string{certPath, keyPath}),
		chromedp.WaitVisible(chromedp.CSS(dialogRow)),
		chromedp.Click(chromedp.CSS(dialogRow+` td:first-child`)))
	type certRow struct {
		User    string
		Checked bool
	}
	row := get(t, tab, "read the certificate row", chromedp.Evaluate[certRow](`(() => {
		const tr = document.querySelector('`+dialogRow+`');
		return {User: tr.cells[1].textContent.trim(), Checked: tr.querySelector('input').checked};
	})()`))
	if !strings.HasPrefix(row.User, user) || !row.Checked {
		t.Fatalf("certificate row = %+v, want %s selected", row, user)
	}
}

// expiredCertificate: the expired demo certificate is refused by the
// dialog (greyed, not selectable) and, signed without the dialog's help,
// by the server, whose refusal page says it has expired.
func expiredCertificate(t *testing.T, srv *demoServer, browser context.Context) {
	tab := newTab(t, browser)
	shots := newScreenshots(t)
	certPath, keyPath, _ := srv.NPKIFiles(t, "expired")

	openLoginDialog(t, tab, srv)
	run(t, tab, "choose the expired certificate's files",
		chromedp.SetUploadFiles(chromedp.CSS(dialogFiles), []string{certPath, keyPath}),
		chromedp.WaitVisible(chromedp.CSS(dialogRow)))
	type certRow struct {
		Class, Expiry string
		Disabled      bool
	}
	row := get(t, tab, "read the certificate row", chromedp.Evaluate[certRow](`(() => {
		const tr = document.querySelector('`+dialogRow+`');
		return {Class: tr.className, Expiry: tr.cells[2].textContent, Disabled: tr.querySelector('input').disabled};
	})()`))
	if row.Class != "gm-cert--expired" || row.Disabled || !strings.Contains(row.Expiry, "만료") {
		t.Errorf("expired certificate row = %+v, want greyed (gm-cert--expired), choosable (to learn why), marked 만료", row)
	}
	// [확인] with nothing usable chosen says which certificate is wrong and
	// why: its expiry date and what to do.
	run(t, tab, "[확인] with only the expired certificate listed", chromedp.Click(chromedp.CSS(dialogOK)))
	msg := get(t, tab, "read the dialog's message", chromedp.Poll[string](`document.querySelector('`+dialogMsg+`').textContent`))
	if !strings.Contains(msg, "만료되어 사용할 수 없습니다") || !regexp.MustCompile(`\d{4}-\d{2}-\d{2}에 만료`).MatchString(msg) || !strings.Contains(msg, "갱신") {
		t.Errorf("dialog message = %q, want which certificate expired when, and to renew it", msg)
	}
	run(t, tab, "choose the expired certificate, password, [확인]",
		chromedp.Click(chromedp.CSS(dialogRow+` td:first-child`)),
		chromedp.SendKeys(chromedp.CSS(dialogPass), srv.Set.Password),
		chromedp.Click(chromedp.CSS(dialogOK)))
	msg = get(t, tab, "read the dialog's message", chromedp.Poll[string](`document.querySelector('`+dialogMsg+`').textContent`))
	if !strings.Contains(msg, "만료되어 사용할 수 없습니다") {
		t.Errorf("dialog message after choosing the expired certificate = %q", msg)
	}
	shots.take(t, tab, "expired-dialog")
	run(t, tab, "[취소]", chromedp.Click(chromedp.CSS(dialog+` .gm-cert__foot [data-act="cancel"]`)),
		chromedp.WaitNotVisible(chromedp.CSS(dialog)))

	// The server must refuse it too: sign the login challenge with the
	// page's own modules, as the dialog would, and post the login form.
	certDER, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	args, _ := json.Marshal([]string{base64.StdEncoding.EncodeToString(certDER), base64.StdEncoding.EncodeToString(keyFile), srv.Set.Password})
	get(t, tab, "sign without the dialog", chromedp.Evaluate[bool](`window.__e2eOld = true; (async ([cert, key, password]) => {
		const { npkiEntry, unlock, signWith } = await import('/static/js/cert/certs.js');
		const { fetchChallenge } = await import('/static/js/cert/dialog.js');
		const { challengeBytes } = await import('/static/js/cert/message.js');
		const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
		const u = await unlock(npkiEntry(bytes(cert), bytes(key), 'expired'), password);
		const form = document.getElementById('login-form');
		const ch = await fetchChallenge('/auth/challenge', 'login', form.querySelector('input[name="csrf_token"]').value);
		const sig = new Uint8Array(await signWith(u, challengeBytes('login', ch.origin, ch.nonce)));
		const b64 = (b) => btoa(String.fromCharCode(...b));
		for (const [k, v] of [['nonce', ch.nonce], ['certificate', b64(u.cert.der)], ['signature', b64(sig)]]) {
			form.append(Object.assign(document.createElement('input'), { type: 'hidden', name: k, value: v }));
		}
		setTimeout(() => form.submit(), 0);
		return true;
	})(`+string(args)+`)`, chromedp.EvalAwaitPromise))
	waitFor(t, tab, "the refusal page", `!window.__e2eOld && `+visible(`.gw-error-message`))
	page := get(t, tab, "read the refusal", chromedp.Text(chromedp.CSS(`.gw-error-message`)))
	code := get(t, tab, "read the refusal's code", chromedp.Text(chromedp.CSS(`.gw-error-code code`)))
	// The message names the day it expired and what to do at login.
	if !regexp.MustCompile(`인증서가 \d{4}-\d{2}-\d{2}에 만료되었습니다`).MatchString(page) || !strings.Contains(page, "[인증서 재등록]") || code != "cert_expired" {
		t.Errorf("login with the expired certificate: message %q, code %q; want the cert_expired message with its date and advice", page, code)
	}
	shots.take(t, tab, "expired-refused")
	checkA11y(t, tab, "login refused")
}

// openLoginDialog opens the home page and clicks [공동인증서 로그인].
func openLoginDialog(t *testing.T, tab context.Context, srv *demoServer) {
	t.Helper()
	run(t, tab, "open the home page", chromedp.Navigate(srv.URL+"/"))
	waitFor(t, tab, "the home page", visible(`#login-form button[data-cert-dialog]`))
	run(t, tab, "[공동인증서 로그인]", chromedp.Click(chromedp.CSS(`#login-form button[data-cert-dialog]`)))
	waitFor(t, tab, "the certificate dialog", visible(dialog))
}

// assertText fails the test unless the element's text contains want.
func assertText(t *testing.T, tab context.Context, sel, want string) {
	t.Helper()
	got := get(t, tab, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
	if !strings.Contains(got, want) {
		t.Errorf("%s text = %q, want %q", sel, got, want)
	}
}
