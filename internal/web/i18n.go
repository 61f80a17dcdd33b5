package web

// languages are the UI languages; the first is the default.
var languages = []string{"ko", "en"}

func supportedLang(l string) bool { return l == "ko" || l == "en" }

// translate returns the message key in lang, falling back to Korean and
// then to the key itself (a test checks that every key has both).
func translate(lang, key string) string {
	if m, ok := messages[key]; ok {
		if lang == "en" && m.en != "" {
			return m.en
		}
		return m.ko
	}
	return key
}

type message struct{ ko, en string }

// messageKeys are the messages a page may be given as ?msg=key (only known
// keys are shown, so the query string cannot inject text).
var messageKeys = map[string]bool{
	"login_required":  true,
	"session_expired": true,
	"logged_out":      true,
}

// messages is the message catalogue. Korean labels follow the agency's
// manual verbatim.
var messages = map[string]message{
	"skip_to_content":     {"본문 바로가기", "Skip to content"},
	"demo_banner":         {"데모 / DEMO — 공식 사이트가 아닙니다. 실제 개인정보나 인증서를 입력하지 마세요.", "DEMO — this is not an official government site. Do not enter real personal data or certificates."},
	"lang_switch":         {"언어 선택", "Language"},
	"site_tagline":        {"의료기관 사용자 가입 및 권한 신청", "Medical-institution user signup and permission requests"},
	"home_intro":          {"의료기관 종사자는 개인 공동인증서로 가입한 뒤, 업무에 필요한 시스템 권한을 신청합니다. 관할 보건소가 승인하면 해당 시스템 메뉴를 이용할 수 있습니다.", "Medical-institution staff sign up with a personal joint certificate (공동인증서), then request the permission their work needs. Once the public health centre with jurisdiction approves it, the system's menu becomes available."},
	"signup":              {"사용자 가입", "Sign up"},
	"signup_hint":         {"처음 이용하시는 분", "New users"},
	"cert_login":          {"공동인증서 로그인", "Certificate login"},
	"cert_login_hint":     {"가입하신 분", "Registered users"},
	"no_plugin":           {"별도 프로그램 설치 없이 브라우저에서 인증서로 서명합니다.", "No plug-in needed: your browser signs with the certificate locally."},
	"steps_title":         {"이용 절차", "How it works"},
	"step1":               {"사용자 가입", "Sign up"},
	"step1_desc":          {"개인정보 수집 동의, 인증서 등록, 사용자 정보 입력", "Consent, certificate registration, user information"},
	"step2":               {"권한 신청", "Request a permission"},
	"step2_desc":          {"필요한 권한과 관할 보건소(승인기관)를 선택", "Choose the permission and the approving health centre"},
	"step3":               {"보건소 승인", "Approval"},
	"step3_desc":          {"관할 보건소 승인 (보통 1~2일)", "By the health centre with jurisdiction (usually 1–2 days)"},
	"step4":               {"메뉴 이용", "Use the system"},
	"step4_desc":          {"로그인 후 [메뉴보기]에서 시스템 이용", "After login, open it from [Menu view]"},
	"notices":             {"공지사항", "Notices"},
	"no_notices":          {"등록된 공지사항이 없습니다.", "There are no notices."},
	"help":                {"도움말 및 문의", "Help and contact"},
	"help_phone":          {"전화 문의", "Phone"},
	"help_email":          {"이메일 문의", "Email"},
	"help_hours":          {"평일 09:00~18:00 (주말·공휴일 제외)", "Weekdays 09:00–18:00 (KST)"},
	"help_approval":       {"권한 승인이 급하면 관할 보건소에 문의하세요.", "For a quick approval, contact the health centre with jurisdiction."},
	"nav_title":           {"나의 메뉴", "My menu"},
	"nav_roles":           {"권한/부가정보", "Permissions / additional info"},
	"nav_menu":            {"메뉴보기", "Menu view"},
	"logout":              {"로그아웃", "Log out"},
	"welcome":             {"님, 환영합니다.", ", welcome."},
	"welcome_hint":        {"왼쪽의 [권한/부가정보]에서 권한을 신청하고, 승인된 시스템은 [메뉴보기]에서 이용하세요.", "Request permissions under [Permissions / additional info] on the left; approved systems appear under [Menu view]."},
	"session_remaining":   {"로그아웃까지 남은 시간", "Time until logout"},
	"session_extend":      {"로그인 연장", "Extend login"},
	"footer_demo":         {"이 사이트는 gwanmun 오픈소스 데모이며 정부 기관의 공식 누리집이 아닙니다.", "This site is a gwanmun open-source demo, not an official government website."},
	"footer_privacy":      {"개인정보처리방침", "Privacy policy"},
	"msg.login_required":  {"로그인이 필요합니다. 공동인증서로 로그인하세요.", "Please log in with your certificate."},
	"msg.session_expired": {"장시간 사용하지 않아 로그아웃되었습니다. 다시 로그인하세요.", "You were logged out after a period of inactivity. Please log in again."},
	"msg.logged_out":      {"로그아웃되었습니다.", "You have logged out."},
	"error.request_id":    {"요청 번호", "Request ID"},
	"error.home":          {"처음으로", "Go to home"},
	"error.back":          {"이전 페이지", "Back"},

	"error.invalid.title":           {"입력값을 확인하세요", "Check your input"},
	"error.invalid.message":         {"요청을 처리할 수 없습니다. 입력한 내용을 확인하세요.", "The request could not be processed. Check what you entered."},
	"error.not_found.title":         {"페이지를 찾을 수 없습니다", "Page not found"},
	"error.not_found.message":       {"요청하신 페이지가 없거나 이동되었습니다.", "The page does not exist or has moved."},
	"error.conflict.title":          {"이미 처리된 요청입니다", "Already done"},
	"error.conflict.message":        {"다른 요청과 충돌합니다. 새로 고친 뒤 다시 확인하세요.", "This conflicts with another change. Reload and check again."},
	"error.forbidden.title":         {"권한이 없습니다", "Not allowed"},
	"error.forbidden.message":       {"이 기능을 사용할 권한이 없습니다.", "You do not have permission to do this."},
	"error.unauthenticated.title":   {"로그인이 필요합니다", "Login required"},
	"error.unauthenticated.message": {"로그인이 필요하거나 세션이 만료되었습니다. 다시 로그인하세요.", "Please log in; your session may have expired."},
	"error.internal.title":          {"일시적인 오류가 발생했습니다", "Something went wrong"},
	"error.internal.message":        {"잠시 후 다시 시도하세요. 문제가 계속되면 요청 번호와 함께 문의하세요.", "Please try again later. If it persists, contact us with the request ID."},
	"error.csrf.title":              {"보안 토큰 오류", "Security token error"},
	"error.csrf.message":            {"보안 토큰이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도하세요.", "The security token has expired. Reload the page and try again."},
	"error.rate_limited.title":      {"요청이 너무 많습니다", "Too many requests"},
	"error.rate_limited.message":    {"짧은 시간에 요청이 너무 많습니다. 잠시 후 다시 시도하세요.", "Too many requests in a short time. Please wait a moment and try again."},
}
