package web

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/gwanmun/gwanmun/internal/api"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestAPITokenBoundedByIssuer (issue 15 item 3): a token works only while
// its issuer is an active administrator, checked on every use, and never
// acts on its issuer's own account.
func TestAPITokenBoundedByIssuer(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	admin, acid := e.demoAccount("admin")
	ac := e.signedIn(admin, acid)
	e.confirmSessions(admin)
	tok := issueToken(t, ac, "연계", 30, api.ScopeUsersRead, api.ScopeUsersWrite, api.ScopeBoardsWrite)
	self := "/api/v1/users/" + strconv.FormatInt(admin.ID, 10)
	clinicUser, _ := e.accountAt("lockme2", "홍길동", "91111001", domain.UserActive, domain.CertPersonal)
	other := "/api/v1/users/" + strconv.FormatInt(clinicUser.ID, 10)

	works := func(what string) {
		t.Helper()
		res, body := e.bearer("GET", "/api/v1/users", tok, nil)
		wantStatus(t, what+": GET /api/v1/users", res, body, http.StatusOK)
	}
	refused := func(what string, status int, code string) {
		t.Helper()
		res, body := e.bearer("GET", "/api/v1/users", tok, nil)
		wantCode(t, what+": GET /api/v1/users", res, body, status, code)
		res, body = e.bearer("POST", "/api/v1/notices", tok, map[string]string{"title": "공지", "body": "본문"})
		wantCode(t, what+": POST /api/v1/notices", res, body, status, code)
		res, body = e.bearer("POST", other+"/lock", tok, map[string]string{"reason": "점검"})
		wantCode(t, what+": POST lock", res, body, status, code)
		if u, _ := e.s.store.GetUser(e.ctx, clinicUser.ID); u.Status != domain.UserActive {
			t.Fatalf("%s: the token locked a user", what)
		}
	}
	works("issuer active")

	// The token never acts on its issuer's own account.
	res, body := e.bearer("POST", self+"/lock", tok, map[string]string{"reason": "x"})
	wantCode(t, "token locks its issuer", res, body, http.StatusForbidden, domain.EFORBIDDEN)
	res, body = e.bearer("POST", self+"/unlock", tok, map[string]string{"reason": "x"})
	wantCode(t, "token unlocks its issuer", res, body, http.StatusForbidden, domain.EFORBIDDEN)
	if u, _ := e.s.store.GetUser(e.ctx, admin.ID); u.Status != domain.UserActive {
		t.Fatalf("issuer status %s", u.Status)
	}

	// The issuer loses the administration role.
	gs, err := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: admin.ID, RoleID: e.demo.NationalAdminRoleID, ActiveAt: e.clock.Now()})
	if err != nil || len(gs) != 1 {
		t.Fatalf("admin grants %v, %v", gs, err)
	}
	if err := e.s.store.RevokeGrant(e.ctx, gs[0].ID, 0, "역할 변경", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	refused("issuer no longer an administrator", http.StatusForbidden, codeTokenIssuerNoAdmin)
	e.grantRole(admin, e.demo.NationalAdminRoleID)
	works("issuer an administrator again")

	// The issuer's personal certificate replaced by an institution one:
	// the role is not theirs to use, nor the token's.
	inst := e.addCertRecord(admin, domain.CertInstitution)
	if err := e.s.store.ReplaceCertificates(e.ctx, admin.ID, inst, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	refused("issuer without a personal certificate", http.StatusForbidden, codeTokenIssuerNoAdmin)
	pers := e.addCertRecord(admin, domain.CertPersonal)
	if err := e.s.store.ReplaceCertificates(e.ctx, admin.ID, pers, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	works("issuer with a personal certificate again")

	setStatus := func(st domain.UserStatus, reregister bool) {
		t.Helper()
		u, err := e.s.store.GetUser(e.ctx, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		u.Status, u.MustReregisterCert = st, reregister
		if err := e.s.store.UpdateUser(e.ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	setStatus(domain.UserLocked, false)
	refused("issuer locked", http.StatusUnauthorized, codeTokenIssuerGone)
	setStatus(domain.UserActive, true)
	refused("issuer must re-register", http.StatusUnauthorized, codeTokenIssuerGone)
	setStatus(domain.UserActive, false)
	works("issuer unlocked")
	setStatus(domain.UserWithdrawn, false)
	refused("issuer withdrawn", http.StatusUnauthorized, codeTokenIssuerGone)
}
