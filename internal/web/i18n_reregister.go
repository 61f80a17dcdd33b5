package web

// Messages of certificate re-registration (인증서 재등록): the anonymous
// request page and the health centre's queue under 승인 관리, merged into
// the catalogue at start-up.
func init() {
	for k, v := range reregisterMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
}

var reregisterMessages = map[string]message{
	"reregister.title": {"인증서 재등록", "Certificate re-registration"},
	"reregister.lead": {"등록한 공동인증서의 유효기간이 지나 로그인할 수 없는 경우, 새로 발급(갱신)받은 인증서를 등록해 달라고 요청할 수 있습니다. 소속 기관의 관할 보건소가 본인임을 확인한 뒤 승인하면 새 인증서로 로그인할 수 있습니다.",
		"If the certificate you registered expired and you cannot log in, you can ask for your newly issued (renewed) certificate to be registered. Once the health centre with jurisdiction over your institution has confirmed that it is you, you can log in with the new certificate."},
	"reregister.steps":      {"진행 순서", "How it works"},
	"reregister.step1":      {"아이디를 입력하고 [새 인증서로 재등록 요청]을 눌러 새 인증서로 서명합니다. 인증서 명의(이름)는 가입한 이름과 같아야 합니다.", "Enter your user ID and click the button to sign with the new certificate. The name on the certificate must be the name you signed up with."},
	"reregister.step2":      {"요청은 소속 기관의 관할 보건소로 전달됩니다. 빠른 처리를 위해 보건소에 전화로 알려 주세요.", "The request goes to the health centre with jurisdiction over your institution. Call the centre to have it handled quickly."},
	"reregister.step3":      {"보건소가 승인하면 이전 인증서는 교체되고, 새 인증서로 로그인합니다. 보유한 권한은 그대로 유지됩니다.", "Once the centre confirms, the old certificate is replaced and you log in with the new one. You keep every permission you hold."},
	"reregister.logged_in":  {"로그인한 상태에서는 [인증서 관리]에서 바로 새 인증서로 변경할 수 있습니다.", "While logged in, you can change to a new certificate directly under Certificate management."},
	"reregister.login_id":   {"아이디", "User ID"},
	"reregister.id_help":    {"가입할 때 정한 아이디", "The user ID you chose at signup"},
	"reregister.button":     {"새 인증서로 재등록 요청", "Sign with the new certificate"},
	"reregister.done_title": {"재등록 요청이 접수되었습니다", "Your request was received"},
	"reregister.done_lead":  {"관할 보건소가 확인한 뒤 승인하면 새 인증서로 로그인할 수 있습니다. 빠른 처리를 위해 아래 보건소에 전화로 알려 주세요.", "Once the health centre has confirmed it, you can log in with the new certificate. Call the centre below to have it handled quickly."},
	"reregister.centre":     {"관할 보건소", "Health centre"},
	"reregister.phone":      {"전화번호", "Phone"},
	"reregister.new_cert":   {"새 인증서", "New certificate"},
	"reregister.old_cert":   {"등록된 인증서", "Registered certificate"},

	"reregister.no_id":           {"아이디를 입력하세요.", "Enter your user ID."},
	"reregister.mismatch":        {"입력한 아이디와 인증서 명의(이름)가 일치하는 계정이 없습니다. 아이디와 인증서를 확인하세요.", "No account has this user ID with the name on the certificate. Check the user ID and the certificate."},
	"reregister.locked":          {"잠긴 계정입니다. 소속 기관의 관할 보건소 또는 관리자에게 문의하세요.", "This account is locked. Contact your health centre or the administrator."},
	"reregister.personal_only":   {"개인정보를 다루는 권한을 보유하고 있어 개인 공동인증서만 등록할 수 있습니다. 본인 명의의 개인 인증서를 선택하세요.", "You hold a permission that handles personal data: only a personal certificate can be registered. Choose your personal certificate."},
	"reregister.own_current":     {"이미 이 계정에 등록된 인증서입니다. 이 인증서로 로그인하세요.", "This certificate is already registered to this account. Log in with it."},
	"reregister.own_old":         {"이전에 이 계정에서 교체된 인증서입니다. 새로 발급받은 인증서를 선택하세요.", "This certificate was replaced on this account earlier. Choose your newly issued certificate."},
	"reregister.taken":           {"이미 다른 계정에 등록된 인증서입니다. 관할 보건소에 문의하세요.", "This certificate is registered to another account. Contact your health centre."},
	"reregister.has_valid":       {"이 계정에는 아직 사용할 수 있는 인증서가 등록되어 있습니다. 등록된 인증서로 로그인한 뒤 [인증서 관리]에서 새 인증서로 변경하세요.", "This account still has a usable certificate. Log in with it, then change to the new certificate under Certificate management."},
	"reregister.no_centre":       {"소속 기관의 관할 보건소가 없어 재등록을 요청할 수 없습니다. 고객센터에 문의하세요.", "Your institution has no health centre with jurisdiction, so re-registration cannot be requested here. Contact the help desk."},
	"reregister.pending":         {"이미 접수된 인증서 재등록 요청이 있습니다. %s(%s)에 확인을 요청하세요.", "A re-registration request is already waiting. Ask %s (%s) to confirm it."},
	"reregister.key_pending":     {"이 인증서로 다른 재등록 요청이 이미 접수되어 있습니다.", "Another re-registration request with this certificate is already waiting."},
	"reregister.not_approver":    {"인증서 재등록 확인은 보건소의 승인자만 할 수 있습니다.", "Only approvers of a health centre confirm certificate re-registrations."},
	"reregister.not_found":       {"처리할 재등록 요청을 찾을 수 없습니다.", "No such re-registration request waits for your health centre."},
	"reregister.own_request":     {"본인의 요청은 처리할 수 없습니다.", "You cannot decide your own request."},
	"reregister.reason_needed":   {"반려 사유를 입력하세요.", "Enter the reason for rejecting."},
	"reregister.reason_long":     {"사유는 %d자 이내로 입력하세요.", "Keep the reason within %d characters."},
	"reregister.new_expired":     {"새 인증서의 유효기간이 지났습니다. 반려하세요.", "The new certificate has expired meanwhile. Reject the request."},
	"reregister.user_gone":       {"탈퇴했거나 잠긴 계정입니다. 반려하세요.", "The account was withdrawn or locked. Reject the request."},
	"reregister.taken_meanwhile": {"그 사이 다른 계정에 등록된 인증서입니다. 반려하세요.", "The certificate was registered to another account meanwhile. Reject the request."},
	"reregister.already":         {"이미 처리된 요청입니다.", "The request was already decided."},

	"reregister.tab":          {"인증서 재등록", "Certificate re-registration"},
	"reregister.queue_help":   {"인증서가 만료되어 로그인할 수 없는 사용자가 새 인증서의 등록을 요청했습니다. 신청자에게 전화로 본인 여부를 확인한 뒤 승인하세요. 승인하면 새 인증서가 등록되고 이전 인증서는 교체됩니다.", "Users whose certificate expired asked for a new certificate to be registered. Call the applicant to make sure it is them before you confirm. Confirming registers the new certificate and replaces the old one."},
	"reregister.caption":      {"인증서 재등록 요청 (오래된 순)", "Certificate re-registration requests, oldest first"},
	"reregister.history":      {"최근 처리 내역", "Recently decided"},
	"reregister.none":         {"확인할 인증서 재등록 요청이 없습니다.", "No certificate re-registration is waiting."},
	"reregister.contact":      {"연락처", "Contact"},
	"reregister.approve":      {"승인 (인증서 등록)", "Confirm (register the certificate)"},
	"reregister.reject":       {"반려", "Reject"},
	"reregister.done_approve": {"승인했습니다. 새 인증서가 등록되었습니다.", "Confirmed: the new certificate is registered."},
	"reregister.done_reject":  {"반려했습니다.", "Rejected."},
	"reregister.reason":       {"사유 (반려 시 필수)", "Reason (required to reject)"},
}
