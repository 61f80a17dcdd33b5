package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
)

// TestCertExpiryNotice: 30 and 7 days before the registered certificate
// expires the janitor e-mails its holder once each, and 메뉴보기 shows a
// banner pointing to 인증서 변경 from 30 days on.
func TestCertExpiryNotice(t *testing.T) {
	e := newSeededEnv(t, nil)
	e.s.cfg.Mail = &access.Notices{Site: notify.Site{Name: "관문", BaseURL: "http://127.0.0.1:8080"}}
	u, cert := e.accountAt("certsoon", "김만료", clinicCode, domain.UserActive, domain.CertPersonal)
	u.Email = "certsoon@example.kr"
	if err := e.s.store.UpdateUser(e.ctx, &u); err != nil {
		t.Fatal(err)
	}
	certs, _ := e.s.store.ListCertificates(e.ctx, u.ID)
	end := certs[0].NotAfter // a year from now
	count := func() int {
		ms, _, err := e.s.store.ListOutbox(e.ctx, domain.OutboxFilter{Kind: notify.KindCertExpiring, Recipient: u.Email})
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}

	e.s.sweep(e.ctx)
	c := e.signedIn(u, cert)
	_, body := c.getPage("/menu")
	if count() != 0 || strings.Contains(body, "gw-cert-expiry") {
		t.Fatal("notice a year before the expiry")
	}
	e.clock.Advance(end.Sub(e.clock.Now()) - 30*24*time.Hour)
	e.s.sweep(e.ctx)
	e.s.sweep(e.ctx)
	if n := count(); n != 1 {
		t.Errorf("%d notices 30 days before, want 1", n)
	}
	c = e.signedIn(u, cert)
	res, body := c.getPage("/menu")
	wantStatus(t, "GET /menu", res, body, http.StatusOK)
	if !strings.Contains(body, "gw-cert-expiry") || !strings.Contains(body, "30일 후 만료") || !strings.Contains(body, `href="/account/cert"`) {
		t.Error("no certificate expiry banner 30 days before")
	}
	e.clock.Advance(23 * 24 * time.Hour)
	e.s.sweep(e.ctx)
	if n := count(); n != 2 {
		t.Errorf("%d notices 7 days before, want 2", n)
	}
	if n := e.auditCount("cert.expiry_notice"); n != 2 {
		t.Errorf("%d cert.expiry_notice events", n)
	}
}
