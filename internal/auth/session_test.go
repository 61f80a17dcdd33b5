package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// Session tokens carry their creation time; their store keys sort by it
// and never contain the token. Tokens of the earlier format (no time) and
// anything that only looks like the new one key by the hash alone.
func TestSessionKey(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	a, b := NewSessionToken(t0), NewSessionToken(t0.Add(time.Millisecond))
	ia, ib := SessionKey(a), SessionKey(b)
	if !(ia < ib) || len(ia) != 12+64 || !strings.HasPrefix(ia, a[:12]) {
		t.Errorf("keys %q, %q: want 76 characters, led by the token's time, in time order", ia, ib)
	}
	if strings.Contains(ia, a[13:]) {
		t.Error("the key holds the token")
	}
	if a == NewSessionToken(t0) {
		t.Error("two tokens alike")
	}
	plain := func(tok string) string {
		sum := sha256.Sum256([]byte(tok))
		return hex.EncodeToString(sum[:])
	}
	for _, tok := range []string{"abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEF", "0195F0A1B2C3.x", "0195f0a1b2c.xy", "0195f0a1b2c3.", "0195f0a1b2cg.xy"} {
		if got := SessionKey(tok); got != plain(tok) {
			t.Errorf("SessionKey(%q) = %q, want the plain hash", tok, got)
		}
	}
}
