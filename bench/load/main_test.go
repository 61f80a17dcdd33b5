package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// testUsers makes (or reuses, within one test binary run) two users in a
// cache directory shared by the tests of this package.
func testUsers(t *testing.T) (string, *pki.DevCA, []benchUser) {
	t.Helper()
	dir := sharedCache(t)
	ca, users, err := loadOrCreateUsers(dir, 2, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	return dir, ca, users
}

var sharedCacheDir string

func sharedCache(t *testing.T) string {
	if sharedCacheDir == "" {
		d, err := os.MkdirTemp("", "gwanmun-bench-test-")
		if err != nil {
			t.Fatal(err)
		}
		sharedCacheDir = d
	}
	return sharedCacheDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedCacheDir != "" {
		os.RemoveAll(sharedCacheDir)
	}
	os.Exit(code)
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// TestShortRun runs the driver as CI would without a gwanmun server: the
// baseline server driven through the whole harness (CSRF page, challenges,
// signing, logins). It checks counts and the report, never timings.
func TestShortRun(t *testing.T) {
	dir, _, _ := testUsers(t)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-short", "-cache", dir, "-users", "2", "-n", "60", "-c", "4"}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errOut.String())
	}
	report := out.String()
	t.Log("\n" + report)
	for _, want := range []string{"baseline", "requests=60", "ok=60", "c=4", "p99=", "machine:"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(report, "errors of") {
		t.Errorf("baseline run had errors")
	}
}

func TestUsersCache(t *testing.T) {
	dir, ca, users := testUsers(t)
	if len(users) != 2 {
		t.Fatalf("got %d users", len(users))
	}
	for _, u := range users {
		if err := u.Cert.CheckSignatureFrom(ca.Intermediate); err != nil {
			t.Errorf("certificate not issued by the cached CA: %v", err)
		}
		if class, _ := pki.Classify(u.Cert); class != domain.CertPersonal {
			t.Errorf("class %q, want personal", class)
		}
	}
	// A second load reuses the cache: same keys, no generation.
	start := time.Now()
	_, again, err := loadOrCreateUsers(dir, 1, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || !again[0].Key.Equal(users[0].Key) || !bytes.Equal(again[0].Cert.Raw, users[0].Cert.Raw) {
		t.Errorf("cache not reused")
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Logf("cache reload took %v", el) // informative only
	}
	for _, f := range []string{"devca/ca/root.pem", "devca/ca/intermediate.pem", "devca/ca/intermediate.crl", "users.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("cache file: %v", err)
		}
	}
	// Entries of another CA are dropped.
	other, err := pki.NewDevCA("other")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, usersCacheFile))
	if got := parseUsersCache(data, other, time.Now()); len(got) != 0 {
		t.Errorf("kept %d entries of a foreign CA", len(got))
	}
	if got := parseUsersCache(data, ca, time.Now().AddDate(5, 0, 0)); len(got) != 0 {
		t.Errorf("kept %d entries that expire too soon", len(got))
	}
	if got := parseUsersCache(data, ca, time.Now()); len(got) < 2 {
		t.Errorf("kept %d entries, want at least 2", len(got))
	}
}

func TestRegisterUsers(t *testing.T) {
	_, _, users := testUsers(t)
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := registerUsers(ctx, st, users)
	if err != nil || n != len(users) {
		t.Fatalf("registerUsers = %d, %v; want %d", n, err, len(users))
	}
	for i, u := range users {
		kh := sha256.Sum256(u.Cert.RawSubjectPublicKeyInfo)
		c, err := st.GetCertificateByKeyHash(ctx, kh[:])
		if err != nil {
			t.Fatalf("user %d certificate: %v", i, err)
		}
		if c.Class != domain.CertPersonal || c.PolicyOID != pki.OIDDevPersonal || !bytes.Equal(c.DER, u.Cert.Raw) || !c.Current() {
			t.Errorf("certificate %d stored as %+v", i, c)
		}
		usr, err := st.GetUser(ctx, c.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if usr.Status != domain.UserActive || usr.LoginID != loginID(i) {
			t.Errorf("user %d: %+v", i, usr)
		}
	}
	// Idempotent.
	if n, err := registerUsers(ctx, st, users); err != nil || n != 0 {
		t.Errorf("second registerUsers = %d, %v; want 0, nil", n, err)
	}
	if _, err := st.GetInstitutionByCode(ctx, benchInstitutionCode); err != nil {
		t.Errorf("bench institution: %v", err)
	}
	if _, err := st.GetUserByLoginID(ctx, loginID(len(users))); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unexpected extra user: %v", err)
	}
}

