package edge

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidText(t *testing.T) {
	for s, ok := range map[string]bool{"": true, "홍길동": true, "a\tb\n": true, "a\x00b": false, "\xff": false, "a\xc3": false, "\u0000": false} {
		if ValidText(s) != ok {
			t.Errorf("ValidText(%q) = %v", s, !ok)
		}
	}
	if bad, ok := ValidValues(map[string][]string{"q": {"ok", "a\x00b"}}); ok || bad != "q" {
		t.Errorf("ValidValues: %q %v", bad, ok)
	}
	if _, ok := ValidValues(map[string][]string{"q\xff": {"ok"}}); ok {
		t.Errorf("ValidValues accepted a bad key")
	}
	if _, ok := ValidValues(map[string][]string{"q": {"한글"}}); !ok {
		t.Errorf("ValidValues refused good text")
	}
}

func TestValidJSONText(t *testing.T) {
	for s, ok := range map[string]bool{
		`{"nonce":"ab"}`:         true,
		`{"nonce":"a\u0000b"}`:   false,
		`{"nonce":"a\\u0000b"}`:  true, // a backslash, then the text u0000
		`{"nonce":"a\\\u0000b"}`: false,
		`{"a\u0000":1}`:          false,
		`{"nonce":"a\u00001"}`:   false,
		`{"nonce":"\u0001"}`:     true,
		"{\"nonce\":\"a\x00b\"}": false,
		"{\"nonce\":\"a\xffb\"}": false,
		`{"nonce":"한글\"\\"}`:     true,
		`["\`:                    true, // malformed: the handler says so
	} {
		if ValidJSONText([]byte(s)) != ok {
			t.Errorf("ValidJSONText(%s) = %v, want %v", s, !ok, ok)
		}
	}
}

// FuzzValidJSONText: whatever passes decodes to strings without NUL.
func FuzzValidJSONText(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, `["\\u0000"]`, `"\\\u0000"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidJSONText([]byte(s)) {
			return
		}
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if strings.IndexByte(x, 0) >= 0 {
					t.Fatalf("%q passed, decodes to %q", s, x)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					walk(k)
					walk(e)
				}
			}
		}
		walk(v)
	})
}

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"Mozilla/5.0", 256, "Mozilla/5.0"},
		{"a\xffb", 256, "a\uFFFDb"},
		{"a\x00b", 256, "a\uFFFDb"},
		{"가나다", 4, "가"},
		{"가나다", 6, "가나"},
		{"ab가", 3, "ab"},
	} {
		if got := CleanText(tc.in, tc.max); got != tc.want || !ValidText(got) || len(got) > tc.max {
			t.Errorf("CleanText(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	f.Add("가나다\xff\x00", 5)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1000 {
			return
		}
		if got := CleanText(s, max); !ValidText(got) || len(got) > max {
			t.Fatalf("CleanText(%q, %d) = %q", s, max, got)
		}
	})
}
