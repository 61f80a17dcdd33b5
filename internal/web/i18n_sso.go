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
	"sso.admin.title":           {"SSO (OpenID Connect)", "SSO (OpenID Connect)"},
	"sso.admin.lead":            {"이 시스템을 관문 로그인의 클라이언트로 등록합니다. 디스커버리 주소:", "Register this system as a client of the portal's sign-on. Discovery URL:"},
	"sso.admin.secret_once":     {"클라이언트 시크릿입니다. 지금 한 번만 표시되며 관문에는 해시만 저장됩니다. 시스템 설정에 복사하십시오.", "The client secret, shown this once; the portal keeps only its hash. Copy it into the system's configuration."},
	"sso.admin.client_id":       {"클라이언트 ID", "Client ID"},
	"sso.admin.type":            {"클라이언트 유형", "Client type"},
	"sso.admin.public":          {"공개 (PKCE)", "Public (PKCE)"},
	"sso.admin.confidential":    {"기밀 (시크릿)", "Confidential (secret)"},
	"sso.admin.status":          {"상태", "Status"},
	"sso.admin.enabled":         {"사용", "Enabled"},
	"sso.admin.disabled":        {"사용 중지", "Disabled"},
	"sso.admin.public_help":     {"공개 클라이언트 (시크릿 없음, PKCE 필수)", "Public client (no secret, PKCE required)"},
	"sso.admin.redirects":       {"리디렉션 URI", "Redirect URIs"},
	"sso.admin.redirects_help":  {"한 줄에 하나. 정확히 일치해야 합니다. https (루프백 주소만 http).", "One per line, matched exactly. https (http only on a loopback address)."},
	"sso.admin.post_logout":     {"로그아웃 후 리디렉션 URI", "Post-logout redirect URIs"},
	"sso.admin.backchannel":     {"백채널 로그아웃 URI", "Back-channel logout URI"},
	"sso.admin.initiate":        {"로그인 시작 URI (메뉴 링크)", "Initiate-login URI (menu link)"},
	"sso.admin.subject":         {"sub 유형", "Subject type"},
	"sso.admin.pairwise":        {"시스템별 (pairwise)", "Per system (pairwise)"},
	"sso.admin.public_sub":      {"공통 (public)", "Shared (public)"},
	"sso.admin.access_ttl":      {"액세스 토큰 수명 (분)", "Access token lifetime (minutes)"},
	"sso.admin.id_ttl":          {"ID 토큰 수명 (분)", "ID token lifetime (minutes)"},
	"sso.admin.refresh_ttl":     {"리프레시 토큰 수명 (시간)", "Refresh token lifetime (hours)"},
	"sso.admin.register":        {"클라이언트 등록", "Register client"},
	"sso.admin.new_secret":      {"새 시크릿 발급", "New secret"},
	"sso.admin.disable":         {"사용 중지", "Disable"},
	"sso.admin.enable":          {"다시 사용", "Enable"},
	"sso.admin.rotate":          {"서명 키 교체", "Rotate signing keys"},
}