func TestBaselineRefusals(t *testing.T) {
	_, _, users := testUsers(t)
	b, err := startBaseline()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	f := &clientFactory{spread: true}
	c := f.newClient()
	defer c.CloseIdleConnections()
	ctx := context.Background()
	sc := &loginScenario{BaseURL: b.URL, Users: users}
	if err := sc.Prepare(ctx, []*http.Client{c}, 2); err != nil {
		t.Fatal(err)
	}
	if o := sc.Do(ctx, c, 0); !o.OK || o.Status != 200 {
		t.Fatalf("good login: %+v", o)
	}
	// Swap the certificates: the signatures no longer verify.
	var body map[string]string
	json.Unmarshal(sc.bodies[1], &body)
	other, _ := json.Marshal(map[string]string{"nonce": body["nonce"], "certificate": string(mustField(t, sc.bodies[0], "certificate")), "signature": body["signature"]})
	sc.bodies[1] = other
	if o := sc.Do(ctx, c, 1); o.OK || o.Status != 400 || o.Code != "signature_invalid" || o.Key() != "400 signature_invalid" {
		t.Errorf("bad signature: %+v", o)
	}
}

func mustField(t *testing.T, body []byte, name string) string {
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m[name]
}

func TestRequireSession(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-CSRF-Token") != "tok" {
			writeError(w, 403, "csrf")
			return
		}
		writeJSON(w, 200, map[string]string{"redirect": "/menu"})
	})
	b := startTestServer(t, mux)
	c := (&clientFactory{}).newClient()
	sc := &loginScenario{BaseURL: b, RequireSession: true, csrf: []anonCSRF{{Cookie: "x", Token: "tok"}},
		bodies: [][]byte{[]byte(`{}`)}, Sessions: make([]*http.Cookie, 1)}
	if o := sc.Do(context.Background(), c, 0); o.OK || o.Key() != "200 no_session" {
		t.Errorf("login without session cookie: %+v", o)
	}
	sc.csrf[0] = anonCSRF{Cookie: "x", Token: "wrong"}
	if o := sc.Do(context.Background(), c, 0); o.OK || o.Key() != "403 csrf" {
		t.Errorf("csrf refusal: %+v", o)
	}
}

func startTestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	b, err := startBaseline()
	if err != nil {
		t.Fatal(err)
	}
	b.srv.Handler = h
	t.Cleanup(func() { b.Close() })
	return b.URL
}

