package web

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// limits are the server's rate limiters (docs/web.md, "Rate limits"). One
// limiter serves an action, whatever route asks for it: the page and the
// API endpoint of the same action share their buckets. Each action is
// limited per client address (through trusted proxies, see clientIP) and,
// where the request names an account, per account too, with an account
// bucket larger than an address's: one address cannot empty another
// person's account bucket, and many addresses cannot try one account
// without bound.
type limits struct {
	challenge *RateLimiter // per address: POST /auth/challenge, /api/v1/auth/challenge
	// login is per address: POST /login, /api/v1/auth/login, /signup/cert,
	// /auth/confirm and /account/cert, the signed certificate answers.
	login *RateLimiter
	// loginCert is per certificate: POST /login and /api/v1/auth/login.
	loginCert  *RateLimiter
	reregister *RateLimiter // per address: POST /account/cert/reregister
	// reregisterID is per login ID: POST /account/cert/reregister.
	reregisterID *RateLimiter
	checkID      *RateLimiter // per address: GET /signup/check-id
	// signupStart is per address: POST /signup/consent, which stores a
	// signup draft for an anonymous visitor.
	signupStart *RateLimiter
}

// newLimits returns the limiters with the server's clock.
func (s *Server) newLimits() *limits {
	return &limits{
		challenge:    NewRateLimiter(60, 20, s.now),
		login:        NewRateLimiter(30, 10, s.now),
		loginCert:    NewRateLimiter(60, 20, s.now),
		reregister:   NewRateLimiter(10, 5, s.now),
		reregisterID: NewRateLimiter(20, 10, s.now),
		checkID:      NewRateLimiter(60, 30, s.now),
		signupStart:  NewRateLimiter(60, 20, s.now),
	}
}

// allowKey takes a token of l for key (an empty key is not limited); over
// the limit it answers 429 with Retry-After and reports false.
func (s *Server) allowKey(w http.ResponseWriter, r *http.Request, l *RateLimiter, key string) bool {
	if key == "" {
		return true
	}
	if ok, wait := l.Allow(key); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.renderError(w, r, http.StatusTooManyRequests, "rate_limited", "")
		return false
	}
	return true
}

// certKey is the per-account key of a login: the hash of the
// certificate's DER, or "" (not limited per account) when it is not
// base64 (the login fails at once then, within its address's limit).
func certKey(b64 string) string {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(der) == 0 {
		return ""
	}
	h := sha256.Sum256(der)
	return "cert:" + hex.EncodeToString(h[:16])
}

// loginIDKey is the per-account key of a login ID.
func loginIDKey(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "" {
		return ""
	}
	return "id:" + id
}
