package web

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// postCSV uploads data as the institutions import form's "file" field,
// with the client's CSRF token unless token is false.
func (c *client) postCSV(data string, update, token bool) (*http.Response, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if token {
		mw.WriteField(csrfField, c.token)
	}
	if update {
		mw.WriteField("update", "1")
	}
	w, _ := mw.CreateFormFile("file", "institutions.csv")
	w.Write([]byte(data))
	mw.Close()
	return c.send("POST", "/admin/institutions/import", &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// institutionCount returns how many institutions the store holds.
func (e *seededEnv) institutionCount() int {
	e.t.Helper()
	_, n, err := e.s.store.SearchInstitutions(e.ctx, store.InstitutionSearch{Page: store.Page{Limit: 1}})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// editForm is the edit form of in with changes applied.
func editForm(in domain.Institution, parentCode string, changes map[string]string) url.Values {
	f := url.Values{"name": {in.Name}, "parent_code": {parentCode}, "region_code": {in.RegionCode},
		"address": {in.Address}, "phone": {in.Phone}}
	for k, v := range changes {
		f.Set(k, v)
	}
	return f
}

func TestAdminInstitutionsForbiddenToOthers(t *testing.T) {
	e := newSeededEnv(t, nil)
	ap, apc := e.demoAccount("approver11110")
	c := e.signedIn(ap, apc)
	clinic := e.inst("91111001")
	for _, path := range []string{"/admin/institutions", "/admin/institutions/tree", fmt.Sprintf("/admin/institutions/%d", clinic.ID)} {
		res, body := c.getPage(path)
		wantStatus(t, "GET "+path+" as an approver", res, body, http.StatusForbidden)
	}
	res, body := c.postForm(fmt.Sprintf("/admin/institutions/%d", clinic.ID), editForm(clinic, "HC-11110", map[string]string{"name": "바뀐의원"}))
	wantStatus(t, "edit as an approver", res, body, http.StatusForbidden)
	if got := e.inst("91111001"); got.Name != clinic.Name {
		t.Errorf("an approver renamed an institution to %q", got.Name)
	}
}

func TestAdminInstitutionsListAndScope(t *testing.T) {
	e := newSeededEnv(t, nil)
	a11, a11c := e.demoAccount("admin11")
	seoul := e.signedIn(a11, a11c)
	nat, natc := e.demoAccount("admin")
	national := e.signedIn(nat, natc)

	// The province administrator finds Seoul's clinics, not Daejeon's.
	res, body := seoul.getPage("/admin/institutions?q=" + url.QueryEscape("내과"))
	wantStatus(t, "search as admin11", res, body, http.StatusOK)
	if !strings.Contains(body, "행복내과의원") || strings.Contains(body, "한밭내과의원") {
		t.Errorf("admin11's search shows the wrong institutions")
	}
	// By code, nationally.
	_, body = national.getPage("/admin/institutions?q=93011001")
	if !strings.Contains(body, "한밭내과의원") || !strings.Contains(body, "동구보건소") {
		t.Errorf("national search by code lacks 한밭내과의원 or its parent")
	}
	// A kind and a region filter: Daejeon's health centres.
	_, body = national.getPage("/admin/institutions?kind=health_centre&region=30")
	if !strings.Contains(body, "유성구보건소") || strings.Contains(body, "종로구보건소") || strings.Contains(body, "한밭내과의원") {
		t.Errorf("kind+region filter wrong")
	}
	if !strings.Contains(body, ": 5</p>") {
		t.Errorf("Daejeon should have 5 health centres")
	}
	// Sorted by code descending, paginated (20 a page), filters kept in links.
	_, body = seoul.getPage("/admin/institutions?q=9111&sort=code&desc=1")
	if i, j := strings.Index(body, "91111002"), strings.Index(body, "91111001"); i < 0 || j < 0 || i > j {
		t.Errorf("code desc order: %d %d", i, j)
	}
	_, body = seoul.getPage("/admin/institutions?kind=medical&sort=code")
	if !strings.Contains(body, "page=2") || !strings.Contains(body, "kind=medical") || !strings.Contains(body, "sort=code") {
		t.Errorf("no next page link keeping the filter")
	}
	if i, j := strings.Index(body, "91111001"), strings.Index(body, "91111002"); i < 0 || j < 0 || i > j {
		t.Errorf("code order: %d %d", i, j)
	}
	if n := strings.Count(body, `<tr><td><a href="/admin/institutions/`); n != adminPageSize {
		t.Errorf("page 1 has %d rows, want %d", n, adminPageSize)
	}
	// The Seoul admin cannot list below a Daejeon centre through ?parent.
	dj := e.inst("HC-30110")
	_, body = seoul.getPage(fmt.Sprintf("/admin/institutions?parent=%d", dj.ID))
	if strings.Contains(body, "한밭내과의원") {
		t.Errorf("admin11 lists institutions under a Daejeon centre")
	}
	_, body = national.getPage(fmt.Sprintf("/admin/institutions?parent=%d", dj.ID))
	if !strings.Contains(body, "한밭내과의원") || strings.Contains(body, "행복내과의원") {
		t.Errorf("parent filter wrong")
	}
	// JSON for fetch calls, scope-limited too.
	res, body = seoul.send("GET", "/admin/institutions?q=9301", nil, http.Header{"Accept": {"application/json"}})
	if res.StatusCode != 200 || !strings.Contains(body, `"total":0`) {
		t.Errorf("JSON list for admin11 of Daejeon codes: %d %s", res.StatusCode, body)
	}
	res, body = national.send("GET", "/admin/institutions?q=93011001", nil, http.Header{"Accept": {"application/json"}})
	if res.StatusCode != 200 || !strings.Contains(body, `"code":"93011001"`) || !strings.Contains(body, `"parent_code":"HC-30110"`) {
		t.Errorf("JSON list: %d %s", res.StatusCode, body)
	}

	// Another province's institution is not found for admin11, page or edit.
	clinic := e.inst("93011001")
	res, body = seoul.getPage(fmt.Sprintf("/admin/institutions/%d", clinic.ID))
	wantStatus(t, "admin11 opens a Daejeon clinic", res, body, http.StatusNotFound)
	res, body = seoul.postForm(fmt.Sprintf("/admin/institutions/%d", clinic.ID), editForm(clinic, "HC-30110", map[string]string{"name": "탈취의원"}))
	wantStatus(t, "admin11 edits a Daejeon clinic", res, body, http.StatusNotFound)
	if e.inst("93011001").Name != "한밭내과의원" || e.auditCount("admin.institution.update") != 0 {
		t.Errorf("a refused edit changed the institution or was audited")
	}
	res, body = seoul.getPage("/admin/institutions/999999")
	wantStatus(t, "unknown institution", res, body, http.StatusNotFound)
}

func TestAdminInstitutionEdit(t *testing.T) {
	e := newSeededEnv(t, nil)
	a11, a11c := e.demoAccount("admin11")
	seoul := e.signedIn(a11, a11c)
	clinic := e.inst("91111001")
	path := fmt.Sprintf("/admin/institutions/%d", clinic.ID)

	res, body := seoul.getPage(path)
	wantStatus(t, "GET edit page", res, body, http.StatusOK)
	for _, want := range []string{`value="HC-11110"`, "종로구보건소", `name="csrf_token"`, clinic.Address} {
		if !strings.Contains(body, want) {
			t.Errorf("edit page lacks %q", want)
		}
	}

	// A valid edit: new name, address, phone, and a move to another Seoul
	// centre; saved, audited once in the same transaction.
	res, body = seoul.postForm(path, editForm(clinic, "HC-11140", map[string]string{"name": "행복내과의원 본원",
		"address": "서울특별시 중구 데모길 9", "phone": "02-0009-0009", "region_code": "11140"}))
	wantRedirect(t, "valid edit", res, body, path+"?msg=institution_saved")
	got := e.inst("91111001")
	if got.Name != "행복내과의원 본원" || got.ParentID != e.inst("HC-11140").ID || got.Phone != "02-0009-0009" ||
		got.RegionCode != "11140" || got.Address != "서울특별시 중구 데모길 9" || got.Kind != domain.KindMedical || !got.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("after edit: %+v", got)
	}
	evs, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "admin.institution.update"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].TargetID != fmt.Sprint(clinic.ID) || evs[0].ActorID != a11.ID ||
		!strings.Contains(evs[0].Detail, `"parent"`) || !strings.Contains(evs[0].Detail, `"name"`) {
		t.Errorf("audit events = %+v", evs)
	}
	_, body = seoul.getPage(path + "?msg=institution_saved")
	if !strings.Contains(body, "기관 정보를 저장했습니다.") {
		t.Errorf("no saved notice")
	}

	refused := []struct {
		name    string
		inst    string
		parent  string
		changes map[string]string
		want    string
	}{
		{"medical under a province", "91111002", "PR-11", nil, "보건소여야"},
		{"medical under a medical", "91111002", "91114001", nil, "보건소여야"},
		{"centre under a centre", "HC-11110", "HC-11140", nil, "시도여야"},
		{"medical without parent", "91111002", "", nil, "상위기관코드(parent_code)가 필요"},
		{"unknown parent", "91111002", "NOPE-1", nil, "관리 범위에 없습니다"},
		{"parent in another province", "91111002", "HC-30110", nil, "관리 범위에 없습니다"},
		{"parent is itself", "HC-11110", "HC-11110", nil, "자기 자신이나 하위기관"},
		{"empty name", "91111002", "HC-11110", map[string]string{"name": " "}, "기관명(name)이 비어"},
		{"bad phone", "91111002", "HC-11110", map[string]string{"phone": "02-abc"}, "전화번호"},
		{"region of another province", "91111002", "HC-11110", map[string]string{"region_code": "30110"}, "시도(30)"},
	}
	for _, tc := range refused {
		in := e.inst(tc.inst)
		res, body := seoul.postForm(fmt.Sprintf("/admin/institutions/%d", in.ID), editForm(in, tc.parent, tc.changes))
		wantStatus(t, tc.name, res, body, http.StatusBadRequest)
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: page lacks %q", tc.name, tc.want)
		}
		if got := e.inst(tc.inst); got != in {
			t.Errorf("%s: institution changed to %+v", tc.name, got)
		}
	}
	if n := e.auditCount("admin.institution.update"); n != 1 {
		t.Errorf("%d update events after refused edits, want 1", n)
	}

	// "other" institutions may sit under any kind, but never below
	// themselves: a cycle through two of them is refused.
	nat, natc := e.demoAccount("admin")
	national := e.signedIn(nat, natc)
	_, body = national.postCSV("code,name,kind,parent_code\nOT-1,연구소,other,HC-11110\nOT-2,분소,other,OT-1\n", false, true)
	if !strings.Contains(body, "2개 등록") {
		t.Fatalf("import of two other institutions failed")
	}
	ot1 := e.inst("OT-1")
	res, body = seoul.postForm(fmt.Sprintf("/admin/institutions/%d", ot1.ID), editForm(ot1, "OT-2", nil))
	wantStatus(t, "cycle through OT-2", res, body, http.StatusBadRequest)
	if !strings.Contains(body, "자기 자신이나 하위기관") || e.inst("OT-1").ParentID != e.inst("HC-11110").ID {
		t.Errorf("a cycle was not refused")
	}
	res, body = seoul.postForm(fmt.Sprintf("/admin/institutions/%d", ot1.ID), editForm(ot1, "91114001", nil))
	wantRedirect(t, "other under a medical institution", res, body, fmt.Sprintf("/admin/institutions/%d?msg=institution_saved", ot1.ID))

	// A province administrator may not move their own province (its parent
	// is outside the scope), but may edit its other fields.
	pr := e.inst("PR-11")
	res, body = seoul.postForm(fmt.Sprintf("/admin/institutions/%d", pr.ID), editForm(pr, "KDCA", map[string]string{"phone": "02-0000-0011"}))
	wantRedirect(t, "province phone", res, body, fmt.Sprintf("/admin/institutions/%d?msg=institution_saved", pr.ID))
	if got := e.inst("PR-11"); got.Phone != "02-0000-0011" || got.ParentID != pr.ParentID {
		t.Errorf("province after edit: %+v", got)
	}
}

