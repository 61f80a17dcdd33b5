package notify

import (
	"strings"
	"testing"
)

// TestCertChanged: the owner is told when and to what the login
// certificate changed, and what to do when it was not them.
func TestCertChanged(t *testing.T) {
	msgs, err := CertChanged(site, Recipient{Name: "이밥", Email: "bob@clinic.gwanmun.test"}, "개인\n인증서", start)
	if err != nil || len(msgs) != 1 {
		t.Fatal(err, len(msgs))
	}
	m := msgs[0]
	if m.Kind != KindCertChanged || !strings.Contains(m.Subject, "로그인 인증서 변경 안내") {
		t.Errorf("%s %q", m.Kind, m.Subject)
	}
	for _, w := range []string{"이밥 님", "변경 일시: 2025-03-14 18:00 (KST)", "새 인증서: 개인 인증서", "계정 잠금을 요청", "other sessions were ended"} {
		if !strings.Contains(m.Body, w) {
			t.Errorf("body lacks %q:\n%s", w, m.Body)
		}
	}
	if msgs, err := CertChanged(site, Recipient{Name: "이밥"}, "개인", start); err != nil || len(msgs) != 0 {
		t.Errorf("no address: %d messages, %v", len(msgs), err)
	}
}
