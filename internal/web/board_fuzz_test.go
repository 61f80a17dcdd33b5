package web

import (
	"mime"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckAttachment feeds uploaded names and contents to the attachment
// check: it never panics, an accepted file has an allow-listed type, its
// clean name has no path separator or control character, and nothing that
// sniffs as HTML is accepted as text.
func FuzzCheckAttachment(f *testing.F) {
	f.Add("매뉴얼.pdf", pdfData)
	f.Add(`C:\a\b.png`, pngData)
	f.Add("x.txt", []byte("<html>"))
	f.Add("../../etc/passwd", []byte("root"))
	f.Add("a.docx", []byte("PK\x03\x04"))
	f.Add("a.hwp", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Add("\u202egnp.exe", []byte("MZ"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		clean, ct, err := checkAttachment(name, data, 1<<20)
		if err != nil {
			return
		}
		if strings.ContainsAny(clean, "/\\\x00") || !utf8.ValidString(clean) || clean == "" {
			t.Fatalf("clean name %q", clean)
		}
		found := false
		for _, k := range allowedFiles {
			found = found || k.ContentType == ct
		}
		if !found {
			t.Fatalf("content type %q not allow-listed", ct)
		}
		if strings.HasPrefix(ct, "text/") && strings.Contains(strings.ToLower(string(data)), "<html") {
			t.Fatalf("HTML accepted as text")
		}
		// The disposition header parses back to the clean name.
		_, params, err := mime.ParseMediaType(contentDisposition(clean))
		if err != nil || params["filename"] != clean {
			t.Fatalf("disposition of %q: %v %q", clean, err, params["filename"])
		}
	})
}

// FuzzValidMenuURL: an accepted menu URL is a path inside the portal or an
// absolute http(s) URL with a host, never a scheme-relative or script URL.
func FuzzValidMenuURL(f *testing.F) {
	for _, s := range []string{"/systems/covid19-vaccination/board", "https://x.example/", "//evil.example", "javascript:alert(1)",
		"JaVaScRiPt:x", "/\\evil", "http://user:pw@x/", "data:text/html,x", " /x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !validMenuURL(raw) {
			return
		}
		if strings.HasPrefix(raw, "//") || strings.ContainsAny(raw, " \t\r\n\\") {
			t.Fatalf("accepted %q", raw)
		}
		if !strings.HasPrefix(raw, "/") {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("accepted %q", raw)
			}
		}
	})
}
