package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"
)

// SessionSecretName names the server secret (store.ServerSecret) of
// session tokens.
const SessionSecretName = "session-token"

// SessionTokens makes session cookie tokens and derives their store keys.
//
// A token is 32 random bytes followed by the session's creation time in
// milliseconds (48 bits) masked with HMAC-SHA256(secret, random bytes), all
// base64url: to anyone without the server's secret it is 38 random-looking
// bytes and tells nothing of when the user logged in. The store key is the
// creation time in 12 hex digits followed by the token's SHA-256 in hex:
// new sessions append to the sessions table's key index instead of going
// to a random page of it (on SQLite that page was a third of the pages a
// login's commit wrote, docs/performance.md), and the store never holds
// the token. The secret is shared by every process through the database.
type SessionTokens struct {
	secret []byte
}

// secretStore is the part of store.Queries SessionTokens needs.
type secretStore interface {
	ServerSecret(ctx context.Context, name string, fresh []byte, t time.Time) ([]byte, error)
}

// OpenSessionTokens returns the session tokens of the portal whose store
// is st, making the shared secret if no process has yet.
func OpenSessionTokens(ctx context.Context, st secretStore, now time.Time) (*SessionTokens, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	secret, err := st.ServerSecret(ctx, SessionSecretName, fresh, now)
	if err != nil {
		return nil, err
	}
	return NewSessionTokens(secret)
}

// NewSessionTokens returns session tokens under secret (at least 16 bytes).
func NewSessionTokens(secret []byte) (*SessionTokens, error) {
	if len(secret) < 16 {
		return nil, errors.New("auth: session token secret shorter than 16 bytes")
	}
	return &SessionTokens{secret: secret}, nil
}

const (
	tokenRandom = 32
	tokenTime   = 6
	tokenLen    = 51 // base64url, unpadded, of tokenRandom+tokenTime bytes
)

// mask returns the 6 bytes that hide the time of a token with random part r.
func (k *SessionTokens) mask(r []byte) []byte {
	m := hmac.New(sha256.New, k.secret)
	m.Write(r)
	return m.Sum(nil)[:tokenTime]
}

// New returns a new cookie token for a session created at now.
func (k *SessionTokens) New(now time.Time) string {
	b := make([]byte, tokenRandom+tokenTime)
	rand.Read(b[:tokenRandom])
	ms := uint64(now.UnixMilli()) & (1<<48 - 1)
	m := k.mask(b[:tokenRandom])
	for i := range tokenTime {
		b[tokenRandom+i] = byte(ms>>(8*(tokenTime-1-i))) ^ m[i]
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Key returns the store key of a cookie token: the creation time (12 hex
// digits) and the token's SHA-256 in hex. Tokens of the earlier formats
// key as they did, so signed-in users stay signed in across an upgrade:
// a visible time prefix ("0195f0a1b2c3.…", until issue 15) leads the hash;
// a plain random token keys by the hash alone.
func (k *SessionTokens) Key(token string) string {
	sum := sha256.Sum256([]byte(token))
	h := hex.EncodeToString(sum[:])
	if len(token) == tokenLen {
		if b, err := base64.RawURLEncoding.DecodeString(token); err == nil && len(b) == tokenRandom+tokenTime {
			m := k.mask(b[:tokenRandom])
			t := make([]byte, tokenTime)
			for i := range tokenTime {
				t[i] = b[tokenRandom+i] ^ m[i]
			}
			return hex.EncodeToString(t) + h
		}
	}
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
