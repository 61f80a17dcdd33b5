package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// demoCertChanger is the demo account of the certificate change story,
// one no other story touches.
const demoCertChanger = "approver11170" // 정도윤, 승인자 of HC-11170

// certChangeStory (issue 15 item 1): 인증서 관리 offers the change only
// after a fresh signature with the current certificate (본인 확인), and
// refuses a valid certificate in another person's name. The user logs in,
// opens /account/cert and finds the confirmation first; signs it with the
// dialog and comes back to the page, now with the change button; picks the
// newcomer's personal certificate (someone else's) there and is told the
// certificate is not in the account holder's name. The registered
// certificate stays the only current one.
func certChangeStory(t *testing.T, srv *demoServer, browser context.Context) {
	shots := newScreenshots(t)
	tab := newTab(t, browser)
	owner := accountNPKIFiles(t, srv, demoCertChanger)
	strangerCert, strangerKey, sc := srv.NPKIFiles(t, "personal")
	if certName(sc) == owner.Name {
		t.Fatalf("the newcomer certificate names %s too", owner.Name)
	}

	logIn(t, tab, srv, owner, `nav a[href="/account/cert"]`)
	const confirmButton = `main button[data-cert-dialog][data-cert-purpose="confirm"]`
	const changeButton = `main button[data-cert-dialog][data-cert-purpose="cert-change"]`
	clickTo(t, tab, "[인증서 관리]", `nav a[href="/account/cert"]`, confirmButton)
	if n := get(t, tab, "count change buttons", chromedp.Evaluate[int](`document.querySelectorAll('`+changeButton+`').length`)); n != 0 {
		t.Fatalf("an unconfirmed session is offered the certificate change")
	}
	assertText(t, tab, `main`, "먼저 지금 등록된 인증서로 본인 확인")
	shots.take(t, tab, "cert-confirm-first")
	checkA11y(t, tab, "/account/cert (confirmation first)")

	// 본인 확인 with the current certificate: back on the page, the change offered.
	run(t, tab, "[공동인증서로 본인 확인]", chromedp.Click(chromedp.CSS(confirmButton)))
	waitFor(t, tab, "the certificate dialog (confirm)", visible(dialog))
	chooseCertificate(t, tab, owner.certPath, owner.keyPath, owner.Name)
	run(t, tab, "certificate password", chromedp.SendKeys(chromedp.CSS(dialogPass), srv.Set.Password))
	submitDialog(t, tab, "confirm as "+owner.Name, changeButton)
	shots.take(t, tab, "cert-change-offered")
	checkA11y(t, tab, "/account/cert (confirmed)")

	// A valid certificate in another person's name: refused.
	run(t, tab, "[인증서 변경]", chromedp.Click(chromedp.CSS(changeButton)))
	waitFor(t, tab, "the certificate dialog (cert-change)", visible(dialog))
	chooseCertificate(t, tab, strangerCert, strangerKey, certName(sc))
	run(t, tab, "certificate password", chromedp.SendKeys(chromedp.CSS(dialogPass), srv.Set.Password))
	submitDialog(t, tab, "change to "+certName(sc)+"'s certificate", `main .gw-alert-error`)
	assertText(t, tab, `main .gw-alert-error`, "명의가 계정 소유자와 다릅니다")
	shots.take(t, tab, "cert-change-refused")
	rows := get(t, tab, "read the certificates", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#certs-title + table tbody tr')].map(tr => tr.textContent.replace(/\s+/g, ' ').trim())`))
	if len(rows) != 1 || strings.Contains(strings.Join(rows, "\n"), certName(sc)) {
		t.Errorf("registered certificates after the refusal: %q, want the owner's only", rows)
	}
}

// submitDialog presses the dialog's [확인] and waits for next on the new
// page, failing at once on a message in the dialog.
func submitDialog(t *testing.T, tab context.Context, what, next string) {
	t.Helper()
	get(t, tab, what+": mark the page", chromedp.Evaluate[bool](`window.__e2eOld = true`))
	run(t, tab, what, chromedp.Click(chromedp.CSS(dialogOK)))
	msg := `(window.__e2eOld && document.querySelector('` + dialogMsg + `').textContent.trim()) || ''`
	waitFor(t, tab, what, `(!window.__e2eOld && `+visible(next)+`) || `+msg+` !== ''`)
	if m := get(t, tab, "read the dialog's message", chromedp.Evaluate[string](msg)); m != "" {
		t.Fatalf("%s: the certificate dialog says %q", what, m)
	}
}
