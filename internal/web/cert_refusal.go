package web

import (
	"strings"

	"github.com/gwanmun/gwanmun/internal/pki"
)

// refusalContext names where a certificate was refused, for advice that
// fits: a newcomer at signup cannot "re-register" a certificate, an
// existing user at login can.
func refusalContext(page string) string {
	switch page {
	case "signup":
		return "signup"
	case "cert", "cert_reregister":
		return "reregister"
	case "confirm", "withdraw":
		return "confirm"
	}
	return "login"
}

// certMessage returns the user-facing text of a refused certificate on
// page, in lang: the catalogue's "certmsg.<code>.<context>" when there is
// one (i18n_ux.go), else the code's own text (pki/errors.go). A validity
// refusal names its date: "{date}" in the text becomes the day, in KST.
func certMessage(ce *pki.CertError, lang, page string) string {
	msg := ce.Message(lang)
	if _, ok := messages["certmsg."+ce.Code+"."+refusalContext(page)]; ok {
		msg = translate(lang, "certmsg."+ce.Code+"."+refusalContext(page))
	} else if _, ok := messages["certmsg."+ce.Code]; ok {
		msg = translate(lang, "certmsg."+ce.Code)
	}
	if ce.At.IsZero() {
		// A validity text without its date still reads as a sentence.
		return strings.ReplaceAll(msg, " {date}", "")
	}
	return strings.ReplaceAll(msg, "{date}", ce.At.In(kst).Format("2006-01-02"))
}
