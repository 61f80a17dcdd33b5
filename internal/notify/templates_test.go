package notify

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/domain"
)

func TestRequestCreatedRecipients(t *testing.T) {
	msgs, err := RequestCreated(site, []Recipient{
		{Name: "박보건", Email: "park@health.gwanmun.test"},
		{Name: "중복", Email: "PARK@health.gwanmun.test"}, // same address
		{Name: "없음", Email: ""},
		{Name: "잘못", Email: "not-an-address"},
		{Name: "이름포함", Email: "이름 <x@health.gwanmun.test>"},
		{Name: "최승인", Email: " choi@health.gwanmun.test "},
	}, sampleRequest())
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Recipient != "park@health.gwanmun.test" || msgs[1].Recipient != "choi@health.gwanmun.test" {
		t.Fatalf("recipients: %+v", msgs)
	}
	for _, m := range msgs {
		if m.Kind != KindRequestCreated || m.Subject != "[관문] 새 권한 신청이 도착했습니다" {
			t.Errorf("%s: %q", m.Kind, m.Subject)
		}
	}
	if !strings.HasPrefix(msgs[1].Body, "최승인 님, 안녕하세요.") {
		t.Errorf("body of the second: %q", msgs[1].Body)
	}
	if _, err := RequestCreated(Site{}, []Recipient{{Email: "a@b.test"}}, sampleRequest()); err == nil {
		t.Error("no error without a base URL")
	}
}

func TestRequestDecided(t *testing.T) {
	to := Recipient{Name: "김앨리스", Email: "alice@clinic.gwanmun.test"}
	decided := start.Add(26 * time.Hour)
	for _, tc := range []struct {
		status  domain.RequestStatus
		reason  string
		subject string
		want    []string
	}{
		{domain.RequestApproved, "", "[관문] 권한 신청이 승인되었습니다",
			[]string{"김앨리스 님", "[코로나19 예방접종대응팀 User(의료기관)] 권한을 종로구보건소에서 승인", "메뉴보기에서 [코로나19예방접종관리] 메뉴", "처리 일시: 2025-03-15 20:00 (KST)", "was approved by 종로구보건소"}},
		{domain.RequestRejected, "관할 보건소가\r\n아닙니다.\x00", "[관문] 권한 신청이 반려되었습니다",
			[]string{"종로구보건소에서 반려", "사유: 관할 보건소가\n아닙니다.", "Reason: 관할 보건소가"}},
		{domain.RequestRejected, "", "[관문] 권한 신청이 반려되었습니다", []string{"사유: (없음)"}},
		{domain.RequestExpired, "", "[관문] 권한 신청이 만료되었습니다", []string{"처리 기한 안에 승인되지 않아 만료", "expired without a decision"}},
	} {
		msgs, err := RequestDecided(site, to, sampleRequest(), tc.status, tc.reason, decided)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%s: %v, %d messages", tc.status, err, len(msgs))
		}
		m := msgs[0]
		if m.Kind != KindRequestDecided || m.Subject != tc.subject || m.Recipient != to.Email {
			t.Errorf("%s: %s %q to %s", tc.status, m.Kind, m.Subject, m.Recipient)
		}
		for _, w := range tc.want {
			if !strings.Contains(m.Body, w) {
				t.Errorf("%s: body lacks %q:\n%s", tc.status, w, m.Body)
			}
		}
		if strings.ContainsAny(m.Body, "\r\x00") {
			t.Errorf("%s: body has CR or NUL", tc.status)
		}
	}
	if msgs, err := RequestDecided(site, to, sampleRequest(), domain.RequestCancelled, "", decided); msgs != nil || err != nil {
		t.Errorf("cancelled: %v, %v; want no message", msgs, err)
	}
	if _, err := RequestDecided(site, to, sampleRequest(), domain.RequestPending, "", decided); err == nil {
		t.Error("pending: no error")
	}
}

func TestRequestReminder(t *testing.T) {
	msgs, err := RequestReminder(site, []Recipient{{Name: "박보건", Email: "park@health.gwanmun.test"}}, sampleRequest(), 50*time.Hour+10*time.Minute)
	if err != nil || len(msgs) != 1 {
		t.Fatal(err, len(msgs))
	}
	m := msgs[0]
	for _, w := range []string{"종로구보건소에 접수된 권한 신청이 2일 2시간 동안 처리되지 않고", "신청자: 김**스", "waiting for 2 days 2 hours"} {
		if !strings.Contains(m.Body, w) {
			t.Errorf("body lacks %q:\n%s", w, m.Body)
		}
	}
	if m.Subject != "[관문] 권한 신청 처리 지연 안내" || m.Kind != KindRequestReminder {
		t.Errorf("%s %q", m.Kind, m.Subject)
	}
}

func TestInactiveWarning(t *testing.T) {
	msgs, err := InactiveWarning(Site{Name: "질병관리청 통합인증", BaseURL: "https://portal.gwanmun.test"}, Recipient{Name: "이밥", Email: "bob@clinic.gwanmun.test"},
		start.AddDate(-1, 0, 0), start.AddDate(0, 0, 30))
	if err != nil || len(msgs) != 1 {
		t.Fatal(err, len(msgs))
	}
	m := msgs[0]
	if m.Subject != "[질병관리청 통합인증] 장기 미사용 계정 잠금 예정 안내" || m.Kind != KindInactiveWarning {
		t.Errorf("%s %q", m.Kind, m.Subject)
	}
	for _, w := range []string{"이밥 님", "마지막 로그인: 2024-03-14 18:00 (KST)", "잠금 예정 일시: 2025-04-13 18:00 (KST)", "https://portal.gwanmun.test 에 공동인증서로 로그인"} {
		if !strings.Contains(m.Body, w) {
			t.Errorf("body lacks %q:\n%s", w, m.Body)
		}
	}
	msgs, _ = InactiveWarning(site, Recipient{Email: "bob@clinic.gwanmun.test"}, time.Time{}, start)
	if !strings.Contains(msgs[0].Body, "마지막 로그인: 기록 없음") || !strings.HasPrefix(msgs[0].Body, "안녕하세요.") {
		t.Errorf("never logged in, no name:\n%s", msgs[0].Body)
	}
}

