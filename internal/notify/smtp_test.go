package notify

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

func testMessage() domain.OutboxMessage {
	return domain.OutboxMessage{ID: 7, Kind: KindRequestCreated, Recipient: "park@health.gwanmun.test",
		Subject: "[관문] 새 권한 신청이 도착했습니다", Body: "안녕하세요.\n", CreatedAt: start}
}

// TestTLSModes sends through each TLS mode to a server that offers (or
// lacks) what the mode needs, with and without SMTP AUTH.
func TestTLSModes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []serverOpt
		mode     TLSMode
		auth     bool
		wantSent bool
	}{
		{"none", nil, TLSNone, false, true},
		{"opportunistic without STARTTLS", nil, TLSOpportunistic, false, true},
		{"opportunistic with STARTTLS and AUTH", []serverOpt{withTLS(false), withAuth("gwanmun", "s3cret!")}, TLSOpportunistic, true, true},
		{"starttls with AUTH", []serverOpt{withTLS(false), withAuth("gwanmun", "s3cret!")}, TLSStartTLS, true, true},
		{"starttls refused by a server without it", nil, TLSStartTLS, false, false},
		{"implicit TLS with AUTH", []serverOpt{withTLS(true), withAuth("gwanmun", "s3cret!")}, TLSImplicit, true, true},
		{"AUTH needed but not given", []serverOpt{withTLS(false), withAuth("gwanmun", "s3cret!")}, TLSStartTLS, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTP(t, tc.opts...)
			cfg := SMTPConfig{Host: srv.host, Port: srv.port, TLS: tc.mode, From: "noreply@gwanmun.test", Timeout: 5 * time.Second}
			if srv.tlsConf != nil {
				cfg.TLSConfig = srv.clientTLS(t)
			}
			if tc.auth {
				cfg.Username, cfg.Password = "gwanmun", "s3cret!"
			}
			m, err := NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = m.Send(t.Context(), testMessage())
			if got := len(srv.messages()); (err == nil) != tc.wantSent || (got == 1) != tc.wantSent {
				t.Fatalf("Send: %v; server received %d; want sent %v", err, got, tc.wantSent)
			}
			// A failure before any 5xx reply (no STARTTLS) is temporary; the
			// server's 5xx to an unauthenticated MAIL FROM is permanent.
			if err != nil && IsPermanent(err) != strings.Contains(tc.name, "AUTH needed") {
				t.Errorf("IsPermanent = %v for %v", IsPermanent(err), err)
			}
			if tc.auth && len(srv.authed) != 1 {
				t.Errorf("authenticated %v times", srv.authed)
			}
		})
	}
}

// TestTLSUntrusted: a server certificate the client does not trust fails
// the delivery (no silent fallback to plain text).
func TestTLSUntrusted(t *testing.T) {
	srv := startSMTP(t, withTLS(false))
	m, err := NewSMTP(SMTPConfig{Host: srv.host, Port: srv.port, TLS: TLSStartTLS, From: "noreply@gwanmun.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(t.Context(), testMessage()); err == nil || len(srv.messages()) != 0 {
		t.Fatalf("Send to an untrusted server: %v, %d received", err, len(srv.messages()))
	}
}

func TestNewSMTPChecks(t *testing.T) {
	for _, cfg := range []SMTPConfig{
		{From: "a@b.test"},
		{Host: "h", From: ""},
		{Host: "h", From: "관문 <a@b.test>"},
		{Host: "h", From: "a@b.test", TLS: "ssl3"},
	} {
		if _, err := NewSMTP(cfg); err == nil {
			t.Errorf("NewSMTP(%+v) succeeded", cfg)
		}
	}
	for mode, port := range map[TLSMode]int{TLSNone: 25, TLSOpportunistic: 587, TLSStartTLS: 587, "": 587, TLSImplicit: 465} {
		m, err := NewSMTP(SMTPConfig{Host: "mail.example", From: "a@b.test", TLS: mode})
		if err != nil {
			t.Fatal(err)
		}
		if m.Addr() != "mail.example:"+strconv.Itoa(port) {
			t.Errorf("%q: Addr = %s, want port %d", mode, m.Addr(), port)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("s3cret!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, ok, err := ConfigFromEnv(env(nil)); ok || err != nil {
		t.Errorf("no host: ok %v, %v", ok, err)
	}
	cfg, ok, err := ConfigFromEnv(env(map[string]string{
		"GWANMUN_SMTP_HOST": "smtp.example.go.kr", "GWANMUN_SMTP_PORT": "2525", "GWANMUN_SMTP_TLS": "TLS",
		"GWANMUN_SMTP_USER": "gwanmun", "GWANMUN_SMTP_PASSWORD_FILE": pw, "GWANMUN_SMTP_FROM": "noreply@example.go.kr",
		"GWANMUN_SMTP_TIMEOUT": "10s",
	}))
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	want := SMTPConfig{Host: "smtp.example.go.kr", Port: 2525, TLS: TLSImplicit, Username: "gwanmun", Password: "s3cret!",
		From: "noreply@example.go.kr", FromName: "관문", Timeout: 10 * time.Second}
	if cfg != want {
		t.Errorf("ConfigFromEnv = %+v,\nwant %+v", cfg, want)
	}
	for k, v := range map[string]string{"GWANMUN_SMTP_PORT": "70000", "GWANMUN_SMTP_TLS": "ssl",
		"GWANMUN_SMTP_PASSWORD_FILE": filepath.Join(t.TempDir(), "missing"), "GWANMUN_SMTP_TIMEOUT": "-1s"} {
		_, _, err := ConfigFromEnv(env(map[string]string{"GWANMUN_SMTP_HOST": "h", k: v}))
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
