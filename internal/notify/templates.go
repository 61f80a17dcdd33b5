package notify

import (
	"embed"
	"fmt"
	"net/mail"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/gwanmun/gwanmun/internal/domain"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// kst is Korea Standard Time (no daylight saving), fixed so that no time
// zone database is needed.
var kst = time.FixedZone("KST", 9*3600)

var funcs = template.FuncMap{
	"date":       formatDate,
	"mask":       MaskName,
	"duration":   durationKo,
	"durationEn": durationEn,
}

// templates holds one template set per kind, each defining "subject" and
// "body".
var templates = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, kind := range []string{KindRequestCreated, KindRequestDecided, KindRequestReminder, KindInactiveWarning, KindCertChanged} {
		m[kind] = template.Must(template.New(kind).Funcs(funcs).Option("missingkey=error").ParseFS(templateFS, "templates/"+kind+".tmpl"))
	}
	return m
}()

// Site is the portal as messages name and link it.
type Site struct {
	Name    string // in subjects as [Name]; default "관문"
	BaseURL string // e.g. https://portal.example.go.kr
}

// URL returns the base URL without a trailing slash.
func (s Site) URL() string { return strings.TrimRight(s.BaseURL, "/") }

// Recipient is a person to notify.
type Recipient struct {
	Name  string
	Email string // recipients without a valid address are skipped
}

// Request describes a role request in plain words, as messages show it.
type Request struct {
	ApplicantName        string // shown masked to approvers (김*스)
	ApplicantInstitution string
	SystemName           string
	RoleName             string // e.g. 코로나19 예방접종대응팀 User(의료기관)
	ApproverInstitution  string // the deciding institution, e.g. 종로구보건소
	RequestedAt          time.Time
}

// msgData is what the templates see.
type msgData struct {
	Site                 Site
	To                   Recipient
	Approver             string
	Role, System         string
	ApplicantName        string
	ApplicantInstitution string
	RequestedAt          time.Time
	Decision             string
	Reason               string
	DecidedAt            time.Time
	Waiting              time.Duration
	LastLoginAt, LockAt  time.Time
	ExpiresAt            time.Time // lifecycle.go: what lapses or expires, and when
	DaysLeft             int
}

// RequestCreated builds the notices to the approvers of a new request,
// one message per distinct valid address.
func RequestCreated(site Site, approvers []Recipient, r Request) ([]domain.OutboxMessage, error) {
	return build(KindRequestCreated, site, approvers, requestData(r))
}

// RequestDecided builds the notice to the applicant of a decision:
// decision is domain.RequestApproved, RequestRejected (reason is then
// shown) or RequestExpired. A cancellation (the applicant's own act) gets
// no message: nil, nil.
func RequestDecided(site Site, applicant Recipient, r Request, decision domain.RequestStatus, reason string, decidedAt time.Time) ([]domain.OutboxMessage, error) {
	switch decision {
	case domain.RequestApproved, domain.RequestRejected, domain.RequestExpired:
	case domain.RequestCancelled:
		return nil, nil
	default:
		return nil, fmt.Errorf("notify: no decision notice for status %q", decision)
	}
	d := requestData(r)
	d.Decision, d.Reason, d.DecidedAt = string(decision), multiLine(reason), decidedAt
	if d.Reason == "" {
		d.Reason = "(없음)"
	}
	return build(KindRequestDecided, site, []Recipient{applicant}, d)
}

// RequestReminder builds the reminders to the approvers of a request that
// has waited for waiting.
func RequestReminder(site Site, approvers []Recipient, r Request, waiting time.Duration) ([]domain.OutboxMessage, error) {
	d := requestData(r)
	d.Waiting = waiting
	return build(KindRequestReminder, site, approvers, d)
}

// InactiveWarning builds the warning to a user whose account will be
// locked for inactivity at lockAt; lastLogin may be zero (never).
func InactiveWarning(site Site, user Recipient, lastLogin, lockAt time.Time) ([]domain.OutboxMessage, error) {
	return build(KindInactiveWarning, site, []Recipient{user}, msgData{LastLoginAt: lastLogin, LockAt: lockAt})
}

func requestData(r Request) msgData {
	return msgData{
		Approver:             oneLine(r.ApproverInstitution),
		Role:                 oneLine(r.RoleName),
		System:               oneLine(r.SystemName),
		ApplicantName:        oneLine(r.ApplicantName),
		ApplicantInstitution: oneLine(r.ApplicantInstitution),
		RequestedAt:          r.RequestedAt,
	}
}

// build renders one message per recipient with a valid, not yet seen
// address. CreatedAt is left zero: the store sets it.
func build(kind string, site Site, to []Recipient, d msgData) ([]domain.OutboxMessage, error) {
	t := templates[kind]
	if site.URL() == "" {
		return nil, fmt.Errorf("notify: %s: the site's base URL is not set", kind)
	}
	site.Name = oneLine(site.Name)
	if site.Name == "" {
		site.Name = "관문"
	}
	d.Site = site
	seen := map[string]bool{}
	var out []domain.OutboxMessage
	for _, r := range to {
		addr := strings.TrimSpace(r.Email)
		if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr || a.Name != "" || seen[strings.ToLower(addr)] {
			continue
		}
		seen[strings.ToLower(addr)] = true
		d.To = Recipient{Name: oneLine(r.Name), Email: addr}
		var subj, body strings.Builder
		if err := t.ExecuteTemplate(&subj, "subject", d); err != nil {
			return nil, fmt.Errorf("notify: %s subject: %w", kind, err)
		}
		if err := t.ExecuteTemplate(&body, "body", d); err != nil {
			return nil, fmt.Errorf("notify: %s body: %w", kind, err)
		}
		out = append(out, domain.OutboxMessage{Kind: kind, Recipient: addr, Subject: oneLine(subj.String()), Body: body.String()})
	}
	return out, nil
}

// oneLine turns control characters (line breaks included) into spaces and
// trims the result, for values shown on one line or in a header.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD")))
}

// multiLine keeps line breaks (as \n) but drops other control characters.
func multiLine(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s))
}

// MaskName hides a person's name but its first and last letter: 김앨리스
// becomes 김**스, 이밥 becomes 이*.
func MaskName(name string) string {
	r := []rune(oneLine(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// formatDate shows t in KST to the minute; the zero time as "-".
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(kst).Format("2006-01-02 15:04") + " (KST)"
}

// durationKo says d in days and hours, in Korean: "2일 3시간".
func durationKo(d time.Duration) string {
	days, hours := splitDuration(d)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d일 %d시간", days, hours)
	case days > 0:
		return fmt.Sprintf("%d일", days)
	}
	return fmt.Sprintf("%d시간", hours)
}

// durationEn says d in days and hours, in English.
func durationEn(d time.Duration) string {
	days, hours := splitDuration(d)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case days > 0 && hours > 0:
		return plural(days, "day") + " " + plural(hours, "hour")
	case days > 0:
		return plural(days, "day")
	}
	return plural(hours, "hour")
}

func splitDuration(d time.Duration) (days, hours int) {
	h := int(max(d, 0) / time.Hour)
	return h / 24, h % 24
}
