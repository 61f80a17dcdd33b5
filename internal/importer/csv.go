// Package importer loads institutions into a gwanmun store from CSV files.
//
// A file has a header row naming its columns, in any order (see
// docs/import.md): code, name, kind, parent_code, region_code, address and
// phone. Every row is checked, and a file with any bad row imports nothing:
// the error lists each bad row with its line number and reason.
package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/korean"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Limits of an import file.
const (
	MaxFileSize = 16 << 20 // bytes
	MaxRows     = 100_000
	// MaxReported is how many bad rows an Error lists; it counts the rest.
	MaxReported = 50
)

// Row is one institution row of an import file, checked for form but not
// yet against the store.
type Row struct {
	Line       int // line number in the file, 1-based (the header is line 1)
	Code       string
	Name       string
	Kind       domain.InstitutionKind
	ParentCode string
	RegionCode string
	Address    string
	Phone      string
}

// RowError is the reason one row of a file was rejected. Line 0 means the
// file as a whole.
type RowError struct {
	Line   int
	Reason string
}

func (e RowError) String() string {
	if e.Line == 0 {
		return e.Reason
	}
	return fmt.Sprintf("%d행: %s", e.Line, e.Reason)
}

// Error reports every bad row of a rejected file (up to MaxReported; More
// counts the rest). Nothing of the file was imported. It wraps a
// *domain.Error with code EINVALID, so domain.ErrorCode reports "invalid".
type Error struct {
	Rows []RowError
	More int
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "가져오기 실패: 잘못된 행 %d개, 아무것도 가져오지 않았습니다 (import failed, nothing imported)", len(e.Rows)+e.More)
	for _, r := range e.Rows {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  ... 외 %d행", e.More)
	}
	return b.String()
}

// Unwrap returns the error as a *domain.Error with code EINVALID.
func (e *Error) Unwrap() error { return &domain.Error{Code: domain.EINVALID, Message: e.Error()} }

// errorList collects row errors up to MaxReported.
type errorList struct{ Error }

func (l *errorList) add(line int, format string, args ...any) {
	if len(l.Rows) >= MaxReported {
		l.More++
		return
	}
	l.Rows = append(l.Rows, RowError{Line: line, Reason: fmt.Sprintf(format, args...)})
}

func (l *errorList) err() error {
	if len(l.Rows) == 0 && l.More == 0 {
		return nil
	}
	e := l.Error
	return &e
}

// columns maps the accepted header names (English and Korean) to fields.
var columns = map[string]string{
	"code": "code", "기관코드": "code", "코드": "code",
	"name": "name", "기관명": "name",
	"kind": "kind", "구분": "kind", "기관구분": "kind",
	"parent_code": "parent_code", "상위기관코드": "parent_code",
	"region_code": "region_code", "지역코드": "region_code", "행정구역코드": "region_code",
	"address": "address", "주소": "address",
	"phone": "phone", "전화번호": "phone",
}

var requiredColumns = []string{"code", "name", "kind"}

// kinds maps the accepted kind labels to kinds.
var kinds = map[string]domain.InstitutionKind{}

func init() {
	for _, k := range domain.InstitutionKinds {
		kinds[string(k)] = k
		kinds[k.Label()] = k
	}
	kinds["시도청"] = domain.KindProvince
}

// ParseKind returns the kind named by s: an English code (national,
// province, health_centre, medical, other) or its Korean label (질병관리청,
// 시도, 보건소, 의료기관, 기타).
func ParseKind(s string) (domain.InstitutionKind, bool) {
	k, ok := kinds[strings.ToLower(strings.TrimSpace(s))]
	return k, ok
}

