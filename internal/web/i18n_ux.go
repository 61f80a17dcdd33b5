package web

// Messages of issue 17's refusals and pages, merged into the catalogue at
// start-up: certificate refusals with the advice of their context
// (cert_refusal.go), the signup with an already registered certificate,
// approvals' flash messages and the inbox's select-all.
func init() {
	for k, v := range uxMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
}

var uxMessages = map[string]message{
	// Validity: with the date; what to do depends on where.
	"certmsg.cert_expired.login": {
		"인증서가 {date}에 만료되었습니다. 인증서를 발급한 은행·증권사 또는 인증기관에서 갱신(재발급)받은 뒤, 새 인증서로 [인증서 재등록]을 하고 로그인하세요.",
		"The certificate expired on {date}. Have it renewed (reissued) by the bank, securities firm or certification authority that issued it, then register the new certificate ([Re-register certificate]) and log in.",
	},
	"certmsg.cert_expired.signup": {
		"인증서가 {date}에 만료되었습니다. 인증서를 발급한 은행·증권사 또는 인증기관에서 갱신(재발급)받은 뒤, 새 인증서로 가입하세요.",
		"The certificate expired on {date}. Have it renewed (reissued) by the bank, securities firm or certification authority that issued it, then sign up with the new certificate.",
	},
	"certmsg.cert_expired.reregister": {
		"선택한 인증서가 {date}에 만료되었습니다. 새로 발급(갱신)받은 유효한 인증서를 선택하세요.",
		"The chosen certificate expired on {date}. Choose your newly issued (renewed), valid certificate.",
	},
	"certmsg.cert_expired.confirm": {
		"인증서가 {date}에 만료되었습니다. 갱신한 인증서로 [인증서 관리]에서 인증서를 변경한 뒤 다시 시도하세요.",
		"The certificate expired on {date}. Change to your renewed certificate under Certificate management, then try again.",
	},
	"certmsg.cert_not_yet_valid": {
		"인증서의 유효기간이 {date}부터입니다(유효기간 전). 그 날 이후 다시 시도하세요. 이미 지났다면 컴퓨터의 날짜와 시간을 확인하세요.",
		"The certificate is valid from {date} (not yet valid). Try again from that day; if it has passed, check your computer's date and time.",
	},
	// Revoked: a newcomer gets a new certificate and signs up with it; an
	// existing user registers the new one.
	"certmsg.cert_revoked.signup": {
		"폐지되었거나 효력이 정지된 인증서입니다. 인증서를 발급한 은행·증권사 또는 인증기관에서 새 인증서를 발급받은 뒤, 새 인증서로 가입하세요.",
		"The certificate has been revoked or suspended. Have a new one issued by the bank, securities firm or certification authority, then sign up with it.",
	},
	"certmsg.cert_revoked.login": {
		"폐지되었거나 효력이 정지된 인증서입니다. 인증서를 재발급받은 뒤 [인증서 재등록]으로 새 인증서를 등록하고 로그인하세요.",
		"The certificate has been revoked or suspended. Have it reissued, then register the new certificate ([Re-register certificate]) and log in.",
	},
	"certmsg.cert_revoked.reregister": {
		"선택한 인증서는 폐지되었거나 효력이 정지되었습니다. 새로 발급받은 유효한 인증서를 선택하세요.",
		"The chosen certificate has been revoked or suspended. Choose your newly issued, valid certificate.",
	},
	"certmsg.cert_revoked.confirm": {
		"폐지되었거나 효력이 정지된 인증서입니다. 재발급받은 인증서로 [인증서 관리]에서 인증서를 변경한 뒤 다시 시도하세요.",
		"The certificate has been revoked or suspended. Change to your reissued certificate under Certificate management, then try again.",
	},
	"certmsg.cert_not_personal.signup": {
		"법인(기관) 인증서입니다. 사용자 가입에는 본인 명의의 개인 공동인증서가 필요합니다. 개인 인증서를 선택하세요.",
		"This is an institution (corporate) certificate. Signing up needs your own personal certificate; choose it.",
	},

	// Approvals: the outcome after the redirect, and select-all.
	"approvals.decided_approve": {"권한 신청을 승인했습니다.", "permission request approved."},
	"approvals.decided_reject":  {"권한 신청을 반려했습니다.", "permission request rejected."},
	"approvals.failed":          {"처리하지 못했습니다. 목록을 확인하세요.", "Not decided. Check the list."},
	"approvals.select_all":      {"이 페이지의 신청 모두 선택", "Select all requests on this page"},

	// The consent on the English signup page.
	"signup.consent_original":    {"원문", "Korean original"},
	"signup.consent_korean_only": {"동의서는 한국어로만 제공됩니다.", "The consent text is available in Korean only. Ask your health centre for a translation before you agree."},

	// The name suffix of a table's scroll region.
	"table.label": {"표", "table"},

	// Signup with a certificate that already has an account.
	"signup.have_account": {
		"이 인증서로 가입한 계정이 이미 있습니다. 새로 가입하지 말고 [공동인증서 로그인]으로 로그인하세요. 로그인할 수 없다면 관할 보건소에 문의하세요.",
		"You already have an account with this certificate. Do not sign up again: log in with it. If you cannot log in, contact your health centre.",
	},
}
