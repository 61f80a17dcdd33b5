package web

import "testing"

func TestLocalText(t *testing.T) {
	for _, tc := range []struct{ in, ko, en string }{
		{"의료기관 사용자: 예방접종 등록과 접종 현황 조회 (medical-institution user; handles personal data).",
			"의료기관 사용자: 예방접종 등록과 접종 현황 조회.", "Medical-institution user; handles personal data."},
		{"의료기관 전산시스템의 감염병 자동신고 연계 (automatic infectious-disease reporting from a medical institution's system)",
			"의료기관 전산시스템의 감염병 자동신고 연계", "Automatic infectious-disease reporting from a medical institution's system."},
		{"코로나19 예방접종대응팀 User(의료기관)", "코로나19 예방접종대응팀 User(의료기관)", "코로나19 예방접종대응팀 User(의료기관)"},
		{"한국어만 있는 설명.", "한국어만 있는 설명.", "한국어만 있는 설명."},
		{"", "", ""},
	} {
		if got := localText("ko", tc.in); got != tc.ko {
			t.Errorf("ko %q: %q, want %q", tc.in, got, tc.ko)
		}
		if got := localText("en", tc.in); got != tc.en {
			t.Errorf("en %q: %q, want %q", tc.in, got, tc.en)
		}
	}
}
