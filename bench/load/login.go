package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwanmun/gwanmun/bench/harness"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// loginScenario times certificate logins (docs/auth-protocol.md). Prepare
// gets one login challenge per planned login and signs it with the key of
// user i mod len(Users); Do posts the signed answer to /login.
type loginScenario struct {
	Label   string // reported name
	BaseURL string
	Users   []benchUser
	// RequireSession makes a 200 without a gwanmun_session cookie a failure
	// ("200 no_session"); the baseline sets no cookie.
	RequireSession bool
	// NewClient, when set, gives a client from a fresh source address: to
	// retry a challenge refused with 429, and every PerSource challenges
	// when PerSource > 0.
	NewClient func() *http.Client
	PerSource int

	csrf    []anonCSRF // one per client given to Prepare; login i uses csrf[i mod len]
	bodies  [][]byte
	expires time.Time // earliest challenge expiry
	// Sessions holds the session cookie of each successful login, by index.
	Sessions []*http.Cookie
}

const sessionCookieName = "gwanmun_session"

// challengeResponse is the answer of POST /auth/challenge.
type challengeResponse struct {
	Nonce     string    `json:"nonce"`
	Purpose   string    `json:"purpose"`
	Origin    string    `json:"origin"`
	Message   string    `json:"message"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// parseChallenge decodes and checks a challenge answer: a login challenge
// whose message is the canonical message of its purpose, origin and nonce.
func parseChallenge(body []byte) (challengeResponse, error) {
	var ch challengeResponse
	if err := json.Unmarshal(body, &ch); err != nil {
		return ch, fmt.Errorf("challenge: %w", err)
	}
	switch {
	case ch.Nonce == "":
		return ch, errors.New("challenge: empty nonce")
	case ch.Purpose != pki.PurposeLogin:
		return ch, fmt.Errorf("challenge: purpose %q, want login", ch.Purpose)
	case ch.Message != string(pki.ChallengeMessage(ch.Purpose, ch.Origin, ch.Nonce)):
		return ch, errors.New("challenge: message is not the canonical message of its nonce and origin")
	case ch.ExpiresAt.IsZero():
		return ch, errors.New("challenge: no expiresAt")
	}
	return ch, nil
}

// errorCode returns error.code of a refusal body
// {"error":{"code":"...","message":"..."}}, or "" when there is none.
func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Error.Code) > 64 {
		return ""
	}
	return e.Error.Code
}

func (s *loginScenario) Name() string {
	if s.Label != "" {
		return s.Label
	}
	return "login"
}

// maxChallengeRetries bounds the retries of one challenge refused with 429.
const maxChallengeRetries = 8

// Prepare implements harness.Scenario: a CSRF cookie per client, then n
// challenges fetched and signed by len(clients) workers.
func (s *loginScenario) Prepare(ctx context.Context, clients []*http.Client, n int) error {
	if len(s.Users) == 0 {
		return errors.New("no users")
	}
	s.csrf = make([]anonCSRF, len(clients))
	for k, c := range clients {
		a, err := fetchCSRF(ctx, c, s.BaseURL)
		if err != nil {
			return err
		}
		s.csrf[k] = a
	}
	s.bodies = make([][]byte, n)
	s.Sessions = make([]*http.Cookie, n)
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		mu      sync.Mutex
		firstEr error
		expires time.Time
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			orig, used := c, 0
			defer func() {
				if c != orig {
					c.CloseIdleConnections()
				}
			}()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if s.NewClient != nil && s.PerSource > 0 && used == s.PerSource {
					if c != orig {
						c.CloseIdleConnections()
					}
					c, used = s.NewClient(), 0
				}
				used++
				var body []byte
				var exp time.Time
				var err error
				body, exp, c, err = s.prepareOne(ctx, c, s.csrf[i%len(s.csrf)], i)
				mu.Lock()
				if err != nil && firstEr == nil {
					firstEr = fmt.Errorf("challenge %d: %w", i, err)
					cancel()
				}
				if expires.IsZero() || exp.Before(expires) {
					expires = exp
				}
				mu.Unlock()
				s.bodies[i] = body
			}
		}()
	}
	wg.Wait()
	if firstEr != nil {
		return firstEr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.expires = expires
	return nil
}

// Deadline implements harness.Deadliner: the timed phase ends 5 s before
// the first prepared challenge expires, so no login fails as expired.
func (s *loginScenario) Deadline() time.Time { return s.expires.Add(-5 * time.Second) }

// prepareOne gets and signs the challenge of login i. It returns the
// client to go on with: a new one when c was rate-limited.
func (s *loginScenario) prepareOne(ctx context.Context, c *http.Client, a anonCSRF, i int) ([]byte, time.Time, *http.Client, error) {
	var (
		status int
		body   []byte
	)
	for try := 0; ; try++ {
		req, err := s.post(ctx, "/auth/challenge", a, []byte(`{"purpose":"login"}`))
		if err != nil {
			return nil, time.Time{}, c, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, time.Time{}, c, err
		}
		if body, err = harness.Drain(resp.Body, 1<<16); err != nil {
			return nil, time.Time{}, c, err
		}
		status = resp.StatusCode
		if status != http.StatusTooManyRequests || s.NewClient == nil || try >= maxChallengeRetries {
			break
		}
		// Rate-limited: continue from a fresh source address. (The
		// client given is closed by the caller.)
		c = s.NewClient()
	}
	if status == http.StatusTooManyRequests {
		return nil, time.Time{}, c, fmt.Errorf("POST /auth/challenge: status 429 %s (the server's per-address limit; -spread spreads clients over loopback addresses)", errorCode(body))
	}
	if status != http.StatusOK {
		return nil, time.Time{}, c, fmt.Errorf("POST /auth/challenge: status %d %s", status, errorCode(body))
	}
	ch, err := parseChallenge(body)
	if err != nil {
		return nil, time.Time{}, c, err
	}
	u := s.Users[i%len(s.Users)]
	digest := sha256.Sum256([]byte(ch.Message))
	sig, err := rsa.SignPKCS1v15(nil, u.Key, crypto.SHA256, digest[:])
	if err != nil {
		return nil, time.Time{}, c, err
	}
	out, err := json.Marshal(pki.SignedResponse{
		Nonce:       ch.Nonce,
		Certificate: base64.StdEncoding.EncodeToString(u.Cert.Raw),
		Signature:   base64.StdEncoding.EncodeToString(sig),
	})
	return out, ch.ExpiresAt, c, err
}

// post builds a JSON POST as the browser's fetch() sends it.
func (s *loginScenario) post(ctx context.Context, path string, a anonCSRF, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", s.BaseURL)
	req.Header.Set("X-CSRF-Token", a.Token)
	req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	req.AddCookie(&http.Cookie{Name: csrfCookieName, Value: a.Cookie})
	return req, nil
}

// Do implements harness.Scenario: POST /login with the signed challenge i.
func (s *loginScenario) Do(ctx context.Context, c *http.Client, i int) harness.Outcome {
	req, err := s.post(ctx, "/login", s.csrf[i%len(s.csrf)], s.bodies[i])
	if err != nil {
		return harness.Outcome{Err: err}
	}
	resp, err := c.Do(req)
	if err != nil {
		return harness.Outcome{Err: err}
	}
	body, err := harness.Drain(resp.Body, 1<<16)
	if err != nil {
		return harness.Outcome{Status: resp.StatusCode, Err: err}
	}
	o := harness.Outcome{Status: resp.StatusCode}
	if resp.StatusCode != http.StatusOK {
		o.Code = errorCode(body)
		return o
	}
	var ok struct {
		Redirect string `json:"redirect"`
	}
	if json.Unmarshal(body, &ok) != nil || ok.Redirect == "" {
		o.Code = "no_redirect"
		return o
	}
	for _, ck := range resp.Cookies() {
		if (ck.Name == sessionCookieName || ck.Name == "__Host-"+sessionCookieName) && ck.Value != "" {
			s.Sessions[i] = ck
		}
	}
	if s.RequireSession && s.Sessions[i] == nil {
		o.Code = "no_session"
		return o
	}
	o.OK = true
	return o
}
