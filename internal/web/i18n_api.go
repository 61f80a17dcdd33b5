package web

// Messages of the API tokens section of the admin console.
func init() {
	for k, v := range map[string]message{
		"apitok.title":         {"API 토큰", "API tokens"},
		"apitok.intro":         {"연계 시스템이 /api/v1 을 호출할 때 쓰는 토큰입니다. 토큰은 발급 직후 한 번만 표시되며, 포털에는 해시만 저장됩니다.", "Tokens that integrating systems use to call /api/v1. A token is shown once, right after it is issued; the portal keeps only its hash."},
		"apitok.national_only": {"API 토큰은 질병관리청 관리자만 관리할 수 있습니다.", "Only national administrators manage API tokens."},
		"apitok.new":           {"토큰 발급", "Issue a token"},
		"apitok.name":          {"이름(용도)", "Name (purpose)"},
		"apitok.scopes":        {"권한 범위", "Scopes"},
		"apitok.days":          {"유효기간(일)", "Valid for (days)"},
		"apitok.issue":         {"발급", "Issue"},
		"apitok.secret":        {"새 토큰 — 지금 복사하세요. 다시 표시되지 않습니다.", "New token — copy it now. It will not be shown again."},
		"apitok.list":          {"발급된 토큰", "Issued tokens"},
		"apitok.prefix":        {"토큰 앞자리", "Starts with"},
		"apitok.created":       {"발급일시", "Issued"},
		"apitok.expires":       {"만료일시", "Expires"},
		"apitok.last_used":     {"최근 사용", "Last used"},
		"apitok.state":         {"상태", "State"},
		"apitok.active":        {"사용중", "Active"},
		"apitok.revoked":       {"폐기", "Revoked"},
		"apitok.expired":       {"만료", "Expired"},
		"apitok.never":         {"사용 안 함", "Never"},
		"apitok.revoke":        {"폐기", "Revoke"},
		"apitok.revoke_confirm": {"이 토큰을 폐기하시겠습니까? 이 토큰을 쓰는 시스템은 즉시 API를 호출할 수 없게 됩니다.",
			"Revoke this token? Systems using it can no longer call the API."},
		"apitok.none":         {"발급된 토큰이 없습니다.", "No tokens have been issued."},
		"apitok.err_name":     {"이름을 100자 이내로 입력하세요.", "Enter a name of at most 100 characters."},
		"apitok.err_scope":    {"권한 범위를 하나 이상 선택하세요.", "Choose at least one scope."},
		"apitok.err_days":     {"유효기간은 1일에서 730일 사이로 입력하세요.", "Enter a validity between 1 and 730 days."},
		"apitok.done_created": {"토큰을 발급했습니다.", "The token was issued."},
		"apitok.done_revoked": {"토큰을 폐기했습니다.", "The token was revoked."},
		"apitok.page":         {"쪽", "Page"},
	} {
		messages[k] = v
	}
}