func TestAdminInstitutionEditCSRF(t *testing.T) {
	e := newSeededEnv(t, nil)
	nat, natc := e.demoAccount("admin")
	c := e.signedIn(nat, natc)
	clinic := e.inst("91111001")
	f := editForm(clinic, "HC-11110", map[string]string{"name": "위조의원"})
	res, body := c.send("POST", fmt.Sprintf("/admin/institutions/%d", clinic.ID), strings.NewReader(f.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	wantStatus(t, "edit without CSRF token", res, body, http.StatusForbidden)
	before := e.institutionCount()
	res, body = c.postCSV("code,name,kind,parent_code\n91111999,위조의원,medical,HC-11110\n", false, false)
	wantStatus(t, "import without CSRF token", res, body, http.StatusForbidden)
	if e.inst("91111001").Name != clinic.Name || e.institutionCount() != before {
		t.Errorf("a request without CSRF token changed data")
	}
}

func TestAdminInstitutionsImport(t *testing.T) {
	e := newSeededEnv(t, nil)
	nat, natc := e.demoAccount("admin")
	national := e.signedIn(nat, natc)
	a11, a11c := e.demoAccount("admin11")
	seoul := e.signedIn(a11, a11c)
	before := e.institutionCount()

	good := "\uFEFF# 새 의료기관\ncode,name,kind,parent_code,region_code,address,phone\n" +
		"91111101,새싹의원,의료기관,HC-11110,11110,\"서울특별시 종로구 데모길 21, 3층\",02-0001-1121\n" +
		"93011101,둔산새의원,medical,HC-30110,30110,,\n"
	// Province administrators cannot import; the form is not offered.
	res, body := seoul.postCSV(good, false, true)
	wantStatus(t, "import as admin11", res, body, http.StatusForbidden)
	_, body = seoul.getPage("/admin/institutions")
	if strings.Contains(body, "/admin/institutions/import") {
		t.Errorf("admin11 is offered the import form")
	}
	if e.institutionCount() != before {
		t.Fatalf("admin11's import wrote")
	}

	// Bad files: every bad line named (form errors, then errors against
	// the database), nothing imported, nothing audited.
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"form errors", "code,name,kind,parent_code,region_code\n" +
			"91111102,좋은의원,medical,HC-11110,11110\n" +
			"91111103,,medical,HC-11110,11110\n" +
			"91111104,나쁜의원,clinic,HC-11110,11110\n",
			[]string{"<td>3</td>", "기관명(name)이 비어", "<td>4</td>", "알 수 없는 구분"}},
		{"database errors", "code,name,kind,parent_code,region_code\n" +
			"91111102,좋은의원,medical,HC-11110,11110\n" +
			"91111104,나쁜의원,medical,PR-11,11110\n" +
			"91111001,중복의원,medical,HC-11110,11110\n",
			[]string{"<td>3</td>", "보건소여야", "<td>4</td>", "이미 등록되어"}},
	} {
		res, body = national.postCSV(tc.data, false, true)
		wantStatus(t, tc.name, res, body, http.StatusBadRequest)
		for _, want := range append(tc.want, "아무것도 등록하지 않았습니다") {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q", tc.name, want)
			}
		}
		if strings.Contains(body, "<td>2</td>") {
			t.Errorf("%s: the good line 2 is reported", tc.name)
		}
		if e.institutionCount() != before || e.auditCount("admin.institution.import") != 0 {
			t.Errorf("%s: a bad file imported something or was audited", tc.name)
		}
	}
	if _, err := e.s.store.GetInstitutionByCode(e.ctx, "91111102"); err == nil {
		t.Errorf("the good row of a bad file was imported")
	}

	// The good file: counts shown, rows stored, one audit event.
	res, body = national.postCSV(good, false, true)
	wantStatus(t, "good file", res, body, http.StatusOK)
	if !strings.Contains(body, "가져오기 완료: 2개 등록, 0개 갱신") {
		t.Errorf("no import count on the page")
	}
	if got := e.inst("91111101"); got.Name != "새싹의원" || got.ParentID != e.inst("HC-11110").ID || got.Address != "서울특별시 종로구 데모길 21, 3층" {
		t.Errorf("imported: %+v", got)
	}
	if e.institutionCount() != before+2 || e.auditCount("admin.institution.import") != 1 {
		t.Errorf("count %d (want %d), import events %d", e.institutionCount(), before+2, e.auditCount("admin.institution.import"))
	}
	// The same file again is refused unless updating.
	res, body = national.postCSV(good, false, true)
	wantStatus(t, "same file again", res, body, http.StatusBadRequest)
	res, body = national.postCSV(strings.Replace(good, "새싹의원", "새싹의원 2관", 1), true, true)
	wantStatus(t, "update", res, body, http.StatusOK)
	if !strings.Contains(body, "0개 등록, 2개 갱신") || e.inst("91111101").Name != "새싹의원 2관" {
		t.Errorf("update import wrong")
	}

	// No file; a file over the limit; JSON errors.
	res, body = national.postCSV("", false, true)
	wantStatus(t, "empty file", res, body, http.StatusBadRequest)
	big := "code,name,kind,parent_code\n" + strings.Repeat("# padding line to exceed the limit\n", MaxImportBytes/35+10)
	res, body = national.postCSV(big, false, true)
	wantStatus(t, "file too large", res, body, http.StatusRequestEntityTooLarge)
	if !strings.Contains(body, esc("파일이 너무 큽니다")) {
		t.Errorf("no too-large message")
	}
	if e.institutionCount() != before+2 {
		t.Errorf("refused uploads changed the institutions")
	}
}

