package web

// Helpers of the signup and login tests: pre-generated keys, certificates,
// a demo-seeded server, and a browser that signs challenges the way the
// certificate dialog does.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// RSA key generation is slow on small machines: the tests share a few keys
// made once per binary, and a second CA that nobody trusts. Each test has
// its own store, so sharing a key across tests is harmless.
const testKeyCount = 5

var (
	testKeysOnce sync.Once
	testKeys     [testKeyCount]*rsa.PrivateKey
	otherCA      *pki.DevCA
	testKeysErr  error
)

func loadTestKeys(t testing.TB) {
	t.Helper()
	testKeysOnce.Do(func() {
		var wg sync.WaitGroup
		errs := make([]error, testKeyCount+1)
		for i := range testKeyCount {
			wg.Go(func() { testKeys[i], errs[i] = rsa.GenerateKey(rand.Reader, 2048) })
		}
		wg.Go(func() { otherCA, errs[testKeyCount] = pki.NewDevCA("GWANMUN-UNTRUSTED") })
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				testKeysErr = err
			}
		}
	})
	if testKeysErr != nil {
		t.Fatal(testKeysErr)
	}
}

// testKey returns the i-th shared key.
func testKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	loadTestKeys(t)
	return testKeys[i]
}

// issue makes a certificate of the test CA for name with the i-th key;
// mod may change the options.
func issue(t testing.TB, name string, key int, mod func(*pki.IssueOptions)) *pki.Issued {
	t.Helper()
	opts := pki.IssueOptions{Name: name, Key: testKey(t, key)}
	if mod != nil {
		mod(&opts)
	}
	iss, err := devCA(t).Issue(opts)
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

// issueUntrusted makes a certificate of a CA the server does not trust.
func issueUntrusted(t testing.TB, name string, key int) *pki.Issued {
	t.Helper()
	loadTestKeys(t)
	iss, err := otherCA.Issue(pki.IssueOptions{Name: name, Key: testKey(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

// expired sets a validity period that ended yesterday.
func expired(o *pki.IssueOptions) {
	o.NotBefore = time.Now().AddDate(-1, 0, -1).UTC().Truncate(time.Second)
	o.NotAfter = time.Now().AddDate(0, 0, -1).UTC().Truncate(time.Second)
}

// seededEnv is a test server on a store holding the demo data.
type seededEnv struct {
	*testEnv
	demo *demo.Result
	ctx  context.Context
}

// newSeededEnv returns a test server whose store holds the demo data.
// verifier, when not nil, replaces the test CA's verifier.
func newSeededEnv(t testing.TB, verifier auth.CertVerifier) *seededEnv {
	t.Helper()
	return newSeededEnvOn(t, verifier, testStore(t))
}

// newSeededEnvOn is newSeededEnv on the store st.
func newSeededEnvOn(t testing.TB, verifier auth.CertVerifier, st store.Store) *seededEnv {
	t.Helper()
	if verifier == nil {
		verifier = testVerifier(t)
	}
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	logs := &bytes.Buffer{}
	s, err := New(Config{SiteName: "gwanmun 데모 포털", BaseURL: "http://127.0.0.1:8080", Demo: true},
		Deps{Store: st, Verifier: verifier, Now: c.Now, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, s: s, clock: c, logs: logs}
	res, err := demo.Seed(context.Background(), st, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &seededEnv{testEnv: e, demo: res, ctx: context.Background()}
}

// draftBarrier is a store whose GetSignupDraft, while armed, holds each
// caller after its read until n callers have read: n requests surely see
// the draft as it was before any of them changes it.
type draftBarrier struct {
	store.Store
	mu      sync.Mutex
	left    int
	release chan struct{}
}

// arm makes the next n reads wait for each other.
func (b *draftBarrier) arm(n int) {
	b.mu.Lock()
	b.left, b.release = n, make(chan struct{})
	b.mu.Unlock()
}

func (b *draftBarrier) GetSignupDraft(ctx context.Context, id string) (domain.SignupDraft, error) {
	d, err := b.Store.GetSignupDraft(ctx, id)
	b.mu.Lock()
	if b.left == 0 {
		b.mu.Unlock()
		return d, err
	}
	b.left--
	ch := b.release
	if b.left == 0 {
		close(ch)
	}
	b.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(10 * time.Second): // the other request never came: let the test fail on its answers
	}
	return d, err
}

// in returns e for use by subtest t: failures stop t, not its parent.
func (e *seededEnv) in(t testing.TB) *seededEnv {
	te := *e.testEnv
	te.t = t
	return &seededEnv{testEnv: &te, demo: e.demo, ctx: e.ctx}
}

// inst returns a seeded institution by code.
func (e *seededEnv) inst(code string) domain.Institution {
	e.t.Helper()
	in, err := e.s.store.GetInstitutionByCode(e.ctx, code)
	if err != nil {
		e.t.Fatalf("institution %s: %v", code, err)
	}
	return in
}

// userCount returns how many accounts the store holds.
func (e *seededEnv) userCount() int {
	e.t.Helper()
	_, n, err := e.s.store.ListUsers(e.ctx, store.UserFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// requestCount returns how many role requests the store holds.
func (e *seededEnv) requestCount() int {
	e.t.Helper()
	_, n, err := e.s.store.ListRequests(e.ctx, store.RequestFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// auditCount returns how many audit events have action.
func (e *seededEnv) auditCount(action string) int {
	e.t.Helper()
	ev, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: action, Page: store.Page{Limit: 1000}})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ev)
}

// certRegistered reports whether any account has iss's key.
func (e *seededEnv) certRegistered(iss *pki.Issued) bool {
	e.t.Helper()
	_, err := e.s.store.GetCertificateByKeyHash(e.ctx, auth.KeyHash(iss.Cert))
	if err == nil {
		return true
	}
	if !errors.Is(err, store.ErrNotFound) {
		e.t.Fatal(err)
	}
	return false
}

// noUser fails the test when an account with loginID exists.
func (e *seededEnv) noUser(loginID string) {
	e.t.Helper()
	if u, err := e.s.store.GetUserByLoginID(e.ctx, loginID); err == nil {
		e.t.Errorf("user %q exists (id %d, status %s), want none", loginID, u.ID, u.Status)
	}
}

var addrSeq atomic.Int64

// client is a browser with its own client address (so the per-address
// rate limits of one test do not meet) and the CSRF token of its pages.
type client struct {
	*browser
	e     *seededEnv
	addr  string
	token string
	// via, when set, is the trusted proxy the client's requests come
	// through: the peer is via and addr goes in X-Forwarded-For.
	via string
}

// client returns a new browser that has loaded the home page.
func (e *seededEnv) client() *client {
	e.t.Helper()
	n := addrSeq.Add(1)
	c := &client{browser: e.browser(), e: e, addr: fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)}
	c.refreshCSRF()
	return c
}

// in returns c for use by subtest t (same cookies and address).
func (c *client) in(t testing.TB) *client {
	return &client{browser: c.browser, e: c.e.in(t), addr: c.addr, token: c.token, via: c.via}
}

// refreshCSRF reloads the CSRF token (it changes at login).
func (c *client) refreshCSRF() {
	c.e.t.Helper()
	_, body := c.send("GET", "/", nil, nil)
	m := metaCSRF.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		c.e.t.Fatal("no csrf-token meta on the home page")
	}
	c.token = m[1]
}

// send makes a request from the client's address.
func (c *client) send(method, path string, body io.Reader, hdr http.Header) (*http.Response, string) {
	r := httptest.NewRequest(method, path, body)
	r.RemoteAddr = c.addr + ":40000"
	if c.via != "" {
		r.RemoteAddr = c.via + ":40000"
		r.Header.Set("X-Forwarded-For", c.addr)
	}
	for k, v := range hdr {
		for _, x := range v {
			r.Header.Add(k, x)
		}
	}
	res := c.do(r)
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (c *client) getPage(path string) (*http.Response, string) { return c.send("GET", path, nil, nil) }

// postForm posts form with the client's CSRF token.
func (c *client) postForm(path string, form url.Values) (*http.Response, string) {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set(csrfField, c.token)
	return c.send("POST", path, strings.NewReader(f.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// postJSON posts v as JSON the way the dialog's fetch call does.
func (c *client) postJSON(path string, v any) (*http.Response, string) {
	b, err := json.Marshal(v)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return c.send("POST", path, bytes.NewReader(b), http.Header{"Content-Type": {"application/json"},
		"Accept": {"application/json"}, csrfHeader: {c.token}})
}

// challenge asks for a nonce for purpose.
func (c *client) challenge(purpose string) string {
	c.e.t.Helper()
	res, body := c.postJSON("/auth/challenge", map[string]string{"purpose": purpose})
	if res.StatusCode != http.StatusOK {
		c.e.t.Fatalf("POST /auth/challenge %s: %d %s", purpose, res.StatusCode, body)
	}
	var ch struct{ Nonce, Purpose, Origin, Message string }
	if err := json.Unmarshal([]byte(body), &ch); err != nil {
		c.e.t.Fatal(err)
	}
	if ch.Nonce == "" || ch.Purpose != purpose || ch.Origin != c.e.s.Origin() ||
		ch.Message != string(pki.ChallengeMessage(purpose, ch.Origin, ch.Nonce)) {
		c.e.t.Fatalf("challenge = %+v", ch)
	}
	return ch.Nonce
}

// sign answers nonce for purpose with iss, as the dialog does.
func sign(t testing.TB, iss *pki.Issued, purpose, origin, nonce string) pki.SignedResponse {
	t.Helper()
	d := sha256.Sum256(pki.ChallengeMessage(purpose, origin, nonce))
	sig, err := rsa.SignPKCS1v15(rand.Reader, iss.Key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return pki.SignedResponse{Nonce: nonce, Certificate: base64.StdEncoding.EncodeToString(iss.Cert.Raw),
		Signature: base64.StdEncoding.EncodeToString(sig)}
}

// signed fetches a challenge for purpose and signs it with iss.
func (c *client) signed(purpose string, iss *pki.Issued) pki.SignedResponse {
	c.e.t.Helper()
	return sign(c.e.t, iss, purpose, c.e.s.Origin(), c.challenge(purpose))
}

// form returns a signed response as the dialog's form fields.
func form(sr pki.SignedResponse) url.Values {
	return url.Values{"nonce": {sr.Nonce}, "certificate": {sr.Certificate}, "signature": {sr.Signature}}
}

// jsonError decodes {"error":{"code","message"}}.
func jsonError(t testing.TB, body string) (code, msg string) {
	t.Helper()
	var v struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("not a JSON error: %v: %s", err, body)
	}
	return v.Error.Code, v.Error.Message
}

// esc is how html/template writes text.
func esc(s string) string { return template.HTMLEscapeString(s) }

// wantStatus fails the test when res has another status.
func wantStatus(t testing.TB, what string, res *http.Response, body string, want int) {
	t.Helper()
	if res.StatusCode != want {
		if len(body) > 3000 {
			body = body[:3000] + "..."
		}
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, res.StatusCode, want, body)
	}
}

// wantRedirect fails the test unless res is a 303 to loc.
func wantRedirect(t testing.TB, what string, res *http.Response, body, loc string) {
	t.Helper()
	wantStatus(t, what, res, body, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != loc {
		t.Fatalf("%s: redirect to %q, want %q", what, got, loc)
	}
}

// registerUser stores an account of status at institution instID with
// iss as its current certificate.
func (e *seededEnv) registerUser(loginID string, status domain.UserStatus, instID int64, iss *pki.Issued) domain.User {
	e.t.Helper()
	now := e.clock.Now()
	u := domain.User{LoginID: loginID, Name: signup.CertName(iss.Cert.Subject.CommonName), InstitutionID: instID, Status: status,
		Mobile: "01012345678", OfficePhone: "0212345678", Pseudonym: "p-" + loginID, CreatedAt: now, UpdatedAt: now}
	if err := e.s.store.CreateUser(e.ctx, &u); err != nil {
		e.t.Fatal(err)
	}
	res, err := testVerifier(e.t).Verify(e.ctx, iss.Cert)
	if err != nil {
		e.t.Fatal(err)
	}
	v := auth.Verified{Result: res, KeyHash: auth.KeyHash(iss.Cert)}
	c := v.CertificateRecord(u.ID, now)
	if err := e.s.store.AddCertificate(e.ctx, &c); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// fieldMsgRe finds the message paragraph of a form field.
var fieldMsgRe = regexp.MustCompile(`id="m-([a-z_]+)" aria-live="polite">([^<]*)</p>`)

// fieldMessages returns the non-empty per-field messages of a step-03 page.
func fieldMessages(body string) map[string]string {
	out := map[string]string{}
	for _, m := range fieldMsgRe.FindAllStringSubmatch(body, -1) {
		if m[2] != "" {
			out[m[1]] = m[2]
		}
	}
	return out
}

// writeCRL writes the test CA's current CRL into a temporary file.
func writeCRL(t testing.TB) string {
	t.Helper()
	der, err := devCA(t).CRL(time.Now().Add(24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ca.crl")
	if err := os.WriteFile(p, der, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// crlVerifier trusts the test CA and checks revocation against its CRL.
func crlVerifier(t testing.TB) *pki.Verifier {
	t.Helper()
	ca := devCA(t)
	v, err := pki.NewVerifier(pki.VerifierConfig{Roots: []*x509.Certificate{ca.Root},
		Intermediates: []*x509.Certificate{ca.Intermediate}, CRLFiles: []string{writeCRL(t)}, RevocationMode: pki.HardFail})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pgStore opens the real store on a fresh schema of the PostgreSQL test
// server (GWANMUN_TEST_PG), dropped at cleanup. Without the server the
// test skips, or fails when CI=true.
func pgStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), testenv.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
