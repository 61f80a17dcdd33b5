package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPrivacyPolicy: every footer links /privacy, which shows the demo's
// policy and its history; a national administrator publishes a new
// version, the old one stays readable; others may not publish.
func TestPrivacyPolicy(t *testing.T) {
	e := newSeededEnv(t, nil)
	c := e.client()
	_, body := c.getPage("/")
	if !strings.Contains(body, `href="/privacy"`) {
		t.Error("the footer does not link the privacy policy")
	}
	res, body := c.getPage("/privacy")
	wantStatus(t, "GET /privacy", res, body, http.StatusOK)
	if !strings.Contains(body, "개인정보 처리방침") || !strings.Contains(body, "제1조 (개인정보의 처리 목적)") || !strings.Contains(body, "제1판") {
		t.Error("/privacy does not show the demo's policy")
	}
	res, body = c.getPage("/privacy?version=9")
	wantStatus(t, "missing version", res, body, http.StatusNotFound)

	ap, apc := e.demoAccount("approver11110")
	res, body = e.signedIn(ap, apc).postForm("/admin/privacy-policy", url.Values{"text": {"새 처리방침"}})
	wantStatus(t, "publish by a non-administrator", res, body, http.StatusForbidden)

	adm, admc := e.demoAccount("admin")
	ac := e.signedIn(adm, admc)
	res, body = ac.getPage("/admin/privacy-policy")
	wantStatus(t, "GET /admin/privacy-policy", res, body, http.StatusOK)
	res, body = ac.postForm("/admin/privacy-policy", url.Values{"text": {"  "}})
	wantStatus(t, "empty text", res, body, http.StatusBadRequest)
	res, body = ac.postForm("/admin/privacy-policy", url.Values{"text": {"개인정보 처리방침 제2판\r\n제1조 변경"}})
	wantRedirect(t, "publish", res, body, "/admin/privacy-policy?msg=policy_added")
	res, body = ac.postForm("/admin/privacy-policy", url.Values{"text": {"개인정보 처리방침 제2판\n제1조 변경"}})
	wantStatus(t, "the same text again", res, body, http.StatusConflict)
	if e.auditCount("privacy_policy.add") != 1 {
		t.Error("publishing not audited")
	}
	_, body = c.getPage("/privacy")
	if !strings.Contains(body, "제1조 변경") || !strings.Contains(body, `href="/privacy?version=1"`) {
		t.Error("/privacy does not show the new version with the old one listed")
	}
	_, body = c.getPage("/privacy?version=1")
	if !strings.Contains(body, "제1조 (개인정보의 처리 목적)") || !strings.Contains(body, "이전 판입니다") {
		t.Error("the old version is not readable as such")
	}
}
