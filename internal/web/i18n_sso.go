package web

// Messages of the single sign-on pages (sso.go).
func init() {
	for k, v := range ssoMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
}

var ssoMessages = map[string]message{
	"sso.login_title":           {"시스템 로그인", "Sign in to a system"},
	"sso.login_lead":            {"공동인증서로 로그인하면 다음 시스템으로 이동합니다:", "Sign in with your certificate to continue to:"},
	"sso.login_fresh":           {"이 시스템은 인증서 서명을 다시 요청합니다.", "This system asks you to sign with your certificate again."},
	"sso.login_hint":            {"요청된 사용자", "Requested user"},
	"sso.denied_title":          {"시스템 사용 권한 없음", "No permission for this system"},
	"sso.denied_message":        {"[%s] 시스템의 승인된 권한이 없습니다. 권한/부가정보에서 권한을 신청하십시오.", "You hold no approved permission of [%s]. Request one in Permissions."},
	"sso.denied_request":        {"권한 신청", "Request a permission"},
	"sso.denied_menu":           {"메뉴보기", "Menu"},
	"error.sso_request.title":   {"로그인 요청 만료", "Sign-in request expired"},
	"error.sso_request.message": {"시스템의 로그인 요청이 없거나 만료되었습니다. 시스템에서 다시 로그인하십시오.", "The system's sign-in request is unknown or expired. Start again from the system."},
	"error.sso_denied.title":    {"시스템 사용 권한 없음", "No permission for this system"},
	"error.sso_denied.message":  {"이 시스템의 승인된 권한이 없습니다.", "You hold no approved permission of this system."},
}
