package web

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimiter is a token-bucket limiter per key (a client address, a login
// ID...): each key may make Burst requests at once, refilled at Rate per
// second. It is safe for concurrent use.
type RateLimiter struct {
	Rate  float64 // tokens per second
	Burst float64 // bucket size
	Now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the limiter's memory: beyond it, full buckets (keys
// quiet long enough to be forgotten harmlessly) are dropped.
const maxBuckets = 10000

// NewRateLimiter returns a limiter allowing burst requests at once and
// perMinute requests a minute on average, per key.
func NewRateLimiter(perMinute, burst int, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{Rate: float64(perMinute) / 60, Burst: float64(burst), Now: now, buckets: map[string]*bucket{}}
}

// Allow takes a token for key. When none is left it returns false and how
// long until one is.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.Burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.Burst, b.tokens+el*l.Rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.Rate * float64(time.Second))
	return false, wait
}

// prune drops the buckets that have refilled completely.
func (l *RateLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.Rate >= l.Burst {
			delete(l.buckets, k)
		}
	}
}

// rateLimit limits next per client address with l; over the limit it
// answers 429 with Retry-After and a message.
func (s *Server) rateLimit(l *RateLimiter, next http.Handler) http.Handler {
	return s.rateLimitBy(l, clientIP, next)
}

// rateLimitBy is rateLimit with the key taken from the request by key (an
// empty key is not limited).
func (s *Server) rateLimitBy(l *RateLimiter, key func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k := key(r); k != "" {
			if ok, wait := l.Allow(k); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				s.renderError(w, r, http.StatusTooManyRequests, "rate_limited", "")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
