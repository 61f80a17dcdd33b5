package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/edge"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

const proxyAddr = "10.250.0.1"

// behindProxy makes e trust proxyAddr and returns a client whose
// requests come through it from addr.
func (e *seededEnv) behindProxy(addr string) *client {
	e.t.Helper()
	p, err := edge.ParseProxies(proxyAddr)
	if err != nil {
		e.t.Fatal(err)
	}
	e.s.cfg.TrustedProxies = p
	c := e.client()
	c.addr, c.via = addr, proxyAddr
	c.refreshCSRF()
	return c
}

// TestJunkFloodBehindProxyBlocksNoOneElse: behind a proxy every request
// came from the proxy's address, so five junk logins a second from one
// client blocked every login. With the proxy trusted, each client has its
// own bucket, a client cannot escape its bucket by making up
// X-Forwarded-For hops, and a flood naming the victim's certificate does
// not empty the victim's account bucket.
func TestJunkFloodBehindProxyBlocksNoOneElse(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	iss := issue(t, "홍길동", 0, nil)
	u := e.registerUser("hongproxy", domain.UserActive, e.inst(clinicCode).ID, iss)
	attacker := e.behindProxy("198.51.100.7")
	victim := e.behindProxy("198.51.100.8")

	junk := map[string]string{"nonce": "x", "certificate": form(sign(t, iss, pki.PurposeLogin, e.s.Origin(), "n")).Get("certificate"), "signature": "AAAA"}
	limited := 0
	for i := 0; i < 40; i++ {
		// Made-up hops left of the proxy's own entry change nothing.
		res, _ := attacker.send("POST", "/login", strings.NewReader(`{"nonce":"x","certificate":"`+junk["certificate"]+`","signature":"AAAA"}`),
			http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}, csrfHeader: {attacker.token},
				"X-Forwarded-For": {"203.0.113." + string(rune('0'+i%10)) + ", 198.51.100.7"}})
		if res.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 25 {
		t.Fatalf("junk flood: %d of 40 limited, want the address's bucket to stop most", limited)
	}
	// The attacker's requests through the API share the bucket.
	res, body := attacker.postJSON("/api/v1/auth/login", junk)
	wantStatus(t, "API login from the flooding address", res, body, http.StatusTooManyRequests)

	// The victim, behind the same proxy, logs in.
	victim.login(iss)
	ev, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "user.login", Page: store.Page{Limit: 10}})
	if err != nil || len(ev) != 1 {
		t.Fatalf("user.login events: %v %v", ev, err)
	}
	if ev[0].ClientAddr != "198.51.100.8" || ev[0].TargetID != strconv.FormatInt(u.ID, 10) {
		t.Errorf("login audited from %q (user %s), want the forwarded client 198.51.100.8 (user %d)", ev[0].ClientAddr, ev[0].TargetID, u.ID)
	}

	// A peer that is not a trusted proxy cannot choose its address.
	e.s.cfg.TrustedProxies = edge.Proxies{}
	direct := e.client()
	direct.addr, direct.via = proxyAddr, ""
	for i := 0; i < 12; i++ {
		direct.send("POST", "/auth/challenge", strings.NewReader(`{"purpose":"login"}`), http.Header{"Content-Type": {"application/json"},
			csrfHeader: {direct.token}, "X-Forwarded-For": {"192.0.2." + string(rune('1'+i%9))}})
	}
	if n := len(e.s.limits.challenge.buckets); n > 3 {
		t.Errorf("an untrusted peer's X-Forwarded-For made %d challenge buckets", n)
	}
}

// TestOneBucketPerAction: the page and the API endpoint of an action
// share one bucket (each gave 20 challenges before).
func TestOneBucketPerAction(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	c := e.client()
	ok := 0
	for i := 0; i < 30; i++ {
		path := "/auth/challenge"
		if i%2 == 1 {
			path = "/api/v1/auth/challenge"
		}
		res, _ := c.postJSON(path, map[string]string{"purpose": "login"})
		if res.StatusCode == http.StatusOK {
			ok++
		}
	}
	if ok != 20 {
		t.Errorf("%d challenges granted across the page and the API, want 20 (one bucket)", ok)
	}
}

// TestLoginAccountBucket: many addresses naming one certificate share its
// account bucket, larger than an address's.
func TestLoginAccountBucket(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	iss := issue(t, "홍길동", 0, nil)
	cert := form(sign(t, iss, pki.PurposeLogin, e.s.Origin(), "n")).Get("certificate")
	limited := 0
	for i := 0; i < 30; i++ {
		c := e.client() // a new address each time
		res, _ := c.postJSON("/login", map[string]string{"nonce": "x", "certificate": cert, "signature": "AAAA"})
		if res.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 10 {
		t.Errorf("%d of 30 logins naming one certificate limited, want 10 (account burst 20)", limited)
	}
	// Another certificate is not affected.
	other := issue(t, "김철수", 0, nil)
	res, body := e.client().postJSON("/login", map[string]string{"nonce": "x", "certificate": form(sign(t, other, pki.PurposeLogin, e.s.Origin(), "n")).Get("certificate"), "signature": "AAAA"})
	if res.StatusCode == http.StatusTooManyRequests {
		t.Errorf("another certificate limited: %s", body)
	}
}

// TestSignupIDCheckLimited: GET /signup/check-id answered taken/free 150
// times in 0.1 s; it is limited per address now, without blocking
// another address.
func TestSignupIDCheckLimited(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	c := e.client()
	limited := 0
	for i := 0; i < 60; i++ {
		res, _ := c.getPage("/signup/check-id?id=probe" + strconv.Itoa(i))
		if res.StatusCode == http.StatusTooManyRequests {
			limited++
			if res.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited != 30 {
		t.Errorf("%d of 60 ID checks limited, want 30 (burst 30)", limited)
	}
	res, body := e.client().getPage("/signup/check-id?id=someoneelse")
	wantStatus(t, "another address", res, body, http.StatusOK)
}

// TestSignupStartLimited: every anonymous POST /signup/consent stored a
// signup draft, without limit; an anonymous flood filled the table.
func TestSignupStartLimited(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	c := e.client()
	limited := 0
	for i := 0; i < 30; i++ {
		delete(c.cookies, signupCookie) // a new visitor each time, as a flood would be
		res, _ := c.postForm("/signup/consent", url.Values{"consent_version": {strconv.Itoa(e.demo.ConsentVersion)}, "agree": {"yes"}})
		if res.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 10 {
		t.Errorf("%d of 30 signup starts limited, want 10 (burst 20)", limited)
	}
	e.client().consent() // another address starts its signup
}
