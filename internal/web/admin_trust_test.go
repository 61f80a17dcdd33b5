package web

import (
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/pki"
)

func TestAdminTrust(t *testing.T) {
	t.Parallel()
	v := testVerifier(t)
	e := newSeededEnv(t, v)
	ca := devCA(t)

	province, pid := e.demoAccount("admin11")
	res, body := e.signedIn(province, pid).getPage("/admin/trust")
	wantStatus(t, "province admin", res, body, http.StatusForbidden)

	admin, aid := e.demoAccount("admin")
	c := e.signedIn(admin, aid)
	res, body = c.getPage("/admin/trust")
	wantStatus(t, "trust page", res, body, http.StatusOK)
	if !strings.Contains(body, esc(ca.Root.Subject.String())) || !strings.Contains(body, esc(ca.Intermediate.Subject.String())) {
		t.Errorf("trust page lacks the anchors")
	}

	// Reload from a source that now trusts another CA.
	other, err := pki.NewDevCA("gwanmun-other")
	if err != nil {
		t.Fatal(err)
	}
	var srcErr error
	v.SetTrustSource(func() (pki.TrustConfig, error) {
		return pki.TrustConfig{Roots: []*x509.Certificate{other.Root}, Intermediates: []*x509.Certificate{other.Intermediate}}, srcErr
	})
	res, body = c.postForm("/admin/trust/reload", nil)
	wantRedirect(t, "reload", res, body, "/admin/trust?msg=trust_reloaded")
	_, body = c.getPage("/admin/trust")
	if !strings.Contains(body, esc(other.Root.Subject.String())) || strings.Contains(body, esc(ca.Root.Subject.String())) {
		t.Errorf("trust page after reload does not show the new anchor only")
	}
	// A failing reload keeps the trust, says so and is audited too.
	srcErr = errors.New("/etc/gwanmun/trust: permission denied")
	res, body = c.postForm("/admin/trust/reload", nil)
	wantStatus(t, "failed reload", res, body, http.StatusUnprocessableEntity)
	if strings.Contains(body, "permission denied") {
		t.Errorf("the page shows the server's error text")
	}
	if !strings.Contains(body, esc(other.Root.Subject.String())) {
		t.Errorf("trust lost after a failed reload")
	}
	if n := e.auditCount("trust.reload"); n != 2 {
		t.Errorf("trust.reload events = %d, want 2", n)
	}
}
