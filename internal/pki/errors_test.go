package pki

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorMessages(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Codes() {
		if seen[c] {
			t.Errorf("code %s listed twice", c)
		}
		seen[c] = true
		m, ok := messages[c]
		if !ok || m.Ko == "" || m.En == "" {
			t.Errorf("code %s lacks a Korean or English message", c)
		}
		e := &CertError{Code: c}
		if e.Message("ko") != m.Ko || e.Message("en") != m.En || e.Message("") != m.Ko {
			t.Errorf("code %s: Message does not pick the language", c)
		}
	}
	if len(seen) != len(messages) {
		t.Errorf("%d codes listed, %d have messages", len(seen), len(messages))
	}
	if got := ErrCertExpired.Message("ko"); got != "인증서가 만료되었습니다. 인증서를 갱신한 뒤 인증서 재등록을 하세요." {
		t.Errorf("cert_expired: %q", got)
	}
	if MessageFor("no_such_code", "en") == "" {
		t.Error("unknown code has no message")
	}
}

func TestCertErrorIs(t *testing.T) {
	err := fmt.Errorf("login: %w", errorf(CodeCertRevoked, "serial %d", 5))
	if !errors.Is(err, ErrCertRevoked) {
		t.Error("errors.Is with sentinel failed")
	}
	if errors.Is(err, ErrCertExpired) {
		t.Error("revoked matches expired")
	}
	if Code(err) != CodeCertRevoked || Code(errors.New("x")) != "" || Code(nil) != "" {
		t.Error("Code")
	}
	if !strings.Contains(err.Error(), "cert_revoked: serial 5") {
		t.Errorf("Error() = %q", err)
	}
	cause := errors.New("cause")
	if !errors.Is(&CertError{Code: CodeCMSMalformed, Err: cause}, cause) {
		t.Error("cause not unwrapped")
	}
}
