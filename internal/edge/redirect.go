package edge

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxRedirect bounds a redirect target.
const maxRedirect = 2048

// LocalPath reports whether target, taken from a request, is a path of
// this site that every browser resolves to this origin: it starts with one
// "/" (not "//" or "/\", which browsers read as another host), holds no
// backslash, no control character (browsers drop TAB, CR and LF, so
// "/\t/evil.example" becomes "//evil.example") and no scheme or host, and
// the same holds of its percent-decoded forms (a target passed on in a
// query string is decoded once more on the way).
func LocalPath(target string) bool {
	if len(target) == 0 || len(target) > maxRedirect {
		return false
	}
	s := target
	for i := 0; i < 4; i++ {
		if !localShape(s) {
			return false
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return false
		}
		if d == s {
			break
		}
		s = d
	}
	u, err := url.Parse(target)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" && strings.HasPrefix(u.Path, "/")
}

// localShape checks one form of a target: valid UTF-8, one leading "/",
// no backslash, no control or space-like character a browser strips.
func localShape(s string) bool {
	if !utf8.ValidString(s) || len(s) == 0 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r <= 0x9f) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return false
		}
	}
	return true
}

// SafeRedirect returns target when it is a LocalPath, else fallback.
func SafeRedirect(target, fallback string) string {
	if LocalPath(target) {
		return target
	}
	return fallback
}
