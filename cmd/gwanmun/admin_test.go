package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/firstrun"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/testenv"
	"github.com/gwanmun/gwanmun/internal/web"
)

// TestAdminBootstrap walks an operator's first day on a fresh database,
// SQLite and PostgreSQL: migrate adds the default consent text, import
// loads the institutions, `admin bootstrap` refuses what it must (no
// institution yet, an institution certificate, an institution that is not
// the national agency, a bad login ID) and then registers the first
// national administrator, audited as "cli"; a second bootstrap is refused;
// the administrator's certificate logs in through the web handlers of
// `gwanmun serve` and opens the admin console.
func TestAdminBootstrap(t *testing.T) {
	ca := t.TempDir()
	if _, errs, code := runMain(t, "devca", "-dir", ca, "-password", "dev-pw-1!"); code != 0 {
		t.Fatalf("devca: %s", errs)
	}
	var set pki.DevSet
	data, err := os.ReadFile(filepath.Join(ca, "manifest.json"))
	if err != nil || json.Unmarshal(data, &set) != nil {
		t.Fatalf("manifest: %v", err)
	}
	npki := map[string]string{}
	for _, c := range set.Certs {
		npki[c.ID] = filepath.Join(ca, c.NPKIDir)
	}
	t.Run("sqlite", func(t *testing.T) {
		testAdminBootstrap(t, ca, npki, filepath.Join(t.TempDir(), "gwanmun.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		testAdminBootstrap(t, ca, npki, testenv.PostgresSchema(t))
	})
}

// testAdminBootstrap runs the first day on db with the development CA in
// ca; npki maps its certificates' IDs to their NPKI folders.
func testAdminBootstrap(t *testing.T, ca string, npki map[string]string, db string) {
	t.Setenv("GWANMUN_DB", "")
	certOf := func(id string) string { return npki[id] }
	boot := func(args ...string) (string, string, int) {
		return runMain(t, append([]string{"admin", "bootstrap", "--db", db, "--dev-ca", filepath.Join(ca, "ca"), "--fetch-crl=false",
			"--crl-file", filepath.Join(ca, "ca", "intermediate.crl")}, args...)...)
	}

	out, errs, code := runMain(t, "migrate", "--db", db)
	if code != 0 || !strings.Contains(out, "added the default consent text as version 1") {
		t.Fatalf("migrate on a fresh database: %d %q %q", code, out, errs)
	}
	if out, _, _ := runMain(t, "migrate", "--db", db); strings.Contains(out, "consent") {
		t.Errorf("second migrate: %q, want no new consent text", out)
	}

	// Usage errors: exit 2.
	if _, errs, code := boot("--institution", "KDCA"); code != 2 || !strings.Contains(errs, "--cert") {
		t.Errorf("without --cert: %d %q", code, errs)
	}
	// No institutions yet.
	if _, errs, code := boot("--cert", certOf("personal"), "--institution", "KDCA", "--login-id", "kdcaadmin"); code != 1 || !strings.Contains(errs, "gwanmun import") {
		t.Errorf("before import: %d %q", code, errs)
	}
	if out, errs, code := runMain(t, "import", "--db", db, "../../internal/importer/testdata/institutions-250.csv"); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	for _, c := range []struct {
		name, want string
		args       []string
	}{
		{"institution certificate", "personal", []string{"--cert", certOf("institution"), "--institution", "KDCA", "--login-id", "kdcaadmin"}},
		{"revoked certificate", "revoked", []string{"--cert", certOf("revoked"), "--institution", "KDCA", "--login-id", "kdcaadmin"}},
		{"not the national agency", "kind national", []string{"--cert", certOf("personal"), "--institution", "HC-11110", "--login-id", "kdcaadmin"}},
		{"bad login ID", "login ID", []string{"--cert", certOf("personal"), "--institution", "KDCA", "--login-id", "A!"}},
		{"name not the holder's", "name", []string{"--cert", certOf("personal"), "--institution", "KDCA", "--login-id", "kdcaadmin", "--name", "김철수"}},
	} {
		if _, errs, code := boot(c.args...); code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, %q; want 1 and %q", c.name, code, errs, c.want)
		}
	}

	out, errs, code = boot("--cert", certOf("personal"), "--institution", "KDCA", "--login-id", "kdcaadmin", "--mobile", "010-1234-5678")
	if code != 0 || !strings.Contains(out, "registered kdcaadmin (홍길동), 질병관리청") || !strings.Contains(out, "created the administration system portal-admin") {
		t.Fatalf("bootstrap: %d %q %q", code, out, errs)
	}
	// A second one is refused, whoever it is for.
	if _, errs, code := boot("--cert", certOf("personal-pbes2"), "--institution", "KDCA", "--login-id", "kdcaother"); code != 1 ||
		!strings.Contains(errs, "an active national administrator exists") || !strings.Contains(errs, "kdcaadmin") || !strings.Contains(errs, "/admin/approvers") {
		t.Errorf("second bootstrap: %d %q", code, errs)
	}

	ctx := context.Background()
	st, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.GetUserByLoginID(ctx, "kdcaadmin")
	if err != nil || u.Mobile != "01012345678" || u.Name != "홍길동" {
		t.Fatalf("user %+v, %v", u, err)
	}
	if _, err := st.GetUserByLoginID(ctx, "kdcaother"); err == nil {
		t.Error("the refused bootstrap created its user")
	}
	ev, err := st.ListAudit(ctx, store.AuditFilter{Page: store.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	byCLI := map[string]int{}
	for _, e := range ev {
		if e.Actor == "cli" {
			byCLI[e.Action]++
		}
	}
	for _, a := range []string{"admin.bootstrap", "admin.bootstrap.user", "admin.system.create"} {
		if byCLI[a] != 1 {
			t.Errorf("%d %s events by cli, want 1 (%v)", byCLI[a], a, byCLI)
		}
	}
	if byCLI["admin.role.create"] != 2 {
		t.Errorf("%d admin.role.create events, want 2", byCLI["admin.role.create"])
	}
	// Further national administrators are granted at /admin/approvers:
	// the province role names the national role as its approver role.
	sys, err := st.GetSystemByCode(ctx, firstrun.AdminSystemCode)
	if err != nil {
		t.Fatal(err)
	}
	national, err1 := st.GetRoleByCode(ctx, sys.ID, firstrun.AdminRoleCode)
	province, err2 := st.GetRoleByCode(ctx, sys.ID, firstrun.ProvinceRoleCode)
	if err1 != nil || err2 != nil || !national.Admin || len(national.RequestableBy) != 0 || !province.Admin ||
		province.ApproverRoleID != national.ID || province.ApproverKind != domain.KindNational {
		t.Errorf("roles: national %+v (%v), province %+v (%v)", national, err1, province, err2)
	}
	if out, errs, code := runMain(t, "audit", "verify", "--db", db); code != 0 {
		t.Errorf("audit verify: %d %q %q", code, out, errs)
	}

	// The certificate logs in through serve's handlers and opens /admin.
	f := serveFlags{devCA: filepath.Join(ca, "ca"), siteName: "관문 포털"}
	v, err := f.verifier()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- serveOn(sctx, ln, &f, st, v, slog.New(slog.NewTextHandler(io.Discard, nil)), pw, web.Config{})
		pw.Close()
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.Contains(line, "serving on") {
		t.Fatalf("serve printed %q, %v", line, err)
	}
	go io.Copy(io.Discard, pr)
	base := "http://" + ln.Addr().String()

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		res, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	postJSON := func(path, token string, v any) (int, []byte) {
		b, _ := json.Marshal(v)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", token)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, body
	}
	_, home := get("/")
	m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`).FindStringSubmatch(home)
	if m == nil {
		t.Fatal("no CSRF token on the home page")
	}
	status, body := postJSON("/auth/challenge", m[1], map[string]string{"purpose": "login"})
	var ch struct{ Nonce, Origin string }
	if status != http.StatusOK || json.Unmarshal(body, &ch) != nil || ch.Nonce == "" {
		t.Fatalf("POST /auth/challenge: %d %s", status, body)
	}
	pwFile := writeFile(t, "pw", "dev-pw-1!\n")
	signed, errs, code := runMain(t, "sign", "-nonce", ch.Nonce, "-purpose", "login", "-origin", ch.Origin, "-password-file", pwFile, "-npki", filepath.Join(ca, "certs", "personal"))
	if code != 0 {
		t.Fatalf("sign: %s", errs)
	}
	var so signOutput
	if err := json.Unmarshal([]byte(signed), &so); err != nil {
		t.Fatal(err)
	}
	status, body = postJSON("/login", m[1], so)
	if status != http.StatusOK || !strings.Contains(string(body), `"redirect"`) {
		t.Fatalf("POST /login with the administrator's certificate: %d %s", status, body)
	}
	if status, page := get("/admin"); status != http.StatusOK {
		t.Fatalf("GET /admin as the bootstrapped administrator: %d\n%s", status, page)
	}
	// National: the systems page is national administrators' only; it
	// lists the administration system the bootstrap made.
	if status, page := get("/admin/systems"); status != http.StatusOK || !strings.Contains(page, "관문 포털 관리") {
		t.Errorf("GET /admin/systems: %d", status)
	}
	if status, _ := get("/menu"); status != http.StatusOK {
		t.Errorf("GET /menu: %d", status)
	}
	if who, err := firstrun.ActiveNationalAdmin(ctx, st, time.Now()); err != nil || who == nil || who.LoginID != "kdcaadmin" {
		t.Errorf("ActiveNationalAdmin = %+v, %v", who, err)
	}

	// The next national administrator is granted in the console, after
	// the administrator's 본인 확인: a national-agency user who signed up.
	kdca, err := st.GetInstitutionByCode(ctx, "KDCA")
	if err != nil {
		t.Fatal(err)
	}
	next := domain.User{LoginID: "kdcanext", Name: "김민지", InstitutionID: kdca.ID, Status: domain.UserPending,
		Pseudonym: "p-kdcanext", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateUser(ctx, &next); err != nil {
		t.Fatal(err)
	}
	// An administrator role goes only to a holder of a personal certificate.
	key := sha256.Sum256([]byte("kdcanext"))
	if err := st.AddCertificate(ctx, &domain.Certificate{UserID: next.ID, SubjectDN: "CN=김민지", IssuerDN: "CN=test", Serial: "1d",
		KeyHash: key[:], NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		Class: domain.CertPersonal, DER: []byte{0x30}, RegisteredAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, menu := get("/menu")
	m = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`).FindStringSubmatch(menu)
	if m == nil {
		t.Fatal("no CSRF token on /menu")
	}
	grant := func() (int, string) {
		form := url.Values{"csrf_token": {m[1]}, "role": {strconv.FormatInt(national.ID, 10)}, "login_id": {"kdcanext"}}
		res, err := hc.PostForm(base+"/admin/approvers/grant", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	held := func() int {
		g, err := st.ListGrants(ctx, store.GrantFilter{UserID: next.ID, RoleID: national.ID, ActiveAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return len(g)
	}
	if status, _ := grant(); held() != 0 {
		t.Fatalf("grant without 본인 확인 (%d) granted the role", status)
	}
	status, body = postJSON("/auth/challenge", m[1], map[string]string{"purpose": "confirm"})
	if status != http.StatusOK || json.Unmarshal(body, &ch) != nil {
		t.Fatalf("confirm challenge: %d %s", status, body)
	}
	signed, errs, code = runMain(t, "sign", "-nonce", ch.Nonce, "-purpose", "confirm", "-origin", ch.Origin, "-password-file", pwFile, "-npki", filepath.Join(ca, "certs", "personal"))
	if code != 0 || json.Unmarshal([]byte(signed), &so) != nil {
		t.Fatalf("sign confirm: %s", errs)
	}
	if status, body = postJSON("/auth/confirm", m[1], so); status != http.StatusOK {
		t.Fatalf("POST /auth/confirm: %d %s", status, body)
	}
	if status, page := grant(); status != http.StatusOK || held() != 1 || !strings.Contains(page, "승인자 권한을 부여했습니다") {
		t.Fatalf("grant after 본인 확인: %d, %d grants\n%s", status, held(), page)
	}
}
