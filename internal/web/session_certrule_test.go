package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// restrictedEverywhere checks that c's session reaches nothing but the
// certificate change: pages redirect there, JSON, API and form posts get
// 403 cert_change_required.
func restrictedEverywhere(t *testing.T, c *client, reason string) {
	t.Helper()
	for _, p := range []string{"/menu", "/account/roles", "/account/export", "/approvals", "/admin", "/admin/users", "/notices"} {
		res, body := c.getPage(p)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/cert?reason="+reason {
			t.Errorf("GET %s: %d %q, want a redirect to the certificate change (%s)", p, res.StatusCode, res.Header.Get("Location"), body[:min(len(body), 200)])
		}
	}
	for _, p := range []string{"/api/v1/me", "/api/v1/me/menus", "/api/v1/users"} {
		res, body := c.apiCall("GET", p, nil)
		wantCode(t, "GET "+p, res, body, http.StatusForbidden, codeCertChangeRequired)
	}
	res, body := c.apiCall("POST", "/api/v1/me/requests", map[string]any{"roleId": 1, "approverInstitutionId": 1})
	wantCode(t, "POST /api/v1/me/requests", res, body, http.StatusForbidden, codeCertChangeRequired)
	res, body = c.postForm("/account/export", nil)
	wantStatus(t, "POST /account/export", res, body, http.StatusForbidden)
	// What remains: the certificate page, the confirmation it needs, logout.
	res, body = c.getPage("/account/cert?reason=" + reason)
	wantStatus(t, "GET /account/cert", res, body, http.StatusOK)
	res, body = c.postJSON("/auth/challenge", map[string]string{"purpose": "confirm"})
	wantStatus(t, "confirm challenge", res, body, http.StatusOK)
}

// TestCertRulesAtAccessTime (issue 15 item 5): the certificate rules hold
// on every route of the session, not only in the redirect after login.
func TestCertRulesAtAccessTime(t *testing.T) {
	t.Parallel()
	certRulesAtAccessTime(t, newSeededEnv(t, nil))
}

// TestCertRulesPostgres is the same on PostgreSQL.
func TestCertRulesPostgres(t *testing.T) {
	t.Parallel()
	certRulesAtAccessTime(t, newSeededEnvOn(t, nil, pgStore(t)))
}

func certRulesAtAccessTime(t *testing.T, e *seededEnv) {

	t.Run("forced re-registration", func(t *testing.T) {
		kim, cid := e.accountAt("kimforced", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
		e.grantRole(kim, e.demo.UserRoleID)
		c := e.signedIn(kim, cid)
		if res, body := c.getPage("/menu"); res.StatusCode != http.StatusOK {
			t.Fatalf("menu before: %d %s", res.StatusCode, body)
		}
		kim.MustReregisterCert = true
		if err := e.s.store.UpdateUser(e.ctx, &kim); err != nil {
			t.Fatal(err)
		}
		restrictedEverywhere(t, c.in(t), "forced")
		res, body := c.postForm("/logout", nil)
		if res.StatusCode >= 400 {
			t.Errorf("logout: %d %s", res.StatusCode, body)
		}
	})

	t.Run("institution certificate with an admin role", func(t *testing.T) {
		// An administration role held by an account that logs in with an
		// institution certificate (granted before the rule, or directly).
		u, cid := e.accountAt("provinst", "서울특별시", "PR-11", domain.UserActive, domain.CertInstitution)
		e.grantRole(u, e.demo.ProvinceAdminRoleID)
		c := e.signedIn(u, cid)
		restrictedEverywhere(t, c.in(t), "personal")
		// With a personal certificate the same account administers.
		p := e.signedIn(u, e.addCertRecord(u, domain.CertPersonal))
		if res, body := p.getPage("/admin/users"); res.StatusCode != http.StatusOK {
			t.Errorf("/admin/users with a personal certificate: %d %s", res.StatusCode, body[:min(len(body), 300)])
		}
	})

	t.Run("institution certificate, no personal-data role", func(t *testing.T) {
		u, cid := e.accountAt("autorep", "가나의원", "91111001", domain.UserActive, domain.CertInstitution)
		e.grantRole(u, e.demo.AutoReportRoleID)
		c := e.signedIn(u, cid)
		if res, body := c.getPage("/menu"); res.StatusCode != http.StatusOK {
			t.Errorf("/menu of an automatic-reporting user: %d %s", res.StatusCode, body[:min(len(body), 300)])
		}
	})

	t.Run("direct grants apply the personal-certificate rule", func(t *testing.T) {
		hc, _ := e.accountAt("hcinst", "종로구보건소", "HC-11110", domain.UserActive, domain.CertInstitution)
		a11, a11c := e.demoAccount("admin11")
		c := e.signedIn(a11, a11c)
		e.confirmSessions(a11)
		res, body := c.postForm("/admin/approvers/grant", url.Values{"role": {strconv.FormatInt(e.demo.ApproverRoleID, 10)}, "login_id": {"hcinst"}})
		wantStatus(t, "grant an approver role to an institution-certificate account", res, body, http.StatusBadRequest)
		if !strings.Contains(body, "개인 공동인증서") {
			t.Errorf("the refusal does not say why:\n%s", body)
		}
		gs, err := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: hc.ID})
		if err != nil || len(gs) != 0 {
			t.Errorf("grants after the refusal: %+v, %v", gs, err)
		}
	})
}
