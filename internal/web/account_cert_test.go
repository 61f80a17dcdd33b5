package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestCertChangeNeedsCurrentCert is the attack of issue 15 item 1: with a
// copied session cookie, GET /account/cert for the CSRF token, a
// cert-change challenge signed by a stranger's valid certificate, POST
// /account/cert. It is refused: the change needs a fresh signature by the
// current certificate (본인 확인), and even inside a confirmed window the
// new certificate must name the account holder. The owner's own renewal
// goes through, ends the account's other sessions, e-mails the owner and
// is audited.
func TestCertChangeNeedsCurrentCert(t *testing.T) {
	t.Parallel()
	certChangeNeedsCurrentCert(t, newSeededEnv(t, nil))
}

// TestCertChangePostgres is the same on PostgreSQL.
func TestCertChangePostgres(t *testing.T) {
	t.Parallel()
	certChangeNeedsCurrentCert(t, newSeededEnvOn(t, nil, pgStore(t)))
}

func certChangeNeedsCurrentCert(t *testing.T, e *seededEnv) {
	e.s.cfg.Mail = &access.Notices{Site: notify.Site{Name: "관문", BaseURL: "http://127.0.0.1:8080"}}
	own := issue(t, "홍길동", 0, nil)
	stranger := issue(t, "김민지", 1, nil)
	renewed := issue(t, "홍길동", 2, nil)
	u := e.registerUser("hongchange", domain.UserActive, e.inst(clinicCode).ID, own)
	u.Email = "hong@clinic.gwanmun.test"
	if err := e.s.store.UpdateUser(e.ctx, &u); err != nil {
		t.Fatal(err)
	}

	owner := e.client()
	owner.login(own)
	phone := e.client()
	phone.login(own)
	// The attacker's browser carries a copy of the owner's cookie.
	atk := e.client()
	atk.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: owner.cookies[sessionCookie].Value}
	atk.refreshCSRF()

	res, body := atk.getPage("/account/cert")
	wantStatus(t, "GET /account/cert", res, body, http.StatusOK)
	if strings.Contains(body, `data-cert-purpose="cert-change"`) || !strings.Contains(body, `data-cert-purpose="confirm"`) {
		t.Error("an unconfirmed session is offered the change before the confirmation")
	}
	res, body = atk.postJSON("/account/cert", atk.signed(pki.PurposeCertChange, stranger))
	wantCode(t, "cert change without a confirmation (JSON)", res, body, http.StatusForbidden, "confirm_required")
	res, body = atk.postForm("/account/cert", form(atk.signed(pki.PurposeCertChange, stranger)))
	wantStatus(t, "cert change without a confirmation (form)", res, body, http.StatusForbidden)
	res, body = atk.postJSON("/auth/confirm", atk.signed(pki.PurposeConfirm, stranger))
	wantCode(t, "confirm with the stranger's certificate", res, body, http.StatusForbidden, "confirm_not_yours")
	if e.certRegistered(stranger) {
		t.Fatal("the stranger's certificate was registered")
	}

	// The owner confirms; a copied cookie riding that window still cannot
	// register a certificate in another name.
	res, body = owner.postJSON("/auth/confirm", owner.signed(pki.PurposeConfirm, own))
	wantStatus(t, "owner's confirmation", res, body, http.StatusOK)
	res, body = atk.postJSON("/account/cert", atk.signed(pki.PurposeCertChange, stranger))
	wantCode(t, "cert change to a stranger's certificate", res, body, http.StatusBadRequest, domain.EINVALID)
	if !strings.Contains(body, "명의가 계정 소유자와 다릅니다") {
		t.Errorf("refusal does not say why: %s", body)
	}
	if e.certRegistered(stranger) || e.auditCount("cert.change_refused") != 1 || e.auditCount("cert.change") != 0 {
		t.Fatalf("stranger registered %v; refused events %d, changes %d", e.certRegistered(stranger),
			e.auditCount("cert.change_refused"), e.auditCount("cert.change"))
	}

	// The owner's renewed certificate: accepted.
	res, body = owner.getPage("/account/cert")
	if !strings.Contains(body, `data-cert-purpose="cert-change"`) {
		t.Errorf("a confirmed session is not offered the change:\n%s", body)
	}
	res, body = owner.postForm("/account/cert", form(owner.signed(pki.PurposeCertChange, renewed)))
	wantRedirect(t, "owner's cert change", res, body, "/account/cert?done=1")
	if !e.certRegistered(renewed) {
		t.Fatal("the renewed certificate is not registered")
	}
	// The other device is logged out; this one stays, on the new certificate.
	if res, _ := phone.getPage("/account/roles"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the other device's session lives on: %d", res.StatusCode)
	}
	ss, err := e.s.store.ListUserSessions(e.ctx, u.ID)
	if err != nil || len(ss) != 1 {
		t.Fatalf("sessions after the change: %+v, %v", ss, err)
	}
	certs, _ := e.s.store.ListCertificates(e.ctx, u.ID)
	for _, c := range certs {
		if c.ID == ss[0].CertID && (!c.Current() || c.Serial != renewed.Cert.SerialNumber.Text(16) && c.Serial != renewed.Cert.SerialNumber.String()) {
			t.Errorf("the session stands for %+v", c)
		}
	}
	if res, body := owner.getPage("/menu"); res.StatusCode != http.StatusOK {
		t.Errorf("owner's session after the change: %d %s", res.StatusCode, body)
	}
	msgs, _, err := e.s.store.ListOutbox(e.ctx, domain.OutboxFilter{Kind: notify.KindCertChanged})
	if err != nil || len(msgs) != 1 || msgs[0].Recipient != u.Email {
		t.Errorf("cert change notices %+v, %v", msgs, err)
	}
	ev, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "cert.change", ActorID: u.ID, Page: store.Page{Limit: 5}})
	if err != nil || len(ev) != 1 || !strings.Contains(string(ev[0].Detail), `"sessions_ended":1`) {
		t.Errorf("cert.change events %+v, %v", ev, err)
	}
}
