package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// TestResumeLabel: the carried actions the confirmation page knows are
// named in the user's language; other paths get no name.
func TestResumeLabel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ path, ko, en string }{
		{"/admin/users/27/lock", "계정 잠금", "Lock account"},
		{"/admin/users/27/unlock", "잠금 해제", "Unlock account"},
		{"/admin/users/27/sessions", "로그인 세션 종료", "End sessions"},
		{"/admin/users/27/reregister", "인증서 재등록 요구", "Force certificate re-registration"},
		{"/admin/users/27/grants/3/revoke", "권한 회수", "Revoke a role"},
		{"/admin/approvers/grant", "승인자 지정", "Grant an approver role"},
		{"/admin/approvers/3/revoke", "승인자 해제", "Take back an approver role"},
		{"/admin/users/27/view", "", ""},
		{"/admin/users/27/frobnicate", "", ""},
		{"/account/roles", "", ""},
		{"/admin", "", ""},
		{"/", "", ""},
		{"", "", ""},
	} {
		if got := resumeLabel("ko", c.path); got != c.ko {
			t.Errorf("resumeLabel(ko, %q) = %q, want %q", c.path, got, c.ko)
		}
		if got := resumeLabel("en", c.path); got != c.en {
			t.Errorf("resumeLabel(en, %q) = %q, want %q", c.path, got, c.en)
		}
	}
}

// TestConfirmNamesTheAction: the confirmation page of a refused lock names
// the action ([계정 잠금]) and shows the typed reason before the signature,
// keeps both when a signature is refused, and names it again on the form
// offered after the signature. Found walking the flow in a browser
// (internal/e2e/admin_confirm_test.go): the page only showed the raw path.
func TestConfirmNamesTheAction(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	own := issue(t, "이관리", 2, nil)
	other := issue(t, "김민지", 1, nil)
	admin := e.registerUser("adminlabel", domain.UserActive, e.demo.NationalID, own)
	e.grantRole(admin, e.demo.NationalAdminRoleID)
	e.registerUser("otherlabel", domain.UserActive, e.demo.NationalID, other)
	kim, _ := e.accountAt("kimlabel", "김의사", "91111001", domain.UserActive, domain.CertPersonal)

	c := e.client()
	c.login(own)
	lock := fmt.Sprintf("/admin/users/%d/lock", kim.ID)
	const purpose = "부정 사용 의심"
	summary := []string{`<dl class="gw-dl">`, "<dt>작업</dt><dd>계정 잠금 <code>" + lock + "</code></dd>",
		"<dt>열람 사유</dt><dd>" + purpose + "</dd>"}
	has := func(what, body string, wants ...string) {
		t.Helper()
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q:\n%s", what, want, body)
			}
		}
	}

	res, body := c.postForm(lock, url.Values{"purpose": {purpose}})
	wantStatus(t, "lock without a confirmation", res, body, http.StatusForbidden)
	has("the confirmation page", body, append(summary, "아직 실행되지 않았습니다", `data-cert-purpose="confirm"`)...)

	carried := func(sr pki.SignedResponse) url.Values {
		f := form(sr)
		f.Set("next", "/admin/users")
		f.Set("resume_action", lock)
		f.Set("resume", url.Values{"purpose": {purpose}}.Encode())
		return f
	}
	res, body = c.postForm("/auth/confirm", carried(c.signed(pki.PurposeConfirm, other)))
	wantStatus(t, "confirm with another account's certificate", res, body, http.StatusForbidden)
	has("the refused confirmation", body, append(summary, `name="resume_action" value="`+lock+`"`)...)

	res, body = c.postForm("/auth/confirm", carried(c.signed(pki.PurposeConfirm, own)))
	wantStatus(t, "confirm with a carried form", res, body, http.StatusOK)
	has("the resumed form", body, append(summary, "본인 확인이 끝났습니다", `action="`+lock+`"`)...)
	if e.auditCount("admin.user.lock") != 0 {
		t.Error("signing alone carried the lock out")
	}
}