// TestOneLineFields: line breaks in names cannot add lines (or headers).
func TestOneLineFields(t *testing.T) {
	r := sampleRequest()
	r.RoleName = "역할\r\nBcc: evil@example.org"
	msgs, err := RequestCreated(Site{Name: "관문\r\nX-Evil: 1", BaseURL: "https://p.test"}, []Recipient{{Name: "박\n보건", Email: "p@h.test"}}, r)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if strings.ContainsAny(m.Subject, "\r\n") || m.Subject != "[관문  X-Evil: 1] 새 권한 신청이 도착했습니다" {
		t.Errorf("subject %q", m.Subject)
	}
	if !strings.Contains(m.Body, "[역할  Bcc: evil@example.org]") || !strings.HasPrefix(m.Body, "박 보건 님") {
		t.Errorf("body:\n%s", m.Body)
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"": "", "김": "*", "이밥": "이*", "김앨리스": "김**스", "남궁민수": "남**수", "John Smith": "J********h"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskAddressAndText(t *testing.T) {
	for in, want := range map[string]string{"kim.alice@example.org": "k***@example.org", "@x": "***", "none": "***", "김@예시.kr": "김***@예시.kr"} {
		if got := MaskAddress(in); got != want {
			t.Errorf("MaskAddress(%q) = %q, want %q", in, got, want)
		}
	}
	in := `550 5.1.1 <alice.kim@clinic.gwanmun.test>: No such user; also "bob@b.test", affected recipient(s): carol+x@c.test`
	got := MaskText(in)
	for _, secret := range []string{"alice.kim@", "bob@", "carol+x@"} {
		if strings.Contains(got, secret) {
			t.Errorf("MaskText left %q: %s", secret, got)
		}
	}
	if !strings.Contains(got, "<a***@clinic.gwanmun.test>") || !strings.Contains(got, "550 5.1.1") {
		t.Errorf("MaskText = %s", got)
	}
}

func TestDurations(t *testing.T) {
	for d, want := range map[time.Duration][2]string{
		30 * time.Minute: {"0시간", "0 hours"},
		time.Hour:        {"1시간", "1 hour"},
		24 * time.Hour:   {"1일", "1 day"},
		49 * time.Hour:   {"2일 1시간", "2 days 1 hour"},
		-time.Hour:       {"0시간", "0 hours"},
	} {
		if ko, en := durationKo(d), durationEn(d); ko != want[0] || en != want[1] {
			t.Errorf("%v: %q, %q; want %q", d, ko, en, want)
		}
	}
}

// FuzzTemplates: any names, reason and site name give messages with a
// one-line subject and a valid UTF-8 body, never an error.
func FuzzTemplates(f *testing.F) {
	f.Add("김앨리스", "서울내과의원", "코로나19 예방접종대응팀 User(의료기관)", "관할 보건소가 아닙니다.", "관문", int64(3600))
	f.Add("a\r\nb", "\x00", "{{.Site}}", "\xff\xfe", "", int64(-1))
	f.Add("", "", "", "", "\u2028", int64(1<<62))
	f.Fuzz(func(t *testing.T, name, inst, role, reason, siteName string, waiting int64) {
		st := Site{Name: siteName, BaseURL: "https://portal.gwanmun.test"}
		r := Request{ApplicantName: name, ApplicantInstitution: inst, RoleName: role, SystemName: role, ApproverInstitution: inst, RequestedAt: start}
		to := []Recipient{{Name: name, Email: "u@x.test"}}
		var all []domain.OutboxMessage
		add := func(m []domain.OutboxMessage, err error) {
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, m...)
		}
		add(RequestCreated(st, to, r))
		add(RequestDecided(st, to[0], r, domain.RequestRejected, reason, start))
		add(RequestReminder(st, to, r, time.Duration(waiting)))
		add(InactiveWarning(st, to[0], start, start))
		if len(all) != 4 {
			t.Fatalf("%d messages", len(all))
		}
		for _, m := range all {
			if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Body) || strings.Contains(m.Body, "\r") {
				t.Fatalf("bad message %q / %q", m.Subject, m.Body)
			}
		}
	})
}

// FuzzMaskText: the masked text is valid UTF-8, masking twice changes
// nothing more, and no address in it keeps more than one character of its
// local part.
func FuzzMaskText(f *testing.F) {
	f.Add(`550 5.1.1 <alice.kim@clinic.gwanmun.test>: No such user`)
	f.Add("a@b@c d@@e \xff@x.y 김@예시.kr")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskText(s)
		if !utf8.ValidString(m) {
			t.Fatalf("invalid UTF-8: %q", m)
		}
		if MaskText(m) != m {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, m, MaskText(m))
		}
		for _, a := range addrRE.FindAllString(m, -1) {
			local := a[:strings.IndexByte(a, '@')]
			if _, size := utf8.DecodeRuneInString(local); local[size:] != "***" {
				t.Fatalf("address %q left in %q (from %q)", a, m, s)
			}
		}
	})
}
