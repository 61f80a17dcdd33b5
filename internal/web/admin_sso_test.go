package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAdminSSO(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	admin, nid := e.demoAccount("admin")
	c := e.signedIn(admin, nid)
	base := fmt.Sprintf("/admin/systems/%d", e.demo.CovidSystemID)
	res, body := c.getPage(base)
	wantStatus(t, "system page", res, body, http.StatusOK)
	if !strings.Contains(body, `id="sso"`) || !strings.Contains(body, "/oidc/.well-known/openid-configuration") {
		t.Fatal("system page lacks the SSO section")
	}
	form := url.Values{"client_id": {"covid19"}, "redirect_uris": {"https://covid.example/cb\nhttp://127.0.0.1:9000/cb"},
		"post_logout_uris": {"https://covid.example/"}, "backchannel_logout_uri": {"https://covid.example/bcl"},
		"subject_type": {"pairwise"}, "access_ttl_min": {"5"}, "id_ttl_min": {"5"}, "refresh_ttl_hours": {"8"}}

	// Registering makes a credential: a fresh signature first.
	res, body = c.postForm(base+"/sso", form)
	wantStatus(t, "unconfirmed", res, body, http.StatusForbidden)
	if _, err := e.s.store.GetSSOClientOfSystem(e.ctx, e.demo.CovidSystemID); err == nil {
		t.Fatal("client registered without confirmation")
	}
	e.confirmSessions(admin)
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("redirect_uris", "http://covid.example/cb")
	res, body = c.postForm(base+"/sso", bad)
	wantStatus(t, "http redirect URI", res, body, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "http only on a loopback address") {
		t.Errorf("no reason given:\n%.2000s", body)
	}
	res, body = c.postForm(base+"/sso", form)
	wantStatus(t, "register", res, body, http.StatusOK)
	m := strings.Index(body, `id="sso-secret">`)
	if m < 0 {
		t.Fatal("secret not shown")
	}
	secret := body[m+len(`id="sso-secret">`):]
	secret = secret[:strings.Index(secret, "<")]
	cl, err := e.s.store.GetSSOClientOfSystem(e.ctx, e.demo.CovidSystemID)
	if err != nil || cl.ClientID != "covid19" || len(cl.RedirectURIs) != 2 || cl.Public || len(cl.SecretHash) != 32 {
		t.Fatalf("client %+v %v", cl, err)
	}
	if strings.Contains(string(cl.SecretHash), secret) || len(secret) < 40 {
		t.Errorf("secret %q", secret)
	}
	res, body = c.getPage(base)
	if strings.Contains(body, secret) {
		t.Error("the secret is shown again")
	}
	// A new secret, a change, disabling: each audited.
	res, body = c.postForm(base+"/sso/secret", nil)
	wantStatus(t, "new secret", res, body, http.StatusOK)
	form.Set("initiate_login_uri", "https://covid.example/login")
	res, body = c.postForm(base+"/sso", form)
	wantStatus(t, "update", res, body, http.StatusSeeOther)
	res, body = c.postForm(base+"/sso/disable", nil)
	wantStatus(t, "disable", res, body, http.StatusSeeOther)
	res, body = c.postForm("/admin/sso/keys/rotate", url.Values{"alg": {"ES256"}})
	wantStatus(t, "rotate", res, body, http.StatusSeeOther)
	for _, a := range []string{"sso.client_create", "sso.client_secret", "sso.client_update", "sso.client_disable", "sso.keys_rotate"} {
		if n := e.auditCount(a); n != 1 {
			t.Errorf("%d %s events", n, a)
		}
	}
	cl, _ = e.s.store.GetSSOClientOfSystem(e.ctx, e.demo.CovidSystemID)
	if cl.DisabledAt.IsZero() || cl.InitiateLoginURI != "https://covid.example/login" {
		t.Errorf("after update and disable: %+v", cl)
	}
	// The API: read with the session; change through it after confirmation.
	res, body = c.send("GET", "/api/v1/systems/covid19-vaccination/sso", nil, http.Header{"Accept": {"application/json"}})
	wantStatus(t, "API read", res, body, http.StatusOK)
	if !strings.Contains(body, `"client_id":"covid19"`) || strings.Contains(body, "client_secret") {
		t.Errorf("API read: %s", body)
	}
	res, body = c.send("PUT", "/api/v1/systems/infectious-disease-auto-report/sso",
		strings.NewReader(`{"client_id":"auto-report","public":true,"redirect_uris":["https://report.example/cb"]}`),
		http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}, csrfHeader: {c.token}})
	wantStatus(t, "API register", res, body, http.StatusCreated)
	if strings.Contains(body, "client_secret") || !strings.Contains(body, `"public":true`) {
		t.Errorf("API register: %s", body)
	}
	res, body = c.send("PUT", "/api/v1/systems/infectious-disease-auto-report/sso",
		strings.NewReader(`{"client_id":"auto-report","redirect_uris":["ftp://x"]}`),
		http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}, csrfHeader: {c.token}})
	wantStatus(t, "API bad URI", res, body, http.StatusBadRequest)
	// Others may not.
	province, pid := e.demoAccount("admin11")
	res, body = e.signedIn(province, pid).postForm(base+"/sso/disable", url.Values{"enable": {"1"}})
	wantStatus(t, "province admin", res, body, http.StatusForbidden)
}
