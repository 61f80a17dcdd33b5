package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Session tokens are opaque: nothing in them tells the login time without
// the server's secret (issue 15 item 15), while their store keys still
// sort by it and never contain the token. Tokens of the earlier formats
// key as before.
func TestSessionTokens(t *testing.T) {
	k, err := NewSessionTokens(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	a, b := k.New(t0), k.New(t0.Add(time.Millisecond))
	ka, kb := k.Key(a), k.Key(b)
	ms := fmt.Sprintf("%012x", t0.UnixMilli())
	if !(ka < kb) || len(ka) != 12+64 || !strings.HasPrefix(ka, ms) {
		t.Errorf("keys %q, %q: want 76 characters, led by the creation time %s, in time order", ka, kb, ms)
	}
	if len(a) != tokenLen || strings.Contains(a, ".") || strings.Contains(ka, a) || a == k.New(t0) {
		t.Errorf("token %q (len %d)", a, len(a))
	}
	// The token shows no trace of the time: the same instant gives
	// unrelated trailing bytes, and neither the time nor its hex appear.
	raw, _ := base64.RawURLEncoding.DecodeString(a)
	raw2, _ := base64.RawURLEncoding.DecodeString(k.New(t0))
	if bytes.Equal(raw[tokenRandom:], raw2[tokenRandom:]) || strings.Contains(a, ms) || strings.Contains(hex.EncodeToString(raw), ms) {
		t.Error("the token reveals its creation time")
	}
	// Another secret reads another time: the key is the server's alone.
	other, _ := NewSessionTokens(bytes.Repeat([]byte{8}, 32))
	if other.Key(a) == ka {
		t.Error("a token keys the same under another secret")
	}
	plain := func(tok string) string {
		sum := sha256.Sum256([]byte(tok))
		return hex.EncodeToString(sum[:])
	}
	legacy := "0195f0a1b2c3.abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFG"
	if got := k.Key(legacy); got != "0195f0a1b2c3"+plain(legacy) {
		t.Errorf("Key(legacy time-led token) = %q", got)
	}
	for _, tok := range []string{"abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEF", "0195F0A1B2C3.x", "0195f0a1b2c.xy", "0195f0a1b2c3.", "0195f0a1b2cg.xy",
		strings.Repeat("*", tokenLen)} {
		if got := k.Key(tok); got != plain(tok) {
			t.Errorf("Key(%q) = %q, want the plain hash", tok, got)
		}
	}
	if _, err := NewSessionTokens([]byte("short")); err == nil {
		t.Error("a short secret was accepted")
	}
}

// FuzzSessionKey: any cookie value keys without panicking, to a key of
// 64 or 76 lower-case hex characters that never contains the value.
func FuzzSessionKey(f *testing.F) {
	k, err := NewSessionTokens(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(k.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	f.Add("0195f0a1b2c3.abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFG")
	f.Add("")
	f.Add(strings.Repeat("A", tokenLen))
	f.Fuzz(func(t *testing.T, token string) {
		key := k.Key(token)
		if (len(key) != 64 && len(key) != 76) || !isLowerHex(key) {
			t.Fatalf("Key(%q) = %q", token, key)
		}
		if len(token) > 12 && strings.Contains(key, token) {
			t.Fatalf("Key(%q) contains the token", token)
		}
	})
}
