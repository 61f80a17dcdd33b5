package importer

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/korean"

	"github.com/gwanmun/gwanmun/internal/domain"
)

const header = "code,name,kind,parent_code,region_code,address,phone\n"

func TestParseFile250(t *testing.T) {
	f, err := os.Open("testdata/institutions-250.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 250 {
		t.Fatalf("parsed %d rows, want 250 or more", len(rows))
	}
	count := map[domain.InstitutionKind]int{}
	for _, r := range rows {
		count[r.Kind]++
	}
	if count[domain.KindNational] != 1 || count[domain.KindProvince] != 17 || count[domain.KindHealthCentre] != 25 || count[domain.KindMedical] < 200 || count[domain.KindOther] != 2 {
		t.Errorf("kinds = %v", count)
	}
	// The header is line 4 after three comment lines; the first row line 5.
	if rows[0].Line != 5 || rows[0].Code != "KDCA" || rows[0].Kind != domain.KindNational {
		t.Errorf("first row = %+v", rows[0])
	}
	// A quoted address with a comma survives.
	last := rows[len(rows)-1]
	if !strings.HasSuffix(last.Address, ", 2층") {
		t.Errorf("last address = %q", last.Address)
	}
}

func TestParseBadFileNamesLine(t *testing.T) {
	f, err := os.Open("testdata/institutions-bad.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = Parse(f)
	var ie *Error
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if len(ie.Rows) != 1 || ie.Rows[0].Line != 9 || !strings.Contains(ie.Rows[0].Reason, "병원") {
		t.Fatalf("rows = %+v, want one error at line 9 naming 병원", ie.Rows)
	}
	if !strings.Contains(err.Error(), "9행") {
		t.Errorf("message %q does not name line 9", err)
	}
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("ErrorCode = %q, want invalid", domain.ErrorCode(err))
	}
}

func TestParseKoreanLabelsHeadersAndBOM(t *testing.T) {
	in := "\uFEFF기관코드,기관명,구분,상위기관코드,지역코드,주소,전화번호\n" +
		"KDCA,질병관리청,질병관리청,,,,1339\n" +
		"PR-30,대전광역시,시도,KDCA,30,,\n" +
		"HC-30200,유성구보건소,보건소,PR-30,30200,대전광역시 유성구 데모로 20,042-0000-0200\n" +
		"93020001,가상내과의원,의료기관,HC-30200,30200,,042-0001-2001\n" +
		"ETC-1,가상 협력기관,기타,,,,\n"
	rows, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.InstitutionKind{domain.KindNational, domain.KindProvince, domain.KindHealthCentre, domain.KindMedical, domain.KindOther}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows", len(rows))
	}
	for i, r := range rows {
		if r.Kind != want[i] {
			t.Errorf("row %d kind = %q, want %q", i, r.Kind, want[i])
		}
		if r.Line != i+2 {
			t.Errorf("row %d line = %d, want %d", i, r.Line, i+2)
		}
	}
	if rows[0].Code != "KDCA" {
		t.Errorf("BOM not stripped: first code %q", rows[0].Code)
	}
}

func TestParseRejectsCP949(t *testing.T) {
	utf := header + "KDCA,질병관리청,national,,,,\nPR-11,서울특별시,province,KDCA,11,,\n"
	cp949, err := korean.EUCKR.NewEncoder().Bytes([]byte(utf))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(bytes.NewReader(cp949))
	if err == nil || !strings.Contains(err.Error(), "CP949") || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("err = %v, want a CP949 message", err)
	}
	var ie *Error
	if !errors.As(err, &ie) || ie.Rows[0].Line != 2 {
		t.Errorf("err rows = %+v, want line 2 (the first Korean text)", ie)
	}
	// Invalid UTF-8 that is not Korean either gets a plain message.
	_, err = Parse(strings.NewReader(header + "X,\xff\xfe\xff,national,,,,\n"))
	if err == nil || strings.Contains(err.Error(), "CP949") || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("err = %v, want a plain not-UTF-8 message", err)
	}
}

