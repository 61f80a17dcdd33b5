package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// NewSessionToken returns a new session cookie token: the creation time
// in milliseconds as 12 hex digits, a dot, and 32 random bytes. The time
// leads the store key too (SessionKey), so that new sessions go to the end
// of the sessions table's key index instead of a random page of it: on
// SQLite that random page was a third of all the pages a login's commit
// wrote (docs/performance.md).
func NewSessionToken(now time.Time) string {
	b := make([]byte, 32)
	rand.Read(b)
	return fmt.Sprintf("%012x.", now.UnixMilli()&(1<<48-1)) + base64.RawURLEncoding.EncodeToString(b)
}

// SessionKey returns the store key of a session cookie token: the SHA-256
// of the token in hex (the store never holds the token itself), led by
// the token's time prefix when it has one (NewSessionToken). Tokens of
// the earlier form, without the prefix, key by the hash alone.
func SessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	h := hex.EncodeToString(sum[:])
	if len(token) > 13 && token[12] == '.' && isLowerHex(token[:12]) {
		return token[:12] + h
	}
	return h
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
