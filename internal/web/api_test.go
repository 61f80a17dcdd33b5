package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/api"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestAPIRoutesMatchOpenAPI: the OpenAPI document lists exactly the
// /api/v1 routes of apiTable, and each is registered in the server's mux.
func TestAPIRoutesMatchOpenAPI(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	e := newTestEnv(t, nil)
	routed := map[string]bool{}
	for _, rt := range apiTable {
		key := rt.Method + " " + rt.Path
		routed[key] = true
		path := strings.ReplaceAll(rt.Path, "{id}", "1")
		_, pattern := e.s.mux.Handler(httptest.NewRequest(rt.Method, path, nil))
		if pattern != key {
			t.Errorf("%s %s is served by %q, not registered as %q", rt.Method, path, pattern, key)
		}
	}
	var missing, undocumented []string
	for k := range documented {
		if !routed[k] {
			missing = append(missing, k)
		}
	}
	for k := range routed {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(undocumented)
	if len(missing) > 0 || len(undocumented) > 0 {
		t.Errorf("documented without a route: %v\nrouted without documentation: %v", missing, undocumented)
	}
	res, body := e.browser().get("/api/openapi.json")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || body != string(api.OpenAPI) {
		t.Errorf("GET /api/openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

var secretRE = regexp.MustCompile(`data-testid="api-token-secret">(gwm_[A-Za-z0-9_-]+)<`)

// issueToken issues a token through the admin page as client c.
func issueToken(t *testing.T, c *client, name string, days int, scopes ...string) string {
	t.Helper()
	res, body := c.postForm("/admin/api-tokens", url.Values{"name": {name}, "days": {strconv.Itoa(days)}, "scope": scopes})
	wantStatus(t, "issue token", res, body, http.StatusOK)
	m := secretRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", body)
	}
	return m[1]
}

// bearer calls the API with a token and no cookies.
func (e *seededEnv) bearer(method, path, token string, body any) (*http.Response, string) {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	r := httptest.NewRequest(method, path, rd)
	r.RemoteAddr = "203.0.113.9:5000"
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.s.Handler().ServeHTTP(w, r)
	return w.Result(), w.Body.String()
}

func wantCode(t *testing.T, what string, res *http.Response, body string, status int, code string) {
	t.Helper()
	wantStatus(t, what, res, body, status)
	if got, _ := jsonError(t, body); got != code {
		t.Errorf("%s: error code %q, want %q (%s)", what, got, code, body)
	}
}

func TestAPITokens(t *testing.T) {
	e := newSeededEnv(t, nil)
	admin, acid := e.demoAccount("admin")
	ac := e.signedIn(admin, acid)

	// Only national administrators manage tokens.
	prov, pcid := e.demoAccount("admin11")
	res, body := e.signedIn(prov, pcid).getPage("/admin/api-tokens")
	wantStatus(t, "province admin GET /admin/api-tokens", res, body, http.StatusForbidden)
	res, body = ac.getPage("/admin/api-tokens")
	wantStatus(t, "GET /admin/api-tokens", res, body, http.StatusOK)

	// Issuing a token creates a credential: not without a fresh
	// signature (issue 15 item 4).
	res, body = ac.postForm("/admin/api-tokens", url.Values{"name": {"x"}, "days": {"30"}, "scope": {api.ScopeUsersWrite}})
	wantStatus(t, "issue a token without a confirmation", res, body, http.StatusForbidden)
	if secretRE.MatchString(body) || !strings.Contains(body, translate("ko", "confirm.action.api_token_create")) {
		t.Errorf("unconfirmed issue: secret shown or no confirmation page:\n%s", body)
	}
	if _, n, _ := e.s.store.ListAPITokens(e.ctx, store.Page{}); n != 0 {
		t.Fatalf("%d tokens after an unconfirmed issue", n)
	}
	e.confirmSessions(admin)

	// Bad input is refused and nothing is stored.
	res, body = ac.postForm("/admin/api-tokens", url.Values{"name": {"x"}, "days": {"30"}})
	wantStatus(t, "token without scopes", res, body, http.StatusUnprocessableEntity)
	if _, n, _ := e.s.store.ListAPITokens(e.ctx, store.Page{}); n != 0 {
		t.Fatalf("%d tokens after a refused issue", n)
	}

	grants := issueToken(t, ac, "예방접종 시스템", 30, api.ScopeGrantsRead)
	writer := issueToken(t, ac, "계정 관리 연계", 30, api.ScopeUsersRead, api.ScopeUsersWrite)
	list, _, _ := e.s.store.ListAPITokens(e.ctx, store.Page{})
	for _, tok := range list {
		if strings.Contains(tok.Prefix, grants[10:]) || bytes.Contains(tok.Hash, []byte(grants)) {
			t.Error("the store holds the secret")
		}
	}

	// grants:read: who holds which role of the system.
	res, body = e.bearer("GET", "/api/v1/grants?system=covid19-vaccination&role=approver-hc", grants, nil)
	wantStatus(t, "GET /api/v1/grants", res, body, http.StatusOK)
	var holders struct {
		Items []struct {
			User  struct{ LoginID string }
			Grant struct{ RoleCode string }
		}
		Total int
	}
	if err := json.Unmarshal([]byte(body), &holders); err != nil || holders.Total == 0 {
		t.Fatalf("holders %s (%v)", body, err)
	}
	found := false
	for _, h := range holders.Items {
		found = found || h.User.LoginID == "approver11110"
		if h.Grant.RoleCode != "approver-hc" {
			t.Errorf("holder of %q listed", h.Grant.RoleCode)
		}
	}
	if !found {
		t.Error("approver11110 not among the holders")
	}
	// More holders than one page of the store holds: paged in the
	// query, every one reachable, and counted.
	clinic := e.inst("91111001")
	err := e.s.store.InTx(e.ctx, func(q store.Queries) error {
		for i := range store.MaxLimit + 3 {
			login := fmt.Sprintf("holder%04d", i)
			u := domain.User{LoginID: login, Name: "권한보유", InstitutionID: clinic.ID, Status: domain.UserActive,
				Pseudonym: "p-" + login, CreatedAt: e.s.now(), UpdatedAt: e.s.now()}
			if err := q.CreateUser(e.ctx, &u); err != nil {
				return err
			}
			if err := q.CreateGrant(e.ctx, &domain.Grant{UserID: u.ID, RoleID: e.demo.UserRoleID, GrantedAt: e.s.now().Add(-time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []struct {
			User        struct{ LoginID string }
			Institution struct{ Code string }
		}
		Total       int
		TotalCapped bool
	}
	res, body = e.bearer("GET", "/api/v1/grants?system=covid19-vaccination&role=user-medical&offset=500&limit=50", grants, nil)
	wantStatus(t, "GET /api/v1/grants, past 500", res, body, http.StatusOK)
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if page.Total < store.MaxLimit+3 || page.TotalCapped || len(page.Items) == 0 || len(page.Items) != min(50, page.Total-500) {
		t.Errorf("holders past 500: %d items, total %d (capped %v)", len(page.Items), page.Total, page.TotalCapped)
	}
	for _, it := range page.Items {
		if it.User.LoginID == "" || it.Institution.Code == "" {
			t.Errorf("holder without user or institution: %+v", it)
		}
	}

	res, body = e.bearer("GET", "/api/v1/grants", grants, nil)
	wantCode(t, "grants without system", res, body, http.StatusUnprocessableEntity, domain.EINVALID)
	res, body = e.bearer("GET", "/api/v1/grants?system=nope", grants, nil)
	wantCode(t, "grants of an unknown system", res, body, http.StatusNotFound, domain.ENOTFOUND)

	// Scopes are enforced; user-only routes refuse tokens.
	res, body = e.bearer("GET", "/api/v1/users", grants, nil)
	wantCode(t, "users with a grants token", res, body, http.StatusForbidden, "insufficient_scope")
	res, body = e.bearer("GET", "/api/v1/me", grants, nil)
	wantCode(t, "me with a token", res, body, http.StatusForbidden, domain.EFORBIDDEN)
	res, body = e.bearer("GET", "/api/v1/systems", grants, nil)
	wantCode(t, "systems without systems:read", res, body, http.StatusForbidden, "insufficient_scope")

	// A write with a token needs no CSRF token and is attributed to it.
	clinicUser, _ := e.accountAt("lockme", "홍길동", "91111001", domain.UserActive, domain.CertPersonal)
	res, body = e.bearer("POST", "/api/v1/users/"+strconv.FormatInt(clinicUser.ID, 10)+"/lock", writer, map[string]string{"reason": "퇴사"})
	wantStatus(t, "lock with a token", res, body, http.StatusOK)
	if u, _ := e.s.store.GetUser(e.ctx, clinicUser.ID); u.Status != domain.UserLocked {
		t.Errorf("status %s after lock", u.Status)
	}
	ev, _ := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "user.lock"})
	if len(ev) != 1 || !strings.HasPrefix(ev[0].Actor, "api-token:") || ev[0].ActorID != 0 {
		t.Errorf("lock audit events %+v", ev)
	}
	res, body = e.bearer("POST", "/api/v1/users/"+strconv.FormatInt(clinicUser.ID, 10)+"/lock", writer, nil)
	wantCode(t, "lock twice", res, body, http.StatusConflict, domain.ECONFLICT)
	res, body = e.bearer("POST", "/api/v1/users/"+strconv.FormatInt(clinicUser.ID, 10)+"/unlock", writer, nil)
	wantStatus(t, "unlock", res, body, http.StatusOK)

	// Reading personal data needs a purpose and is logged.
	res, body = e.bearer("GET", "/api/v1/users/"+strconv.FormatInt(clinicUser.ID, 10), writer, nil)
	wantCode(t, "user without purpose", res, body, http.StatusUnprocessableEntity, domain.EINVALID)
	res, body = e.bearer("GET", "/api/v1/users/"+strconv.FormatInt(clinicUser.ID, 10)+"?purpose=%EA%B3%84%EC%A0%95+%ED%99%95%EC%9D%B8", writer, nil)
	wantStatus(t, "user with purpose", res, body, http.StatusOK)
	if !strings.Contains(body, "01012345678") {
		t.Errorf("user detail lacks the mobile: %s", body)
	}
	if acc, n, _ := e.s.store.ListPersonalDataAccess(e.ctx, domain.PersonalDataAccessFilter{SubjectID: clinicUser.ID}); n != 1 || acc[0].ActorID != admin.ID {
		t.Errorf("personal-data access log %+v", acc)
	}

	// Unknown, malformed, revoked and expired tokens are refused.
	for _, bad := range []string{"gwm_nope", "not-a-token", ""} {
		res, body = e.bearer("GET", "/api/v1/grants?system=covid19-vaccination", bad, nil)
		wantCode(t, "token "+bad, res, body, http.StatusUnauthorized, domain.EUNAUTH)
	}
	var wid int64
	list, _, _ = e.s.store.ListAPITokens(e.ctx, store.Page{})
	for _, tok := range list {
		if tok.Name == "계정 관리 연계" {
			wid = tok.ID
			if tok.LastUsedAt.IsZero() {
				t.Error("last use not recorded")
			}
		}
	}
	res, body = ac.postForm("/admin/api-tokens/"+strconv.FormatInt(wid, 10)+"/revoke", nil)
	wantRedirect(t, "revoke", res, body, "/admin/api-tokens?done=revoked")
	res, body = e.bearer("GET", "/api/v1/users", writer, nil)
	wantCode(t, "revoked token", res, body, http.StatusUnauthorized, domain.EUNAUTH)
	res, body = e.bearer("GET", "/api/v1/grants?system=covid19-vaccination", grants, nil)
	wantStatus(t, "the other token still works", res, body, http.StatusOK)
	e.clock.Advance(31 * 24 * time.Hour)
	res, body = e.bearer("GET", "/api/v1/grants?system=covid19-vaccination", grants, nil)
	wantCode(t, "expired token", res, body, http.StatusUnauthorized, domain.EUNAUTH)
	if n := e.auditCount("api_token.create") + e.auditCount("api_token.revoke"); n != 3 {
		t.Errorf("%d token audit events, want 3", n)
	}
}

// TestAPISession: the UI's session works on the API; state-changing calls
// need the CSRF header; a request, its decision and the menu follow.
func TestAPISession(t *testing.T) {
	e := newSeededEnv(t, nil)
	anon := e.client()
	res, body := anon.getPage("/api/v1/me")
	wantCode(t, "anonymous /me", res, body, http.StatusUnauthorized, domain.EUNAUTH)

	kim, kid := e.accountAt("kimdoc", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
	c := e.signedIn(kim, kid)
	res, body = c.getPage("/api/v1/me")
	wantStatus(t, "GET /api/v1/me", res, body, http.StatusOK)
	if !strings.Contains(body, `"loginId":"kimdoc"`) {
		t.Errorf("/me: %s", body)
	}
	patch := func(hdr http.Header, v any) (*http.Response, string) {
		b, _ := json.Marshal(v)
		return c.send("PATCH", "/api/v1/me", bytes.NewReader(b), hdr)
	}
	res, body = patch(http.Header{"Content-Type": {"application/json"}}, map[string]string{"email": "kim@example.org"})
	wantCode(t, "PATCH without CSRF", res, body, http.StatusForbidden, "csrf")
	hdr := http.Header{"Content-Type": {"application/json"}, csrfHeader: {c.token}}
	res, body = patch(hdr, map[string]string{"mobile": "12"})
	wantStatus(t, "PATCH bad mobile", res, body, http.StatusUnprocessableEntity)
	res, body = patch(hdr, map[string]string{"email": "kim@example.org"})
	wantStatus(t, "PATCH email", res, body, http.StatusOK)
	if u, _ := e.s.store.GetUser(e.ctx, kim.ID); u.Email != "kim@example.org" || u.Mobile != "01012345678" {
		t.Errorf("after PATCH: %+v", u)
	}

	res, body = c.getPage("/api/v1/me/roles?view=requestable")
	wantStatus(t, "requestable", res, body, http.StatusOK)
	centre := e.inst("HC-11110")
	res, body = c.postJSON("/api/v1/me/requests", map[string]any{"roleId": e.demo.UserRoleID, "approverInstitutionId": centre.ID, "justification": "접종 담당"})
	wantStatus(t, "POST /api/v1/me/requests", res, body, http.StatusCreated)
	var created struct{ Request struct{ ID int64 } }
	json.Unmarshal([]byte(body), &created)
	res, body = c.postJSON("/api/v1/me/requests", map[string]any{"roleId": e.demo.UserRoleID, "approverInstitutionId": centre.ID})
	wantCode(t, "second request", res, body, http.StatusConflict, domain.ECONFLICT)

	// A non-approver may not decide; the centre's approver may.
	id := strconv.FormatInt(created.Request.ID, 10)
	res, body = c.postJSON("/api/v1/approvals/"+id+"/decision", map[string]string{"decision": "approve"})
	wantStatus(t, "own decision", res, body, http.StatusForbidden)
	ap, apc := e.demoAccount("approver11110")
	a := e.signedIn(ap, apc)
	res, body = a.getPage("/api/v1/approvals")
	wantStatus(t, "inbox", res, body, http.StatusOK)
	if !strings.Contains(body, `"loginId":"kimdoc"`) {
		t.Errorf("inbox lacks the request: %s", body)
	}
	res, body = a.postJSON("/api/v1/approvals/"+id+"/decision", map[string]string{"decision": "reject"})
	wantCode(t, "reject without reason", res, body, http.StatusBadRequest, domain.EINVALID)
	res, body = a.postJSON("/api/v1/approvals/"+id+"/decision", map[string]string{"decision": "approve"})
	wantStatus(t, "approve", res, body, http.StatusOK)
	res, body = a.postJSON("/api/v1/approvals/"+id+"/decision", map[string]string{"decision": "approve"})
	wantCode(t, "approve twice", res, body, http.StatusConflict, domain.ECONFLICT)
	res, body = c.getPage("/api/v1/me/menus")
	wantStatus(t, "menus", res, body, http.StatusOK)
	if !strings.Contains(body, covidSystemName) {
		t.Errorf("menus lack the system: %s", body)
	}

	// Administrator routes: a plain user is refused; a province
	// administrator sees the own province only.
	res, body = c.getPage("/api/v1/users")
	wantCode(t, "user lists users", res, body, http.StatusForbidden, domain.EFORBIDDEN)
	prov, pc := e.demoAccount("admin11")
	p := e.signedIn(prov, pc)
	res, body = p.getPage("/api/v1/users?q=kimdoc")
	wantStatus(t, "province admin lists users", res, body, http.StatusOK)
	if !strings.Contains(body, `"loginId":"kimdoc"`) || strings.Contains(body, "01012345678") {
		t.Errorf("province list: %s", body)
	}
	busan, _ := e.accountAt("busandoc", "부산의사", "HC-30110", domain.UserActive, domain.CertPersonal)
	res, body = p.getPage("/api/v1/users/" + strconv.FormatInt(busan.ID, 10) + "?purpose=x")
	wantCode(t, "other province's user", res, body, http.StatusNotFound, domain.ENOTFOUND)
	res, body = p.getPage("/api/v1/audit")
	wantStatus(t, "province admin reads audit", res, body, http.StatusForbidden)

	res, body = c.postJSON("/api/v1/auth/logout", nil)
	wantStatus(t, "logout", res, body, http.StatusNoContent)
	res, body = c.getPage("/api/v1/me")
	wantStatus(t, "/me after logout", res, body, http.StatusUnauthorized)
}
