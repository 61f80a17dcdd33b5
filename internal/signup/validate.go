package signup

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field validation for step 03 (사용자정보 입력). Each function returns the
// normalised value and "" when valid, or a Korean message saying what to fix.

// LoginIDRules is shown beside the user ID field.
const LoginIDRules = "영문 소문자로 시작하는 영문 소문자·숫자 5~20자"

var loginIDPattern = regexp.MustCompile(`^[a-z][a-z0-9]{4,19}$`)

// LoginID checks a user ID against LoginIDRules.
func LoginID(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "아이디를 입력하세요."
	case !loginIDPattern.MatchString(s):
		return "", "아이디는 " + LoginIDRules + "로 입력하세요."
	}
	return s, ""
}

// Name checks the user's name against the name in the certificate subject.
// NPKI personal certificates put the name first in the CN, followed by a
// CA-specific suffix: "홍길동()0001234...", "홍길동(HONG GILDONG)...",
// "홍길동_0001234...". The entered name must equal the CN up to the first
// suffix character.
func Name(s, certCN string) (string, string) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case s == "":
		return "", "이름을 입력하세요."
	case n > 50:
		return "", "이름이 너무 깁니다."
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '.' && r != '-' {
			return "", "이름에는 문자만 입력하세요."
		}
	}
	if certCN != "" && !strings.EqualFold(s, CertName(certCN)) {
		return "", "이름이 인증서의 명의와 다릅니다. 인증서 명의자 본인의 이름을 입력하세요."
	}
	return s, ""
}

// CertName extracts the holder's name from an NPKI certificate CN.
func CertName(cn string) string {
	cn = strings.TrimSpace(cn)
	if i := strings.IndexAny(cn, "()_0123456789"); i > 0 {
		cn = cn[:i]
	}
	return strings.TrimSpace(cn)
}

// Mobile checks a Korean mobile number (010, 011, 016–019) and returns it as
// digits only.
func Mobile(s string) (string, string) {
	d := digits(s)
	switch {
	case d == "":
		return "", "휴대폰번호를 입력하세요."
	case !mobilePattern.MatchString(d):
		return "", "휴대폰번호를 확인하세요. 예: 010-1234-5678"
	}
	return d, ""
}

var mobilePattern = regexp.MustCompile(`^01[016789][0-9]{7,8}$`)

// Phone checks a Korean landline or representative number (02, 0XX area
// codes, 070, 15XX/16XX/18XX) and returns it as digits only.
func Phone(s string) (string, string) {
	d := digits(s)
	switch {
	case d == "":
		return "", "기관(부서) 전화번호를 입력하세요."
	case !phonePattern.MatchString(d) && !mobilePattern.MatchString(d):
		return "", "전화번호를 확인하세요. 예: 02-123-4567, 031-123-4567"
	}
	return d, ""
}

var phonePattern = regexp.MustCompile(`^(02[0-9]{7,8}|0[3-6][1-5][0-9]{7,8}|070[0-9]{8}|1[5-8][0-9]{6})$`)

// Email checks an optional e-mail address.
func Email(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if len(s) > 254 || !emailPattern.MatchString(s) {
		return "", "이메일 주소를 확인하세요. 예: name@example.com"
	}
	return s, ""
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '(' || r == ')' || r == '.':
		default:
			return "x" // any other character makes it invalid
		}
	}
	return b.String()
}

// FormatPhone formats a digits-only Korean phone number with hyphens for
// display: 01012345678 → 010-1234-5678, 0212345678 → 02-1234-5678.
func FormatPhone(d string) string {
	switch {
	case len(d) == 8 && d[0] == '1':
		return d[:4] + "-" + d[4:]
	case strings.HasPrefix(d, "02"):
		if len(d) == 9 {
			return d[:2] + "-" + d[2:5] + "-" + d[5:]
		} else if len(d) == 10 {
			return d[:2] + "-" + d[2:6] + "-" + d[6:]
		}
	case len(d) == 10:
		return d[:3] + "-" + d[3:6] + "-" + d[6:]
	case len(d) == 11:
		return d[:3] + "-" + d[3:7] + "-" + d[7:]
	}
	return d
}