func TestParseFlags(t *testing.T) {
	var sink bytes.Buffer
	o, err := parseFlags([]string{"-short", "-c", "3"}, &sink)
	if err != nil || o.c != 3 || o.n != 200 || o.users != 8 {
		t.Errorf("-short -c 3: %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{"-url", "http://example.com", "-register=false"},
		{"-url", "http://10.0.0.1:8080", "-register=false"},
		{"-url", "https://127.0.0.1:8080", "-register=false"},
		{"-url", "http://127.0.0.1:8080"}, // no -db
		{"-spawn", "-url", "http://127.0.0.1:1"},
		{"-n", "0"}, {"-n", "1000000"}, {"-c", "0"}, {"-duration", "1h"}, {"extra"},
	} {
		if _, err := parseFlags(bad, &sink); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
	if _, err := parseFlags([]string{"-url", "http://localhost:8080/", "-db", "x.db"}, &sink); err != nil {
		t.Errorf("localhost refused: %v", err)
	}
}

func TestMetaCSRFToken(t *testing.T) {
	for page, want := range map[string]string{
		`<head><meta charset="utf-8"><meta name="csrf-token" content="a&amp;b"></head>`:    "a&b",
		`<meta content="x" name="csrf-token">`:                                             "x",
		`<meta data-name="csrf-token" content="no"><meta name="csrf-token" content="yes">`: "yes",
	} {
		if got, err := metaCSRFToken([]byte(page)); err != nil || got != want {
			t.Errorf("metaCSRFToken(%q) = %q, %v; want %q", page, got, err, want)
		}
	}
	for _, page := range []string{``, `<meta name="csrf-token">`, `<meta name="csrf-token" content=""`, `<meta name="other" content="x">`} {
		if got, err := metaCSRFToken([]byte(page)); err == nil {
			t.Errorf("metaCSRFToken(%q) = %q, want an error", page, got)
		}
	}
}

func TestParseChallenge(t *testing.T) {
	msg := string(pki.ChallengeMessage("login", "http://127.0.0.1:1", "abc"))
	good, _ := json.Marshal(challengeResponse{Nonce: "abc", Purpose: "login", Origin: "http://127.0.0.1:1", Message: msg, ExpiresAt: time.Now()})
	if _, err := parseChallenge(good); err != nil {
		t.Errorf("good challenge: %v", err)
	}
	for _, bad := range []challengeResponse{
		{Nonce: "", Purpose: "login", Origin: "http://127.0.0.1:1", Message: msg, ExpiresAt: time.Now()},
		{Nonce: "abc", Purpose: "signup", Origin: "http://127.0.0.1:1", Message: msg, ExpiresAt: time.Now()},
		{Nonce: "abc", Purpose: "login", Origin: "http://127.0.0.1:2", Message: msg, ExpiresAt: time.Now()},
		{Nonce: "abc", Purpose: "login", Origin: "http://127.0.0.1:1", Message: msg},
	} {
		b, _ := json.Marshal(bad)
		if _, err := parseChallenge(b); err == nil {
			t.Errorf("parseChallenge(%s) accepted", b)
		}
	}
	if errorCode([]byte(`{"error":{"code":"cert_expired","message":"m"}}`)) != "cert_expired" || errorCode([]byte(`<html>`)) != "" {
		t.Error("errorCode")
	}
}

func TestParseMemStatus(t *testing.T) {
	in := "Name:\tgwanmun\nVmPeak:\t  900 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\nThreads:\t7\n"
	m, err := parseMemStatus([]byte(in))
	if err != nil || m.RSS != 1024*1024 || m.HWM != 2048*1024 {
		t.Errorf("parseMemStatus = %+v, %v", m, err)
	}
	for _, bad := range []string{"", "VmRSS:\t1 kB\n", "VmRSS:\t1 MB\nVmHWM:\t1 kB\n", "VmRSS:\t-1 kB\nVmHWM:\t1 kB\n"} {
		if _, err := parseMemStatus([]byte(bad)); err == nil {
			t.Errorf("parseMemStatus(%q) accepted", bad)
		}
	}
	// This process has a status file.
	if m, err := readMemStatus(os.Getpid()); err != nil || m.RSS <= 0 {
		t.Errorf("readMemStatus(self) = %+v, %v", m, err)
	}
}

func TestRedactURL(t *testing.T) {
	if got := redactURL("postgres://u:secret@127.0.0.1/db"); strings.Contains(got, "secret") || got != "postgres://u:***@127.0.0.1/db" {
		t.Errorf("redactURL = %q", got)
	}
	if got := redactURL("sqlite:/x.db"); got != "sqlite:/x.db" {
		t.Errorf("redactURL = %q", got)
	}
}

// TestSpawnShort builds ./cmd/gwanmun and runs the CI-sized load test
// against it on a fresh SQLite database: registration, serve --dev-ca,
// challenges, logins with sessions, the memory sampler, and -role-pages
// (role setup on the fresh database, the approver's and the
// administrator's certificate logins, their pages checked and timed). It
// asserts that every request succeeded and that the report is complete,
// never timings.
func TestSpawnShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts gwanmun; skipped with -short")
	}
	dir, _, _ := testUsers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"-short", "-spawn", "-repo", "../..", "-cache", dir, "-users", "3", "-n", "40", "-c", "4", "-pages", "/menu", "-role-pages"}, &out, &errOut)
	report := out.String()
	t.Log("\n" + report)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("run: %v\nstderr:\n%s\nserver log tail:\n%s", err, errOut.String(), lastLines(log, 30))
	}
	for _, want := range []string{"gwanmun   c=4", "requests=40", "GET /menu", "GET /approvals", "GET /account/roles",
		"GET /admin/users?q=bench", "ratio gwanmun/baseline:", "server memory: peak RSS"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(report, "errors of") {
		t.Errorf("run had errors")
	}
	if strings.Count(report, "ok=40 ") != 6 {
		t.Errorf("want ok=40 for baseline, gwanmun, GET /menu and the three role pages")
	}
	if !strings.Contains(errOut.String(), "role setup: seeded the demo data; 2 new grants, 1 new requests, 1 pending at "+benchCentreCode) {
		t.Errorf("stderr lacks the role setup line:\n%s", errOut.String())
	}
}