// Parse reads an import file and checks each row's form: required fields,
// known kind, region code and phone formats, codes unique within the file.
// It does not look at the store; Apply does. The file must be UTF-8, with
// or without a byte-order mark; a CP949 (EUC-KR) file is rejected with a
// message saying so. Lines starting with '#' are comments.
func Parse(r io.Reader) ([]Row, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	var errs errorList
	if len(data) > MaxFileSize {
		errs.add(0, "파일이 너무 큽니다 (최대 %d MB)", MaxFileSize>>20)
		return nil, errs.err()
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		errs.add(lineOfInvalidUTF8(data), "%s", encodingProblem(data))
		return nil, errs.err()
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if err == io.EOF {
		errs.add(0, "빈 파일입니다: 첫 줄에 머리글(code,name,kind,...)이 있어야 합니다")
		return nil, errs.err()
	} else if err != nil {
		errs.add(csvLine(err), "CSV 형식 오류: %v", csvReason(err))
		return nil, errs.err()
	}
	headerLine, _ := cr.FieldPos(0)
	index := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		f, ok := columns[name]
		if !ok {
			errs.add(headerLine, "알 수 없는 열 이름 %q", h)
			continue
		}
		if _, dup := index[f]; dup {
			errs.add(headerLine, "열 %q이(가) 두 번 있습니다", f)
			continue
		}
		index[f] = i
	}
	for _, f := range requiredColumns {
		if _, ok := index[f]; !ok {
			errs.add(headerLine, "필수 열 %q이(가) 없습니다", f)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}

	var rows []Row
	seen := map[string]int{} // code → line
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			// After a quoting error the reader cannot resynchronise
			// reliably; report it and stop.
			errs.add(csvLine(err), "CSV 형식 오류: %v", csvReason(err))
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rows) >= MaxRows {
			errs.add(line, "행이 너무 많습니다 (최대 %d행)", MaxRows)
			break
		}
		if len(rec) != len(header) {
			errs.add(line, "열 개수가 %d개입니다 (머리글은 %d개)", len(rec), len(header))
			continue
		}
		field := func(f string) string {
			if i, ok := index[f]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := Row{
			Line:       line,
			Code:       field("code"),
			Name:       field("name"),
			ParentCode: field("parent_code"),
			RegionCode: field("region_code"),
			Address:    field("address"),
			Phone:      field("phone"),
		}
		bad := false
		fail := func(format string, args ...any) {
			errs.add(line, format, args...)
			bad = true
		}
		if k, ok := ParseKind(field("kind")); ok {
			row.Kind = k
		} else if field("kind") == "" {
			fail("구분(kind)이 비어 있습니다")
		} else {
			fail("알 수 없는 구분(kind) %q: national|province|health_centre|medical|other 또는 질병관리청|시도|보건소|의료기관|기타", field("kind"))
		}
		if reason := checkCode(row.Code); reason != "" {
			fail("기관코드(code) %s", reason)
		} else if first, dup := seen[row.Code]; dup {
			fail("기관코드 %q가 %d행과 중복됩니다", row.Code, first)
		} else {
			seen[row.Code] = line
		}
		if reason := checkText(row.Name, 100); row.Name == "" {
			fail("기관명(name)이 비어 있습니다")
		} else if reason != "" {
			fail("기관명(name) %s", reason)
		}
		if row.ParentCode != "" {
			if reason := checkCode(row.ParentCode); reason != "" {
				fail("상위기관코드(parent_code) %s", reason)
			} else if row.ParentCode == row.Code {
				fail("상위기관코드가 자기 자신입니다")
			}
		}
		if row.Kind == domain.KindNational && row.ParentCode != "" {
			fail("질병관리청(national)은 상위기관이 없어야 합니다")
		}
		if needsParent(row.Kind) && row.ParentCode == "" {
			fail("%s(%s)에는 상위기관코드(parent_code)가 필요합니다", row.Kind.Label(), row.Kind)
		}
		if reason := checkRegion(row.Kind, row.RegionCode); reason != "" {
			fail("지역코드(region_code) %q: %s", row.RegionCode, reason)
		}
		if reason := checkText(row.Address, 200); reason != "" {
			fail("주소(address) %s", reason)
		}
		if reason := checkPhone(row.Phone); reason != "" {
			fail("전화번호(phone) %q: %s", row.Phone, reason)
		}
		if !bad {
			rows = append(rows, row)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		errs.add(0, "가져올 행이 없습니다: 머리글 다음에 기관 행이 있어야 합니다")
		return nil, errs.err()
	}
	return rows, nil
}

// needsParent reports whether an institution of kind k must have a parent.
func needsParent(k domain.InstitutionKind) bool {
	return k == domain.KindProvince || k == domain.KindHealthCentre || k == domain.KindMedical
}

// parentKind returns the kind a parent of an institution of kind k must
// have; "" means any (kind other).
func parentKind(k domain.InstitutionKind) domain.InstitutionKind {
	switch k {
	case domain.KindProvince:
		return domain.KindNational
	case domain.KindHealthCentre:
		return domain.KindProvince
	case domain.KindMedical:
		return domain.KindHealthCentre
	}
	return ""
}

// checkCode returns why s is not a valid institution code, or "".
func checkCode(s string) string {
	if s == "" {
		return "이(가) 비어 있습니다"
	}
	if len(s) > 40 {
		return "이(가) 40자를 넘습니다"
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Sprintf("%q에 쓸 수 없는 문자 %q가 있습니다 (영문, 숫자, - _ . 만)", s, c)
		}
	}
	return ""
}

