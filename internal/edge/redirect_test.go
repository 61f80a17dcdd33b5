package edge

import (
	"net/url"
	"strings"
	"testing"
)

func TestLocalPath(t *testing.T) {
	for _, tc := range []struct {
		target string
		ok     bool
	}{
		{"/", true},
		{"/menu", true},
		{"/account/roles?view=held&done=1", true},
		{"/notices/12#files", true},
		{"/search?q=%ED%95%9C%EA%B8%80", true},
		{"/한글/경로", true},
		{"/a/b//c", true},
		{"/a?next=//x", true}, // a query may hold slashes: only the path decides the host

		{"", false},
		{"menu", false},
		{"//evil.example/", false},
		{"///evil.example", false},
		{"/\\evil.example", false},
		{"/\\/evil.example", false},
		{"\\\\evil.example", false},
		{"/a\\b", false},
		{"/\t/evil.example", false},
		{"/\n/evil.example", false},
		{"/\r/evil.example", false},
		{"/%09/evil.example", false},
		{"/%0a/evil.example", false},
		{"/%2F/evil.example", false},
		{"/%2f%2fevil.example", false},
		{"%2F%2Fevil.example", false},
		{"/%5Cevil.example", false},
		{"/%255C/evil.example", false},
		{"/%252F/evil.example", false},
		{"/%zz", false},
		{"https://evil.example/", false},
		{"http:/evil.example", false},
		{"javascript:alert(1)", false},
		{" /menu", false},
		{"/\x00", false},
		{"/\x7f", false},
		{"/\u0085x", false},
		{"/\xff", false},
		{"/" + strings.Repeat("a", 3000), false},
	} {
		if got := LocalPath(tc.target); got != tc.ok {
			t.Errorf("LocalPath(%q) = %v, want %v", tc.target, got, tc.ok)
		}
	}
	if got := SafeRedirect("//evil.example", "/menu"); got != "/menu" {
		t.Errorf("SafeRedirect fell back to %q", got)
	}
	if got := SafeRedirect("/notices", "/menu"); got != "/notices" {
		t.Errorf("SafeRedirect(/notices) = %q", got)
	}
}

// browserClean is what a browser does to a Location before resolving it
// (WHATWG URL): strip leading and trailing C0 controls and spaces, remove
// every TAB, CR and LF, and read backslashes as slashes.
func browserClean(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= 0x20 })
	s = strings.NewReplacer("\t", "", "\r", "", "\n", "", "\\", "/").Replace(s)
	return s
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/menu?x=1", "//evil", "/\t/evil", "/%2F/x", "/\\x", "https://x", "/%252F"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://portal.example/account/")
	f.Fuzz(func(t *testing.T, s string) {
		if !LocalPath(s) {
			return
		}
		for _, form := range []string{s, browserClean(s)} {
			u, err := url.Parse(form)
			if err != nil {
				t.Fatalf("accepted %q, which does not parse: %v", s, err)
			}
			if got := base.ResolveReference(u); got.Host != "portal.example" || got.Scheme != "https" {
				t.Fatalf("accepted %q, which resolves to %s", s, got)
			}
			if strings.HasPrefix(form, "//") {
				t.Fatalf("accepted %q, which a browser reads as %q", s, form)
			}
		}
		if d, err := url.PathUnescape(s); err != nil || strings.HasPrefix(d, "//") || strings.ContainsAny(d, "\\\t\r\n") {
			t.Fatalf("accepted %q, whose decoded form is %q", s, d)
		}
	})
}