func TestAdminInstitutionTree(t *testing.T) {
	e := newSeededEnv(t, nil)
	e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	a11, a11c := e.demoAccount("admin11")
	seoul := e.signedIn(a11, a11c)
	nat, natc := e.demoAccount("admin")
	national := e.signedIn(nat, natc)

	// The Seoul administrator sees Seoul open with its 25 centres, the
	// clinics in <details>, and nothing of Daejeon.
	res, body := seoul.getPage("/admin/institutions/tree?province=" + fmt.Sprint(e.inst("PR-30").ID))
	wantStatus(t, "tree as admin11", res, body, http.StatusOK)
	for _, want := range []string{"서울특별시", "종로구보건소", "강남구보건소", "<details>", "행복내과의원", "서울바른정형외과의원"} {
		if !strings.Contains(body, want) {
			t.Errorf("admin11's tree lacks %q", want)
		}
	}
	for _, not := range []string{"대전광역시", "유성구보건소", "한밭내과의원"} {
		if strings.Contains(body, not) {
			t.Errorf("admin11's tree shows %q", not)
		}
	}
	if n := strings.Count(body, `class="gw-tree-centre"`); n != 25 {
		t.Errorf("Seoul has %d centres in the tree, want 25", n)
	}
	// 행복내과의원 has its one user (kimdoc) counted.
	i := strings.Index(body, "행복내과의원")
	if i < 0 || !strings.Contains(body[i:i+200], "사용자 1<") {
		t.Errorf("행복내과의원's user count missing: %q", body[i:min(len(body), i+200)])
	}

	// The national administrator sees every province, only the chosen one open.
	_, body = national.getPage("/admin/institutions/tree")
	for _, want := range []string{"서울특별시", "대전광역시", "제주특별자치도"} {
		if !strings.Contains(body, want) {
			t.Errorf("national tree lacks %q", want)
		}
	}
	if strings.Contains(body, "종로구보건소") {
		t.Errorf("a province is open without being chosen")
	}
	_, body = national.getPage("/admin/institutions/tree?province=" + fmt.Sprint(e.inst("PR-30").ID))
	if !strings.Contains(body, "유성구보건소") || !strings.Contains(body, "한밭내과의원") || strings.Contains(body, "종로구보건소") {
		t.Errorf("national tree with Daejeon open is wrong")
	}
	if n := strings.Count(body, `class="gw-tree-centre"`); n != 5 {
		t.Errorf("Daejeon has %d centres in the tree, want 5", n)
	}
}