func TestParseRowChecks(t *testing.T) {
	tests := []struct {
		name, row, want string
	}{
		{"missing code", ",이름,medical,HC-1,,,", "기관코드(code) 이(가) 비어"},
		{"bad code char", "A B,이름,other,,,,", "쓸 수 없는 문자"},
		{"missing name", "X1,,other,,,,", "기관명(name)이 비어"},
		{"empty kind", "X1,이름,,,,,", "구분(kind)이 비어"},
		{"unknown kind", "X1,이름,hospital,,,,", "알 수 없는 구분"},
		{"medical without parent", "X1,이름,medical,,,,", "상위기관코드(parent_code)가 필요"},
		{"national with parent", "X1,이름,national,X0,,,", "상위기관이 없어야"},
		{"self parent", "X1,이름,other,X1,,,", "자기 자신"},
		{"region letters", "X1,이름,other,,11a10,,", "숫자만"},
		{"province region length", "X1,이름,province,KDCA,110,,", "2자리"},
		{"centre region length", "X1,이름,health_centre,PR-11,11,,", "5자리"},
		{"phone letters", "X1,이름,other,,,,02-ABC-1234", "숫자와 하이픈"},
		{"phone double hyphen", "X1,이름,other,,,,02--1234-5678", "숫자와 하이픈"},
		{"phone too short", "X1,이름,other,,,,02-12", "전화번호 형식"},
		{"field count", "X1,이름,other", "열 개수"},
		{"control char", "X1,\"이름\x01\",other,,,,", "제어 문자"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(header + tt.row + "\n"))
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if ie.Rows[0].Line != 2 || !strings.Contains(ie.Rows[0].Reason, tt.want) {
				t.Errorf("rows = %+v, want line 2 containing %q", ie.Rows, tt.want)
			}
		})
	}
}

func TestParseGoodValues(t *testing.T) {
	for _, phone := range []string{"", "02-123-4567", "02-1234-5678", "043-719-7000", "0212345678", "1339", "1577-1234", "0505-123-4567"} {
		if reason := checkPhone(phone); reason != "" {
			t.Errorf("checkPhone(%q) = %q", phone, reason)
		}
	}
	for _, code := range []string{"11", "11110", "1111010100"} {
		if reason := checkRegion(domain.KindOther, code); reason != "" {
			t.Errorf("checkRegion(%q) = %q", code, reason)
		}
	}
}

func TestParseReportsAllBadRowsUpToLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < MaxReported+7; i++ {
		b.WriteString("X,이름,nope,,,,\n")
	}
	_, err := Parse(strings.NewReader(b.String()))
	var ie *Error
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	// Every row has a bad kind; from the second on also a duplicate code.
	if len(ie.Rows) != MaxReported || ie.More == 0 {
		t.Errorf("reported %d, more %d", len(ie.Rows), ie.More)
	}
	if !strings.Contains(err.Error(), "외") {
		t.Errorf("message does not mention the rest: %q", err)
	}
}

func TestParseDuplicateCodeInFile(t *testing.T) {
	_, err := Parse(strings.NewReader(header + "X1,가,other,,,,\nX2,나,other,,,,\nX1,다,other,,,,\n"))
	var ie *Error
	if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 4 || !strings.Contains(ie.Rows[0].Reason, "2행과 중복") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseHeaderProblems(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "빈 파일"},
		{"code,name\nX,Y\n", `필수 열 "kind"`},
		{"code,name,kind,colour\n", `알 수 없는 열 이름 "colour"`},
		{"code,name,kind,code\n", "두 번"},
		{header, "가져올 행이 없습니다"},
		{header + "X1,\"unterminated,other,,,,\n", "CSV 형식 오류"},
	} {
		_, err := Parse(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) err = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// FuzzParse checks that Parse never panics, and that what it accepts is
// well-formed: every row has a valid kind, a code and a name, and codes are
// unique.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/institutions-250.csv", "testdata/institutions-bad.csv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\uFEFF" + header + "X1,이름,기타,,,,1339\n"))
	f.Add([]byte(header + "X1,\"a\"\"b\",other,,,,\n"))
	f.Add([]byte("code,name,kind\r\nA,B,national\r\n"))
	f.Add([]byte{0xBA, 0xB8, 0xB0, 0xC7, 0xBC, 0xD2})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := Parse(bytes.NewReader(data))
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if len(ie.Rows) == 0 && ie.More == 0 {
				t.Fatal("empty *Error")
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if !r.Kind.Valid() || r.Code == "" || r.Name == "" || seen[r.Code] {
				t.Fatalf("bad accepted row %+v", r)
			}
			seen[r.Code] = true
		}
	})
}
