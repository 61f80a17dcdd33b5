package signup

import "testing"

func TestLoginID(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"hong123", "hong123", true},
		{"  kimdoc ", "kimdoc", true},
		{"abcd", "", false},     // too short
		{"1abcde", "", false},   // starts with a digit
		{"Hong123", "", false},  // upper case
		{"hong_123", "", false}, // underscore
		{"a2345678901234567890", "a2345678901234567890", true},
		{"a23456789012345678901", "", false}, // 21 chars
		{"", "", false},
	} {
		got, msg := LoginID(c.in)
		if (msg == "") != c.ok || got != c.want {
			t.Errorf("LoginID(%q) = %q, %q; want %q ok=%v", c.in, got, msg, c.want, c.ok)
		}
	}
}

func TestNameMatchesCertificate(t *testing.T) {
	for _, c := range []struct {
		name, cn string
		ok       bool
	}{
		{"홍길동", "홍길동()0001234567890123", true},
		{"홍길동", "홍길동(HONG GILDONG)0091041202002", true},
		{"홍길동", "홍길동_0001234", true},
		{"HKD", "HKD(KILDONG.HONG)009104120200225191000030", true},
		{"홍길순", "홍길동()0001234567890123", false},
		{"홍길", "홍길동()0001234567890123", false},
		{"", "홍길동()000", false},
		{"홍길동1", "", false},
	} {
		_, msg := Name(c.name, c.cn)
		if (msg == "") != c.ok {
			t.Errorf("Name(%q, %q) message %q, want ok=%v", c.name, c.cn, msg, c.ok)
		}
	}
}

func TestPhones(t *testing.T) {
	for _, c := range []struct {
		in, want string
		mobile   bool
		ok       bool
	}{
		{"010-1234-5678", "01012345678", true, true},
		{"01012345678", "01012345678", true, true},
		{"011-123-4567", "0111234567", true, true},
		{"02-123-4567", "", true, false},
		{"010-1234-567a", "", true, false},
		{"02-123-4567", "021234567", false, true},
		{"02-1234-5678", "0212345678", false, true},
		{"031-123-4567", "0311234567", false, true},
		{"070-1234-5678", "07012345678", false, true},
		{"1588-1234", "15881234", false, true},
		{"010-1234-5678", "01012345678", false, true}, // a mobile as office phone is accepted
		{"12345", "", false, false},
		{"", "", false, false},
	} {
		var got, msg string
		if c.mobile {
			got, msg = Mobile(c.in)
		} else {
			got, msg = Phone(c.in)
		}
		if (msg == "") != c.ok || got != c.want {
			t.Errorf("mobile=%v %q = %q, %q; want %q ok=%v", c.mobile, c.in, got, msg, c.want, c.ok)
		}
	}
}

func TestFormatPhone(t *testing.T) {
	for in, want := range map[string]string{
		"01012345678": "010-1234-5678",
		"0212345678":  "02-1234-5678",
		"021234567":   "02-123-4567",
		"0311234567":  "031-123-4567",
		"07012345678": "070-1234-5678",
		"15881234":    "1588-1234",
	} {
		if got := FormatPhone(in); got != want {
			t.Errorf("FormatPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEmail(t *testing.T) {
	if v, msg := Email(""); v != "" || msg != "" {
		t.Errorf("empty e-mail should be accepted as absent")
	}
	if _, msg := Email("a@b.kr"); msg != "" {
		t.Errorf("valid e-mail refused: %s", msg)
	}
	if _, msg := Email("not-an-email"); msg == "" {
		t.Errorf("invalid e-mail accepted")
	}
}
