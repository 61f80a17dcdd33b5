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

	"certexp.banner": {"등록된 공동인증서가 %d일 후 만료됩니다. 만료되면 로그인할 수 없으니, 인증서를 갱신한 뒤 [인증서 변경]에서 새 인증서를 등록하세요.", "Your registered certificate expires in %d days and will no longer log in: renew it, then register the new one under 인증서 변경 (change certificate)."},
	"certexp.change": {"인증서 변경", "Change certificate"},

	"reactivate.title":      {"휴면 해제", "Reopen a dormant account"},
	"reactivate.button":     {"휴면 해제", "Reopen my account"},
	"reactivate.lead":       {"오랫동안 로그인하지 않아 잠긴(휴면) 계정은 등록된 공동인증서로 본인임을 확인하면 직접 다시 열 수 있습니다.", "An account locked because it was not used for a long time (dormant) can be reopened by its owner with the registered certificate."},
	"reactivate.step1":      {"[휴면 해제]를 눌러 계정에 등록된 공동인증서를 선택하고 서명합니다.", "Press the button, choose the certificate registered to your account and sign."},
	"reactivate.step2":      {"계정이 다시 열리고 바로 로그인됩니다.", "Your account reopens and you are logged in."},
	"reactivate.step3":      {"잠긴 동안 사용 기간이 끝난 권한은 만료된 채로 남습니다. 필요하면 권한/부가정보에서 다시 신청하세요.", "Permissions whose period ended while the account was locked stay lapsed; request them again under 권한/부가정보 if you need them."},
	"reactivate.admin_note": {"관리자가 잠근 계정은 여기서 해제할 수 없습니다. 소속 기관의 관할 보건소 또는 고객센터에 문의하세요.", "An account an administrator locked cannot be reopened here: call the health centre with jurisdiction over your institution, or the help desk."},
	"reactivate.done_title": {"휴면 해제가 완료되었습니다", "Your account is open again"},
	"reactivate.done_lead":  {"계정이 다시 열렸고 로그인되었습니다.", "Your account was reopened and you are logged in."},
	"reactivate.lapsed":     {"잠긴 동안 만료된 권한 %d개는 다시 신청해야 합니다.", "%d permissions lapsed meanwhile; request them again."},
	"reactivate.expired_hint": {"만료된 인증서로는 휴면 해제를 할 수 없습니다. 인증서를 갱신한 뒤 관할 보건소에 인증서 재등록과 잠금 해제를 요청하세요.",
		"An expired certificate cannot reopen the account. Renew it, then ask your health centre to register it and unlock the account."},
}
