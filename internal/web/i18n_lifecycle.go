package web

// Messages of the account's later life (issue 18): grant renewal,
// merged into the catalogue at start-up.
func init() {
	for k, v := range lifecycleMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
}

var lifecycleMessages = map[string]message{
	"renew.title":     {"권한 만료 예정", "Permissions lapsing soon"},
	"renew.lead":      {"아래 권한은 곧 사용 기간이 끝납니다. 계속 사용하려면 [연장 신청]을 누르세요. 처음 승인한 기관에서 처리하며, 만료 전에 승인되면 끊김 없이 연장됩니다.", "The permissions below lapse soon. To keep one, press [연장 신청] (renew): the institution that approved it decides, and an approval before the expiry extends it without a gap."},
	"renew.days_left": {"%d일 남음", "%d days left"},
	"renew.button":    {"연장 신청", "Renew"},
	"renew.pending":   {"연장 신청 중", "Renewal requested"},
	"renew.done":      {"연장 신청이 접수되었습니다. 승인기관에서 처리하면 만료일이 연장됩니다.", "Your renewal was requested. Once the approving institution approves it, the expiry moves on."},
	"renew.mark":      {"권한 연장 신청", "Renewal"},
	"renew.granted":   {"최초 승인", "first granted"},
	"renew.expires":   {"현재 만료", "expires"},
	"renew.renewed":   {"연장 %d회", "renewed %d times"},
}
