package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/pki"
)

// The driver reads bytes from the server under test and from /proc; none
// of its parsers may panic.

func FuzzMetaCSRFToken(f *testing.F) {
	f.Add([]byte(`<meta name="csrf-token" content="abc">`))
	f.Add([]byte(`<meta name="csrf-token" content="`))
	f.Add([]byte(`<meta name="csrf-token`))
	f.Add([]byte(`<metaname="csrf-token" content="x">`))
	f.Fuzz(func(t *testing.T, page []byte) {
		if tok, err := metaCSRFToken(page); err == nil && tok == "" {
			t.Error("empty token without error")
		}
	})
}

func FuzzParseChallenge(f *testing.F) {
	f.Add([]byte(`{"nonce":"n","purpose":"login","origin":"o","message":"gwanmun-auth-v1\npurpose:login\norigin:o\nnonce:n","expiresAt":"2030-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"error":{"code":"rate_limited"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ch, err := parseChallenge(body)
		if err == nil && ch.Message != string(pki.ChallengeMessage(ch.Purpose, ch.Origin, ch.Nonce)) {
			t.Error("accepted a non-canonical message")
		}
		errorCode(body)
	})
}

func FuzzParseMemStatus(f *testing.F) {
	f.Add([]byte("VmHWM:\t 2048 kB\nVmRSS:\t 1024 kB\n"))
	f.Add([]byte("VmRSS: 99999999999999999999 kB\nVmHWM: 1 kB"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseMemStatus(b); err == nil && (m.RSS < 0 || m.HWM < 0) {
			t.Errorf("negative memory %+v", m)
		}
	})
}

// FuzzBaselineLogin feeds the baseline server's request parser.
func FuzzBaselineLogin(f *testing.F) {
	f.Add([]byte(`{"nonce":"n","certificate":"AAAA","signature":"AAAA"}`))
	f.Add([]byte(`{"nonce":"","certificate":"!!","signature":""}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if code := verifyLogin(bytes.NewReader(body), "http://127.0.0.1:1"); code == "" {
			t.Errorf("accepted %q", body)
		}
	})
}

// FuzzUsersCache feeds the cache reader arbitrary files: at worst it keeps
// nothing.
func FuzzUsersCache(f *testing.F) {
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("garbage"))
	ca, err := pki.NewDevCA("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	is, err := ca.Issue(pki.IssueOptions{Name: "퍼즈"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encodeUsersCache([]benchUser{{Key: is.Key, Cert: is.Cert}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, u := range parseUsersCache(data, ca, time.Now()) {
			if !u.Key.PublicKey.Equal(u.Cert.PublicKey) {
				t.Error("kept a key that does not match its certificate")
			}
		}
	})
}