// checkText returns why s is not acceptable free text of at most max runes.
func checkText(s string, max int) string {
	if utf8.RuneCountInString(s) > max {
		return fmt.Sprintf("이(가) %d자를 넘습니다", max)
	}
	for _, c := range s {
		if unicode.IsControl(c) || c == utf8.RuneError {
			return "에 제어 문자가 있습니다"
		}
	}
	return ""
}

// checkRegion returns why code is not a valid region code for kind k, or
// "". It is optional; when present it is the 2-digit 시도 code for a
// province and a 5-digit 시군구 code (or a 10-digit 법정동 code) otherwise.
func checkRegion(k domain.InstitutionKind, code string) string {
	if code == "" {
		return ""
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return "숫자만 쓸 수 있습니다"
		}
	}
	switch {
	case k == domain.KindProvince && len(code) != 2:
		return "시도의 지역코드는 2자리입니다"
	case k == domain.KindHealthCentre && len(code) != 5:
		return "보건소의 지역코드는 5자리 시군구 코드입니다"
	case len(code) != 2 && len(code) != 5 && len(code) != 10:
		return "2자리(시도), 5자리(시군구) 또는 10자리(법정동) 숫자여야 합니다"
	}
	return ""
}

// checkPhone returns why s is not a phone number of digits and hyphens, or
// "". It is optional.
func checkPhone(s string) string {
	if s == "" {
		return ""
	}
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '-' && i > 0 && i < len(s)-1 && s[i-1] != '-':
		default:
			return "숫자와 하이픈(-)만 쓸 수 있습니다 (예: 02-1234-5678)"
		}
	}
	switch {
	case s[0] == '0' && digits >= 9 && digits <= 12: // 02-123-4567, 031-1234-5678, 0505-123-4567
	case s[0] == '1' && (digits == 4 || digits == 8): // 1339, 1577-1234
	default:
		return "전화번호 형식이 아닙니다 (예: 02-1234-5678, 043-719-7000, 1339)"
	}
	return ""
}

// encodingProblem explains why data, which is not valid UTF-8, cannot be
// read: it names CP949/EUC-KR when the bytes decode as Korean text there.
func encodingProblem(data []byte) string {
	if dec, err := korean.EUCKR.NewDecoder().Bytes(data); err == nil && !bytes.ContainsRune(dec, utf8.RuneError) && containsHangul(dec) {
		return "파일이 CP949(EUC-KR)로 저장되어 있습니다. UTF-8로 저장한 뒤 다시 가져오세요 (Excel: 다른 이름으로 저장 → CSV UTF-8) " +
			"(the file is CP949/EUC-KR encoded; save it as UTF-8 and import again)"
	}
	return "파일이 UTF-8이 아닙니다. UTF-8로 저장한 뒤 다시 가져오세요 (the file is not valid UTF-8)"
}

func containsHangul(b []byte) bool {
	return bytes.ContainsFunc(b, func(r rune) bool { return unicode.Is(unicode.Hangul, r) })
}

// lineOfInvalidUTF8 returns the 1-based line of the first invalid UTF-8
// byte in data.
func lineOfInvalidUTF8(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line
}

func csvLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return 0
}

func csvReason(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
