package edge

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Text from outside goes on to the database only when it is valid: UTF-8
// without NUL. PostgreSQL refuses both in text columns and parameters (an
// error, a 500 if nothing stops it first), SQLite stores them; refusing
// them at the edge makes both databases answer the same clear 400.

// ValidText reports whether s is valid UTF-8 without a NUL character.
func ValidText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// ValidValues reports whether every key and value of a query or form is
// ValidText, and if not, the first key whose key or value is not.
func ValidValues(v map[string][]string) (bad string, ok bool) {
	for k, vs := range v {
		if !ValidText(k) {
			return strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), ""), false
		}
		for _, x := range vs {
			if !ValidText(x) {
				return k, false
			}
		}
	}
	return "", true
}

// ValidJSONText reports whether a JSON document's text is valid: the
// bytes are UTF-8 without NUL and no string holds the escape \u0000.
// (The document's syntax is the handler's business.)
func ValidJSONText(b []byte) bool {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+5 < len(b) && b[i+1] == 'u' && b[i+2] == '0' && b[i+3] == '0' && b[i+4] == '0' && b[i+5] == '0' {
			return false
		}
		i++ // skip the escaped character, so "\\u0000" (a backslash, then text) passes
	}
	return true
}

// CleanText makes s storable text of at most max bytes: invalid UTF-8 and
// NUL become U+FFFD, and the text is cut at a character boundary. It is
// for text the request carries but nobody typed (a User-Agent header),
// which is kept, not refused.
func CleanText(s string, max int) string {
	if !ValidText(s) {
		s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