func TestAdminInstitutionsOnFrontPage(t *testing.T) {
	e := newSeededEnv(t, nil)
	a11, a11c := e.demoAccount("admin11")
	_, body := e.signedIn(a11, a11c).getPage("/admin")
	if !strings.Contains(body, `href="/admin/institutions"`) || !strings.Contains(body, `href="/admin/institutions/tree"`) {
		t.Errorf("the admin front page lacks the institutions links")
	}
}

// FuzzInstitutionEditRows checks that the edit form's fields, whatever
// they hold (quotes, commas, newlines, "#" comment starts, a BOM), become
// exactly one import row with exactly those fields, or an error: a field
// can never smuggle in another row or column.
func FuzzInstitutionEditRows(f *testing.F) {
	f.Add("91111001", "행복내과의원", "HC-11110", "11110", "서울특별시 종로구 데모길 7, 2층", "02-0001-1101")
	f.Add("91111001", "a\n#b,c", "HC-11110", "", "\"quoted\"", "")
	f.Add("91111001", "x\n91111002,y,medical,HC-11110", "HC-11110", "11110", "", "")
	f.Add("91111001", "\uFEFFname", "HC-11110", "11110", "a\r\nb", "1339")
	f.Add("X", " padded ", "", "", "", "")
	f.Fuzz(func(t *testing.T, code, name, parent, region, address, phone string) {
		in := domain.Institution{Code: code, Name: name, Kind: domain.KindMedical, RegionCode: region, Address: address, Phone: phone}
		rows, err := institutionEditRows(in, parent)
		if err != nil {
			return
		}
		if len(rows) != 1 {
			t.Fatalf("%d rows from one edit: %+v", len(rows), rows)
		}
		r := rows[0]
		trim := strings.TrimSpace
		if r.Code != trim(code) || r.Name != trim(name) || r.ParentCode != trim(parent) || r.RegionCode != trim(region) ||
			r.Address != trim(address) || r.Phone != trim(phone) || r.Kind != domain.KindMedical {
			t.Fatalf("row %+v differs from the fields %q %q %q %q %q %q", r, code, name, parent, region, address, phone)
		}
	})
}
