package web

import (
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/demo"
)

// TestSignupPagesLanguage: the English signup shows the consent text in
// English (with the Korean original), English instructions name the
// buttons as they read, role descriptions are in the page's language, and
// the 승인기관 label has no literal brackets (issue 17, items 8, 10, 11).
func TestSignupPagesLanguage(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	e.s.cfg.ConsentTranslations = demo.ConsentTranslations()

	ko := e.client()
	_, body := ko.getPage("/signup")
	if strings.Contains(body, "Purpose of collection") {
		t.Error("the Korean consent page shows English")
	}
	en := e.client()
	en.getPage("/?lang=en")
	_, body = en.getPage("/signup")
	for _, want := range []string{"Purpose of collection (use): identifying the user and preventing duplicate signups",
		`<details class="gw-consent-original">`, "사용자 확인 및 중복 가입 방지"} {
		if !strings.Contains(body, esc(want)) && !strings.Contains(body, want) {
			t.Errorf("the English consent page lacks %q", want)
		}
	}
	en.consent()
	_, body = en.getPage("/signup/cert")
	if !strings.Contains(body, "[Register certificate]") || !strings.Contains(body, ">Register certificate</button>") {
		t.Error("step 02 in English does not name the button as it reads")
	}
	_, body = en.getPage("/")
	if strings.Contains(body, "[메뉴보기]") || !strings.Contains(body, "[Menu view]") {
		t.Error("the English home page names [메뉴보기] instead of [Menu view]")
	}

	// Step 04: descriptions in the page's language; the label without brackets.
	k := e.client()
	k.toStep4(issue(t, "홍길동", 0, nil), "uxkorean")
	_, body = k.getPage("/signup/request")
	if strings.Contains(body, "(medical-institution user") || !strings.Contains(body, "예방접종 등록과 접종 현황 조회.") {
		t.Error("the Korean step 04 mixes English into the role description")
	}
	if !strings.Contains(body, `<label for="approver">승인기관</label>`) {
		t.Error("the 승인기관 label is not plain (brackets?)")
	}
	if !strings.Contains(body, ">서울 종로구보건소 (관할)</option>") || !strings.Contains(body, ">대전 중구보건소</option>") || !strings.Contains(body, ">서울 중구보건소</option>") {
		t.Error("health centres are not listed with their province")
	}
	k.getPage("/?lang=en")
	_, body = k.getPage("/signup/request")
	if !strings.Contains(body, "Medical-institution user; handles personal data.") {
		t.Error("the English step 04 does not show the English role description")
	}
	// Step 03: the 기관명 fieldset has its legend (made visible by pages.css).
	_, body = k.getPage("/signup/info")
	if !strings.Contains(body, "<legend>") {
		t.Error("step 03 has no legend for the institution")
	}
}
