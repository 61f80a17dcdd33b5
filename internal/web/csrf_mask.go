package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// Pages are gzipped (compress.go) and some reflect what a visitor typed
// (search boxes, filters). A secret in a compressed page next to text an
// attacker chooses leaks through the response's length (BREACH), so pages
// never show the CSRF token itself: each rendering shows it XORed with a
// fresh random pad, "m1.<pad>.<token XOR pad>" (base64url), and
// csrfMatches accepts that or the plain token.
const csrfMaskPrefix = "m1."

// maskCSRF returns a one-time masked form of token.
func maskCSRF(token string) string {
	if token == "" {
		return ""
	}
	pad := make([]byte, len(token))
	rand.Read(pad)
	x := make([]byte, len(token))
	for i := range x {
		x[i] = token[i] ^ pad[i]
	}
	return csrfMaskPrefix + base64.RawURLEncoding.EncodeToString(pad) + "." + base64.RawURLEncoding.EncodeToString(x)
}

// csrfMatches reports, in constant time for a given length, whether got is
// token, plain or masked.
func csrfMatches(got, token string) bool {
	if got == "" || token == "" {
		return false
	}
	if rest, ok := strings.CutPrefix(got, csrfMaskPrefix); ok {
		p, x, ok := strings.Cut(rest, ".")
		if !ok {
			return false
		}
		pad, err1 := base64.RawURLEncoding.DecodeString(p)
		xs, err2 := base64.RawURLEncoding.DecodeString(x)
		if err1 != nil || err2 != nil || len(pad) != len(xs) {
			return false
		}
		for i := range xs {
			xs[i] ^= pad[i]
		}
		got = string(xs)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}
