package signup

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// ProfileField checks an optional department (부서) or position (직책):
// trimmed, control characters refused, at most domain.MaxProfileField
// characters. It returns the value to store, or a message.
func ProfileField(s string) (string, string) {
	s = strings.TrimSpace(s)
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return s, "줄바꿈이나 제어 문자는 입력할 수 없습니다."
	}
	if n := len([]rune(s)); n > domain.MaxProfileField {
		return s, fmt.Sprintf("%d자 이내로 입력하세요.", domain.MaxProfileField)
	}
	return s, ""
}
