package web

import (
	"strings"
	"unicode"
)

// localText picks the language of a data text written "Korean (English)."
// (the demo's role and system descriptions): the Korean part on Korean
// pages, the English part on English ones. A text without a trailing
// parenthesis free of Hangul is returned as it is.
func localText(lang, s string) string {
	body := strings.TrimSpace(s)
	end := strings.TrimSuffix(body, ".")
	if !strings.HasSuffix(end, ")") {
		return s
	}
	open := strings.LastIndex(end, " (")
	if open < 0 {
		return s
	}
	en := end[open+2 : len(end)-1]
	if en == "" || strings.ContainsAny(en, "()") || strings.IndexFunc(en, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) >= 0 {
		return s
	}
	if lang == "en" {
		r := []rune(en)
		r[0] = unicode.ToUpper(r[0])
		return strings.TrimSuffix(string(r), ".") + "."
	}
	ko := strings.TrimSpace(end[:open])
	if strings.HasSuffix(body, ".") && !strings.HasSuffix(ko, ".") {
		ko += "."
	}
	return ko
}
