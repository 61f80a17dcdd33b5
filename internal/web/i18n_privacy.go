package web

// Messages of the personal-data pages (개인정보 내려받기, 회원 탈퇴),
// merged into the catalogue at start-up.
func init() {
	for k, v := range privacyMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
}

var privacyMessages = map[string]message{
	"nav_privacy":            {"개인정보 관리", "My personal data"},
	"msg.withdrawn":          {"탈퇴가 완료되었습니다. 개인정보(이름, 전화번호, 이메일, 인증서 정보)는 즉시 삭제되었습니다.", "You have withdrawn. Your personal data (name, phone numbers, e-mail, certificate details) was deleted at once."},
	"privacy.export_title":   {"개인정보 내려받기", "Download my data"},
	"privacy.export_heading": {"포털이 보유한 내 정보", "What the portal holds about me"},
	"privacy.export_lead": {"포털이 보유한 본인에 관한 모든 정보를 JSON 파일로 내려받습니다. 내려받기는 감사 기록에 남습니다.",
		"Download everything the portal holds about you as a JSON file. The download is recorded in the audit log."},
	"privacy.export_item_account":  {"계정 정보: 아이디, 이름, 휴대전화, 기관 전화번호, 이메일, 소속 기관, 동의 내역", "Account: user ID, name, mobile, office phone, e-mail, institution, consent"},
	"privacy.export_item_certs":    {"등록한 공동인증서 정보 (명의, 발급자, 일련번호, 유효기간)", "Registered certificates (subject, issuer, serial number, validity)"},
	"privacy.export_item_roles":    {"보유 권한, 권한 신청 및 인증서 재등록 요청 내역", "Permissions held, permission requests and certificate re-registration requests"},
	"privacy.export_item_sessions": {"현재 로그인 세션 (접속 주소, 브라우저), 포털이 보낸 이메일", "Current login sessions (address, browser) and e-mails the portal sent you"},
	"privacy.export_item_audit":    {"본인이 한 일과 본인에 관한 감사 기록, 개인정보 열람 기록", "Audit events by or about you, and the log of who viewed your personal data"},
	"privacy.export_button":        {"내려받기 (JSON)", "Download (JSON)"},

	"privacy.withdraw_title": {"회원 탈퇴", "Withdraw"},
	"privacy.withdraw_short": {"탈퇴하면 개인정보가 즉시 삭제되고 모든 권한이 종료됩니다.", "Withdrawing deletes your personal data at once and ends every permission."},
	"privacy.withdraw_go":    {"회원 탈퇴 안내 보기", "Go to withdrawal"},
	"privacy.withdraw_what":  {"탈퇴하면", "When you withdraw"},
	"privacy.withdraw_item_data": {"이름, 휴대전화, 기관 전화번호, 이메일과 등록한 인증서 정보가 즉시 삭제됩니다. (개인정보 수집 동의서: 탈퇴 시 즉시 삭제)",
		"Your name, mobile and office phone numbers, e-mail and registered certificate details are deleted at once, as the consent text promises."},
	"privacy.withdraw_item_roles":   {"보유한 모든 권한이 종료되고, 처리 중인 권한 신청은 취소됩니다.", "Every permission you hold ends, and pending requests are cancelled."},
	"privacy.withdraw_item_login":   {"모든 로그인 세션이 종료되며, 이 계정으로 다시 로그인할 수 없습니다.", "Every login session ends; you cannot log in to this account again."},
	"privacy.withdraw_item_audit":   {"감사 기록에는 이름 없이 가명 식별자만 남습니다.", "The audit log keeps only a pseudonymous identifier, never your name."},
	"privacy.withdraw_item_id":      {"아이디는 일정 기간(기본 1년) 동안 다른 가입에 사용할 수 없습니다.", "Your user ID cannot be used by a new signup for a while (one year by default)."},
	"privacy.withdraw_export_first": {"탈퇴 전에 내 정보를 내려받을 수 있습니다.", "You can download your data before you withdraw."},
	"privacy.withdraw_confirm":      {"본인 확인", "Confirm it is you"},
	"privacy.withdraw_sign_help": {"탈퇴는 되돌릴 수 없습니다. 계정에 등록된 공동인증서로 서명하면 즉시 탈퇴됩니다.",
		"Withdrawal cannot be undone. Sign with the certificate registered to your account and you withdraw at once."},
	"privacy.withdraw_button": {"공동인증서로 서명하고 탈퇴", "Sign with my certificate and withdraw"},
}
