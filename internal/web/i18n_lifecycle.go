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

	"instchange.title":            {"기관 변경", "Change of institution"},
	"instchange.tab":              {"기관 변경", "Changes of institution"},
	"instchange.current":          {"현재 소속 기관", "Current institution"},
	"instchange.lead":             {"다른 기관으로 옮긴 경우 새 소속 기관을 검색하여 변경을 요청하세요. 새 기관의 관할 보건소가 확인하면 변경되며, 그때까지는 아무것도 바뀌지 않습니다.", "If you moved to another institution, search for it and ask for the change. The health centre with jurisdiction over the new institution confirms it; until then nothing changes."},
	"instchange.effects":          {"변경이 확인되면 이전 관할에서 승인된 권한은 회수되고(사유: 기관 변경), 이전 관할로 신청 중인 권한은 취소됩니다. 같은 권한은 새 관할 보건소에 한 번에 다시 신청할 수 있습니다.", "Once confirmed, permissions approved under the old jurisdiction are revoked (reason: change of institution) and requests pending there are cancelled. You can request the same permissions again at the new health centre in one step."},
	"instchange.new":              {"새 소속 기관", "New institution"},
	"instchange.request":          {"기관 변경 요청", "Ask for the change"},
	"instchange.last":             {"최근 기관 변경 요청", "Latest change of institution"},
	"instchange.from_to":          {"기관 (현재 → 새 기관)", "Institution (current → new)"},
	"instchange.centre":           {"확인 기관", "Confirmed by"},
	"instchange.roles":            {"보유 권한", "Permissions held"},
	"instchange.pending_help":     {"새 기관의 관할 보건소가 확인하면 변경됩니다. 빠른 처리를 위해 보건소에 전화로 알려 주세요.", "The health centre confirms the change; call it to have it handled quickly."},
	"instchange.withdraw":         {"요청 취소", "Withdraw the request"},
	"instchange.withdraw_confirm": {"기관 변경 요청을 취소하시겠습니까?", "Withdraw the change of institution?"},
	"instchange.status_pending":   {"확인 대기", "Waiting for confirmation"},
	"instchange.status_approved":  {"변경 완료", "Confirmed"},
	"instchange.status_rejected":  {"반려", "Rejected"},
	"instchange.status_cancelled": {"취소", "Withdrawn"},
	"instchange.rerequest_title":  {"권한 다시 신청", "Request your permissions again"},
	"instchange.rerequest_lead":   {"기관 변경으로 회수된 권한입니다. 선택한 권한을 새 관할 기관(%s)에 한 번에 다시 신청합니다.", "These permissions were revoked by the change of institution. The ones you select are requested again at the new jurisdiction (%s) in one step."},
	"instchange.rerequest_button": {"선택한 권한 다시 신청", "Request the selected permissions"},
	"instchange.done_requested":   {"기관 변경을 요청했습니다. 새 기관의 관할 보건소가 확인하면 변경됩니다.", "Your change of institution was requested; the health centre will confirm it."},
	"instchange.done_withdrawn":   {"기관 변경 요청을 취소했습니다.", "Your change of institution was withdrawn."},
	"instchange.done_rerequested": {"권한을 다시 신청했습니다.", "Your permissions were requested again."},
	"instchange.done_approve":     {"기관 변경을 확인했습니다.", "The change of institution was confirmed."},
	"instchange.done_reject":      {"기관 변경을 반려했습니다.", "The change of institution was rejected."},
	"instchange.queue_help":       {"관할 기관으로 옮겨 오는 사용자가 기관 변경을 요청했습니다. 새 기관에 재직하는지 확인한 뒤 확인(승인)하세요. 확인하면 이전 관할에서 승인된 권한은 회수됩니다.", "Users moving to an institution under your health centre asked to change their institution. Make sure they work there, then confirm; confirming revokes the permissions approved under the old jurisdiction."},
	"instchange.caption":          {"기관 변경 요청 (오래된 순)", "Changes of institution, oldest first"},
	"instchange.none":             {"확인할 기관 변경 요청이 없습니다.", "No change of institution is waiting."},
	"instchange.reject":           {"반려", "Reject"},
	"instchange.confirm":          {"확인", "Confirm"},
	"instchange.not_approver":     {"기관 변경 확인은 보건소의 승인자만 할 수 있습니다.", "Only approvers of a health centre confirm changes of institution."},

	"f.department":   {"부서", "Department"},
	"f.position":     {"직책", "Position"},
	"f.profile_help": {"선택 입력. 승인기관이 신청을 확인할 때 참고합니다.", "Optional. Shown to the approvers of your requests."},

	"policy.admin_title":  {"개인정보 처리방침 관리", "Privacy policy versions"},
	"policy.version_line": {"제%d판", "Version %d"},
	"policy.effective":    {"시행", "In force from"},
	"policy.old":          {"이전 판입니다.", "This is an earlier version."},
	"policy.see_current":  {"현재 처리방침 보기", "See the current policy"},
	"policy.none":         {"게시된 개인정보 처리방침이 없습니다.", "No privacy policy is published."},
	"policy.no_version":   {"해당 판의 개인정보 처리방침이 없습니다.", "There is no such version of the privacy policy."},
	"policy.history":      {"개정 이력", "Versions"},
	"policy.current":      {"현재 시행", "In force"},
	"policy.source":       {"출처", "Source"},
	"policy.source_file":  {"설정 파일", "Configuration file"},
	"policy.source_admin": {"관리자 작성", "Administrator"},
	"policy.source_demo":  {"데모", "Demo"},
	"policy.new":          {"새 판 게시", "Publish a new version"},
	"policy.new_help":     {"게시하면 바로 시행되며, 이전 판은 개정 이력에 남습니다.", "A new version is in force at once; earlier ones stay in the list of versions."},
	"policy.publish":      {"게시", "Publish"},
	"msg.policy_added":    {"새 개인정보 처리방침을 게시했습니다.", "The new privacy policy was published."},

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
