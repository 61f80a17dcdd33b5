package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestCSRFMasked: pages carry a fresh masking of the CSRF token each time
// (no secret repeats in compressed pages, BREACH); every masking, and the
// plain token, is accepted; a tampered one is not.
func TestCSRFMasked(t *testing.T) {
	e := newTestEnv(t, nil)
	b := e.browser()
	t1, t2 := b.csrf(), b.csrf()
	if t1 == t2 || !strings.HasPrefix(t1, csrfMaskPrefix) {
		t.Fatalf("tokens %q and %q: want two different maskings", t1, t2)
	}
	for _, tok := range []string{t1, t2} {
		if res, body := b.post("/logout", tok); res.StatusCode == http.StatusForbidden {
			t.Errorf("masked token %q refused: %s", tok, body)
		}
	}
	bad := t1[:len(t1)-2] + "AA"
	if bad == t1 {
		bad = t1[:len(t1)-2] + "BB"
	}
	if res, _ := b.post("/logout", bad); res.StatusCode != http.StatusForbidden {
		t.Errorf("tampered token: %d, want 403", res.StatusCode)
	}
	for _, tc := range []struct {
		got, token string
		ok         bool
	}{
		{"abc", "abc", true}, {maskCSRF("abc"), "abc", true}, {maskCSRF("abd"), "abc", false},
		{"", "abc", false}, {"m1.", "abc", false}, {"m1.AA.AAAA", "abc", false}, {"x", "", false},
	} {
		if got := csrfMatches(tc.got, tc.token); got != tc.ok {
			t.Errorf("csrfMatches(%q, %q) = %v", tc.got, tc.token, got)
		}
	}
}
