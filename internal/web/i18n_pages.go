package web

// Messages of the signup, login, menu and demo pages, merged into the
// catalogue at start-up. Korean labels follow the agency's manual verbatim.
func init() {
	for k, v := range pageMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
	messageKeys["signup_expired"] = true
}

var pageMessages = map[string]message{
	"next":    {"다음", "Next"},
	"prev":    {"이전", "Back"},
	"close":   {"닫기", "Close"},
	"search":  {"검색", "Search"},
	"expires": {"만료일", "expires"},

	"error.code":        {"오류 코드", "Error code"},
	"login_error.title": {"로그인할 수 없습니다", "Cannot log in"},
	"cert_reregister":   {"인증서 재등록", "Re-register certificate"},

	"msg.signup_expired": {"가입 신청 정보가 없거나 만료되었습니다. 처음부터 다시 진행하세요.", "Your signup has expired or was not found. Please start again."},

	"signup.steps":          {"가입 단계", "Signup steps"},
	"signup.step1":          {"개인정보 수집 동의", "Personal-data consent"},
	"signup.step2":          {"인증서 등록", "Certificate registration"},
	"signup.step3":          {"사용자정보 입력", "User information"},
	"signup.step4":          {"권한신청", "Permission request"},
	"signup.step5":          {"가입신청 완료", "Signup request complete"},
	"signup.consent_title":  {"개인정보 수집(이용) 및 동의 안내", "Collection and use of personal data"},
	"signup.agree":          {"위의 개인정보 수집(이용)에 동의합니다.", "I agree to the collection (use) of personal data above."},
	"signup.cert_title":     {"공동인증서등록", "Register your joint certificate"},
	"signup.cert_required":  {"공동인증서 등록은 사용자 가입 필수 절차입니다.", "Registering a certificate is a mandatory step of signup."},
	"signup.cert_click":     {"공동인증서 등록을 위하여 하단 공동인증서등록 버튼을 클릭해주시기 바랍니다.", "Click the [공동인증서등록] button below to register your certificate."},
	"signup.cert_personal":  {"인증서는 반드시 개인용 인증서를 사용하셔야 하며, 기관 인증서는 향후 전자서명에 사용되게 됩니다.", "You must use a personal certificate; institution certificates are used later for electronic signatures."},
	"signup.cert_button":    {"공동인증서등록", "Register certificate"},
	"signup.cert_done":      {"등록할 인증서", "Certificate to register"},
	"signup.info_title":     {"사용자정보 입력", "User information"},
	"signup.request_title":  {"권한신청", "Permission request"},
	"signup.request_intro":  {"질병보건통합관리시스템 내에는 많은 시스템 권한을 포함하고 있어, 사용할 시스템의 권한을 획득하여야 합니다. 권한을 선택하고 [승인기관]에서 관할 보건소를 선택한 후 [권한 신청]을 클릭하세요.", "The portal hosts many systems, each with its own permissions. Choose the permission, choose the health centre with jurisdiction under [승인기관] (approving institution), then click [권한 신청]."},
	"signup.complete_title": {"가입신청 완료", "Signup request complete"},
	"signup.complete_lead":  {"사용자 가입 및 권한 신청이 완료되었습니다. 승인기관이 승인하면 로그인 후 [메뉴보기]에서 시스템을 이용할 수 있습니다.", "Your signup and permission request are done. Once the approving institution approves, log in and open the system from [메뉴보기] (menu view)."},
	"signup.fast_approval":  {"빠른 승인을 위해서는 신청 후 관할 보건소에 문의하시기 바랍니다.", "For a fast approval, contact the health centre after requesting."},
	"signup.go_login":       {"처음으로 (공동인증서 로그인)", "Home (certificate login)"},

	"f.name":                    {"이름", "Name"},
	"f.name_help":               {"인증서 명의자 본인의 이름", "Your name, as on the certificate"},
	"f.login_id":                {"아이디", "User ID"},
	"f.check_id":                {"중복확인", "Check availability"},
	"f.institution":             {"기관명", "Institution"},
	"f.institution_search":      {"기관명 또는 기관코드로 검색", "Search by institution name or code"},
	"f.institution_placeholder": {"기관명 또는 기관코드 (2자 이상)", "Institution name or code (2+ characters)"},
	"f.institution_results":     {"검색 결과", "Search results"},
	"f.institution_none":        {"검색 결과가 없습니다. 기관명을 다시 확인하세요.", "No institution found. Check the name."},
	"f.chosen":                  {"선택한 기관", "Chosen"},
	"f.mobile":                  {"휴대폰번호", "Mobile phone"},
	"f.mobile_help":             {"예: 010-1234-5678", "e.g. 010-1234-5678"},
	"f.office_phone":            {"기관(부서) 전화번호", "Institution (department) phone"},
	"f.office_phone_help":       {"예: 02-123-4567", "e.g. 02-123-4567"},
	"f.email":                   {"이메일 (선택)", "E-mail (optional)"},
	"f.email_help":              {"승인 결과 알림을 받을 주소", "For notices of decisions"},

	"roles.role":               {"권한", "Permission"},
	"roles.request":            {"권한 신청", "Request permission"},
	"roles.approver":           {"승인기관", "Approving institution"},
	"roles.approver_phone":     {"승인기관 전화번호", "Approver's phone"},
	"roles.status":             {"상태", "Status"},
	"roles.requested_at":       {"신청일시", "Requested"},
	"roles.waiting":            {"대기 시간", "Waiting"},
	"roles.jurisdiction":       {"관할", "jurisdiction"},
	"roles.jurisdiction_of":    {"관할 기관", "With jurisdiction over"},
	"roles.check_jurisdiction": {"반드시 관할 보건소를 확인하시고 승인기관을 선택하여야 합니다.", "Check which health centre has jurisdiction before choosing the approving institution."},
	"roles.confirm_outside":    {"관할 기관이 아닌 승인기관을 선택하면 승인이 늦어질 수 있음을 확인했습니다.", "I understand that choosing an institution without jurisdiction may delay approval."},
	"roles.justification":      {"신청 사유 (선택)", "Note to the approver (optional)"},
	"roles.justification_help": {"승인자에게 보여집니다. 500자 이내.", "Shown to the approver. Up to 500 characters."},
	"roles.none_requestable":   {"신청할 수 있는 권한이 없습니다.", "There is no permission you can request."},
	"status.pending":           {"신청중", "Pending"},

	"menu.roles":   {"보유 권한", "Your permissions"},
	"menu.none":    {"아직 승인된 권한이 없습니다. 권한이 승인되면 시스템 메뉴가 이곳에 나타납니다.", "No permission has been approved yet. The system menus appear here once one is."},
	"menu.pending": {"신청중인 권한", "Pending requests"},

	"demo.title":         {"데모 인증서", "Demo certificates"},
	"demo.intro":         {"이 데모는 개발용 인증기관(CA)이 발급한 시험용 인증서만 신뢰합니다. 실제 공동인증서는 사용할 수 없으며 사용하지 마세요.", "This demo trusts only test certificates of a development CA. Real certificates cannot be used here; do not try."},
	"demo.password":      {"모든 데모 인증서의 암호", "Password of every demo certificate"},
	"demo.download":      {"데모 인증서 내려받기 (ZIP)", "Download the demo certificates (ZIP)"},
	"demo.newcomer":      {"가입해 보기", "Try signing up"},
	"demo.newcomer_help": {"압축을 푼 뒤 인증서 창에서 certs/personal 폴더(또는 .p12 파일)를 선택하세요. 나머지는 만료·폐지 등 거부되는 경우를 시험하는 인증서입니다.", "Unzip, then choose the certs/personal folder (or a .p12 file) in the certificate dialog. The others test the refusals: expired, revoked and so on."},
	"demo.folder":        {"폴더", "Folder"},
	"demo.case":          {"경우", "Case"},
	"demo.subject":       {"주체", "Subject"},
	"demo.accounts":      {"승인자 및 관리자 계정", "Approver and administrator accounts"},
	"demo.accounts_help": {"각 계정의 인증서는 accounts/<아이디> 폴더에 있습니다. 로그인하여 승인 업무를 시험해 보세요.", "Each account's certificate is in accounts/<ID>. Log in with it to try approving."},
	"demo.cert_hint":     {"데모에서는 시험용 인증서를 사용하세요:", "In the demo, use the test certificates:"},
}
