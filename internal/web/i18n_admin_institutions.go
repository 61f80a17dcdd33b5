package web

// Messages of the admin console's institutions section (admin
// institutions, its edit page, the CSV upload and the jurisdiction tree).
// The section also uses the admin.* keys of i18n_admin_users.go.
func init() {
	for k, v := range adminInstitutionMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
}

var adminInstitutionMessages = map[string]message{
	"inst.q":                  {"기관명 또는 기관코드", "Name or code"},
	"inst.region_help":        {"지역코드 앞자리", "Region code prefix"},
	"inst.kind.national":      {"질병관리청", "National agency"},
	"inst.kind.province":      {"시도", "Province"},
	"inst.kind.health_centre": {"보건소", "Health centre"},
	"inst.kind.medical":       {"의료기관", "Medical institution"},
	"inst.kind.other":         {"기타", "Other"},
	"inst.sort.name":          {"기관명", "Name"},
	"inst.sort.code":          {"기관코드", "Code"},
	"inst.sort.kind":          {"구분", "Kind"},
	"inst.sort.region_code":   {"지역코드", "Region code"},
	"inst.sort.updated_at":    {"최근 수정", "Last changed"},
	"inst.parent_name":        {"상위기관", "Parent"},
	"inst.under":              {"하위기관 목록", "Institutions under"},
	"inst.clear":              {"필터 해제", "Clear filter"},
	"inst.edit":               {"수정", "Edit"},
	"inst.retired":            {"사용 중지", "Retired"},
	"inst.not_found":          {"기관을 찾을 수 없습니다.", "Institution not found."},
	"inst.no_parent":          {"상위기관 코드에 해당하는 기관이 관리 범위에 없습니다.", "No institution with that parent code in your scope."},
	"inst.cycle":              {"상위기관으로 자기 자신이나 하위기관을 지정할 수 없습니다.", "The parent cannot be the institution itself or one below it."},
	"inst.parent_help":        {"의료기관의 상위기관은 보건소, 보건소는 시도, 시도는 질병관리청이어야 합니다. 기타 기관은 어느 기관 아래에나 둘 수 있습니다.", "A medical institution's parent is a health centre; a health centre's, a province; a province's, the national agency. Other institutions may sit under any."},
	"inst.kind_fixed":         {"구분은 바꿀 수 없습니다.", "The kind cannot be changed."},
	"inst.save":               {"저장", "Save"},
	"inst.centre":             {"관할 보건소", "Health centre with jurisdiction"},
	"inst.no_file":            {"가져올 CSV 파일을 선택하세요.", "Choose a CSV file to import."},
	"inst.too_large":          {"파일이 너무 큽니다 (최대 5MB).", "The file is too large (at most 5 MB)."},
	"inst.import_help":        {"형식: code,name,kind,parent_code,region_code,address,phone (UTF-8). 한 줄이라도 오류가 있으면 아무것도 등록하지 않습니다.", "Format: code,name,kind,parent_code,region_code,address,phone (UTF-8). A file with any bad line imports nothing."},
	"inst.line":               {"행", "Line"},
	"inst.reason":             {"오류", "Problem"},
	"inst.more_errors":        {"그 밖의 오류 %d건", "%d more problems"},
	"inst.tree_help":          {"시도를 선택하면 소속 보건소와 관할 의료기관이 표시됩니다.", "Choose a province to see its health centres and the medical institutions under them."},
	"inst.open":               {"펼치기", "Open"},
	"inst.none_below":         {"관할 기관이 없습니다.", "No institutions under it."},
	"inst.centre_users":       {"소속 사용자", "Own users"},
	"msg.institution_saved":   {"기관 정보를 저장했습니다.", "The institution was saved."},
}
