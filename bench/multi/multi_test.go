package multi

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
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// publicOrigin is the --base-url every process gets: the origin of the
// load balancer in front of them, which is what challenges are bound to.
// Nothing connects to it; the test talks to each process's own address.
const publicOrigin = "http://portal.gwanmun.test"

// TestTwoProcesses runs two `gwanmun serve` processes on one PostgreSQL
// schema, sharing the CSRF key (--csrf-key-file) and the trust settings,
// and checks that nothing depends on which process answers:
//
//   - a login challenge issued by A is accepted by B, and the other way round;
//   - a session made on one process works on the other (GET /menu shows the
//     user's name);
//   - a role request made on one process is in the other's approver inbox;
//   - two approvers of the same health centre, each logged in on a
//     different process, racing POST /approvals/decide on one pending
//     request: exactly one 200 and one 409 naming the winner, exactly one
//     grant and one request.approve audit event.
//
// A third process without the shared key refuses the anonymous CSRF token
// the others issued, which shows that the shared key is what makes the
// cross-process login work.
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("two-process test: skipped with -short")
	}
	dbURL := testenv.PostgresSchema(t)
	dir := t.TempDir()
	bin := buildGwanmun(t, dir)
	ctx := t.Context()

	f := setup(t, ctx, dbURL, dir)
	keyFile := filepath.Join(dir, "csrf.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString([]byte(rand.Text()+rand.Text()))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	shared := []string{"--csrf-key-file", keyFile}
	var a, b, c *server
	var wg sync.WaitGroup
	var errA, errB, errC error
	wg.Go(func() { a, errA = startServer(t, bin, dbURL, f.caDir, dir, "a", shared) })
	wg.Go(func() { b, errB = startServer(t, bin, dbURL, f.caDir, dir, "b", shared) })
	wg.Go(func() { c, errC = startServer(t, bin, dbURL, f.caDir, dir, "c", nil) })
	wg.Wait()
	for _, err := range []error{errA, errB, errC} {
		if err != nil {
			t.Fatal(err)
		}
	}

	// Login: challenge on one process, signature posted to the other.
	apps := make([]*browser, len(f.applicants))
	for i, u := range f.applicants {
		from, to := a, b
		if i%2 == 1 {
			from, to = b, a
		}
		apps[i] = newBrowser()
		if err := apps[i].login(ctx, from, to, u); err != nil {
			t.Fatalf("applicant %d: challenge on %s, login on %s: %v", i, from.name, to.name, err)
		}
		// The session works on both processes.
		for _, s := range []*server{a, b} {
			status, body := apps[i].get(ctx, s, "/menu")
			if status != http.StatusOK || !strings.Contains(body, u.user.Name) {
				t.Fatalf("applicant %d: GET /menu on %s after login on %s: %d, name %q shown: %v", i, s.name, to.name, status, u.user.Name, strings.Contains(body, u.user.Name))
			}
		}
	}

	// Without the shared key, the anonymous token of A is worthless on C.
	t.Run("unshared CSRF key refused", func(t *testing.T) {
		br := newBrowser()
		if status, _ := br.get(ctx, a, "/"); status != http.StatusOK {
			t.Fatalf("GET / on a: %d", status)
		}
		res, body := br.post(ctx, c, "/auth/challenge", nil, []byte(`{"purpose":"login"}`))
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST /auth/challenge on c with a's anonymous token: %d %s, want 403 (csrf)", res.StatusCode, body)
		}
		res, body = br.post(ctx, b, "/auth/challenge", nil, []byte(`{"purpose":"login"}`))
		if res.StatusCode != http.StatusOK {
			t.Errorf("POST /auth/challenge on b with a's anonymous token: %d %s, want 200", res.StatusCode, body)
		}
	})

	// Role requests, made on alternating processes.
	var reqIDs []int64
	for i, br := range apps {
		s := []*server{a, b}[i%2]
		if status, _ := br.get(ctx, s, "/menu"); status != http.StatusOK {
			t.Fatalf("GET /menu: %d", status)
		}
		form := url.Values{"role_id": {fmt.Sprint(f.roleID)}, "approver_id": {fmt.Sprint(f.hcID)}, "justification": {"다중 프로세스 시험"}}
		res, body := br.post(ctx, s, "/account/roles/request", form, nil)
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=requested") {
			t.Fatalf("applicant %d: role request on %s: %d %s %s", i, s.name, res.StatusCode, res.Header.Get("Location"), body)
		}
		rs, _, err := f.st.ListRequests(ctx, store.RequestFilter{UserID: f.applicants[i].user.ID, Status: domain.RequestPending})
		if err != nil || len(rs) != 1 {
			t.Fatalf("applicant %d: %d pending requests stored (%v), want 1", i, len(rs), err)
		}
		reqIDs = append(reqIDs, rs[0].ID)
	}

	// Approvers: one logs in on A, the other on B (challenge on the other).
	ap := []*browser{newBrowser(), newBrowser()}
	if err := ap[0].login(ctx, b, a, f.approvers[0]); err != nil {
		t.Fatalf("approver 1: %v", err)
	}
	if err := ap[1].login(ctx, a, b, f.approvers[1]); err != nil {
		t.Fatalf("approver 2: %v", err)
	}
	// Each request made on one process is in the inbox of both.
	for k, br := range ap {
		s := []*server{a, b}[k]
		status, body := br.get(ctx, s, "/approvals")
		if status != http.StatusOK {
			t.Fatalf("approver %d: GET /approvals on %s: %d", k+1, s.name, status)
		}
		for i := range apps {
			if !strings.Contains(body, f.applicants[i].user.Name) {
				t.Errorf("approver %d: inbox on %s does not list %s's request", k+1, s.name, f.applicants[i].user.Name)
			}
		}
	}

	// The race, once per request; the approvers swap processes every round.
	wins := [2]int{}
	for round, id := range reqIDs {
		servers := [2]*server{a, b}
		if round%2 == 1 {
			servers = [2]*server{b, a}
		}
		type answer struct {
			status int
			body   string
		}
		var ans [2]answer
		start := make(chan struct{})
		var wg sync.WaitGroup
		for k := range 2 {
			wg.Go(func() {
				<-start
				form := url.Values{"action": {"approve"}, "id": {fmt.Sprint(id)}}
				res, body := ap[k].post(ctx, servers[k], "/approvals/decide", form, nil, "application/json")
				ans[k] = answer{res.StatusCode, string(body)}
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		switch {
		case ans[0].status == http.StatusOK && ans[1].status == http.StatusConflict:
			winner = 0
		case ans[1].status == http.StatusOK && ans[0].status == http.StatusConflict:
			winner = 1
		default:
			t.Errorf("request %d: answers %d (%s on %s) and %d (%s on %s), want one 200 and one 409",
				id, ans[0].status, ans[0].body, servers[0].name, ans[1].status, ans[1].body, servers[1].name)
			continue
		}
		wins[winner]++
		loser := ans[1-winner].body
		want := "이미 " + f.approvers[winner].user.Name + "님이 처리한 신청입니다"
		if !strings.Contains(loser, want) {
			t.Errorf("request %d: the 409 does not name the winner (want %q): %s", id, want, loser)
		}
		db := f.st.DB()
		var status string
		var grants, events int
		if err := db.QueryRowContext(ctx, `SELECT status, (SELECT COUNT(*) FROM role_grants g WHERE g.request_id = r.id) FROM role_requests r WHERE r.id = $1`, id).Scan(&status, &grants); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM audit_events WHERE action = 'request.approve' AND target_id = $1) +
			(SELECT COUNT(*) FROM audit_pending WHERE action = 'request.approve' AND target_id = $1)`, fmt.Sprint(id)).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if status != "approved" || grants != 1 || events != 1 {
			t.Errorf("request %d after the race: status %q, %d grants, %d request.approve events; want approved, 1, 1", id, status, grants, events)
		}
	}
	t.Logf("race wins: approver 1 %d, approver 2 %d", wins[0], wins[1])
	if bad, err := f.st.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Errorf("audit chain broken at %d: %v", bad, err)
	}
}

// actor is a user with a registered certificate and its key.
type actor struct {
	user domain.User
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// fixture is the seeded database and the development CA.
type fixture struct {
	st                    *sqlstore.Store
	caDir                 string
	roleID, hcID          int64
	approvers, applicants []actor
}

// setup seeds the demo data, saves a development CA with an empty CRL, and
// registers certificates for the 종로구보건소 demo approver, a second
// approver of the same centre, and three applicants of a clinic under it.
func setup(t *testing.T, ctx context.Context, dbURL, dir string) *fixture {
	t.Helper()
	st, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC()
	res, err := demo.Seed(ctx, st, now)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, caDir: filepath.Join(dir, "ca"), roleID: res.UserRoleID, hcID: res.Institutions["HC-11110"]}
	ca, err := pki.NewDevCA("gwanmun-multi")
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.Save(f.caDir); err != nil {
		t.Fatal(err)
	}
	crl, err := ca.CRL(now.Add(24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.caDir, "intermediate.crl"), crl, 0o644); err != nil {
		t.Fatal(err)
	}
	register := func(u domain.User) actor {
		is, err := ca.Issue(pki.IssueOptions{Name: u.Name})
		if err != nil {
			t.Fatal(err)
		}
		kh := sha256.Sum256(is.Cert.RawSubjectPublicKeyInfo)
		c := domain.Certificate{UserID: u.ID, SubjectDN: is.Cert.Subject.String(), IssuerDN: is.Cert.Issuer.String(),
			Serial: is.Cert.SerialNumber.Text(16), KeyHash: kh[:], NotBefore: is.Cert.NotBefore, NotAfter: is.Cert.NotAfter,
			PolicyOID: pki.OIDDevPersonal, Class: domain.CertPersonal, DER: is.Cert.Raw}
		if err := st.AddCertificate(ctx, &c); err != nil {
			t.Fatal(err)
		}
		return actor{user: u, key: is.Key, cert: is.Cert}
	}
	cv, err := st.LatestConsentVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newUser := func(login, name string, inst int64) domain.User {
		u := domain.User{LoginID: login, Name: name, InstitutionID: inst, Status: domain.UserActive,
			ConsentVersion: cv.Version, ConsentAt: now, Pseudonym: "multi-" + login}
		if err := st.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	first, err := st.GetUserByLoginID(ctx, "approver11110")
	if err != nil {
		t.Fatal(err)
	}
	second := newUser("approver11110b", "둘째승인자", f.hcID)
	if err := st.CreateGrant(ctx, &domain.Grant{UserID: second.ID, RoleID: res.ApproverRoleID, GrantedAt: now}); err != nil {
		t.Fatal(err)
	}
	f.approvers = []actor{register(first), register(second)}
	for i := range 3 {
		u := newUser(fmt.Sprintf("multi-%02d", i+1), fmt.Sprintf("다중시험%02d", i+1), res.Institutions["91111001"])
		f.applicants = append(f.applicants, register(u))
	}
	return f
}

// buildGwanmun builds ./cmd/gwanmun into dir.
func buildGwanmun(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "gwanmun")
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/gwanmun")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is one `gwanmun serve` process.
type server struct {
	name, addr string
}

// startServer runs `gwanmun serve` on a free port with the shared public
// origin and trust settings plus extra, waits until /readyz answers 200,
// and stops it (SIGINT) at cleanup. Its output goes to dir/server-NAME.log.
func startServer(t *testing.T, bin, dbURL, caDir, dir, name string, extra []string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	logPath := filepath.Join(dir, "server-"+name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--addr", addr, "--base-url", publicOrigin, "--db", dbURL, "--dev-ca", caDir,
		"--crl-file", filepath.Join(caDir, "intermediate.crl"), "--fetch-crl=false"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "GWANMUN_CSRF_KEY_FILE=", "GWANMUN_SMTP_HOST=")
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("server %s log (last 2000 bytes):\n%s", name, tail(b, 2000))
			}
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			b, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("server %s exited before it was ready:\n%s", name, tail(b, 2000))
		case <-time.After(20 * time.Millisecond):
		}
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return &server{name: name, addr: addr}, nil
			}
		}
	}
	return nil, fmt.Errorf("server %s not ready within 30 s", name)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

var metaCSRF = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// browser is one user agent. Its cookie jar is shared by every process:
// cookies are not separated by port, as they would not be behind one
// load balancer.
type browser struct {
	hc   *http.Client
	csrf string
}

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{hc: &http.Client{Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get loads path from s and keeps the page's CSRF token.
func (br *browser) get(ctx context.Context, s *server, path string) (int, string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+path, nil)
	resp, err := br.hc.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := metaCSRF.FindSubmatch(body); m != nil {
		br.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

// post sends a form, or JSON when jsonBody is not nil, with the CSRF
// token; accept, when given, is the Accept header. A transport error is
// reported as status 0 with the error as body.
func (br *browser) post(ctx context.Context, s *server, path string, form url.Values, jsonBody []byte, accept ...string) (*http.Response, []byte) {
	var req *http.Request
	if jsonBody != nil {
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, "http://"+s.addr+path, bytes.NewReader(jsonBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
	} else {
		form.Set("csrf_token", br.csrf)
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, "http://"+s.addr+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, a := range accept {
		req.Header.Set("Accept", a)
	}
	req.Header.Set("Origin", publicOrigin)
	req.Header.Set("X-CSRF-Token", br.csrf)
	resp, err := br.hc.Do(req)
	if err != nil {
		return &http.Response{StatusCode: 0, Header: http.Header{}}, []byte(err.Error())
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

// login fetches a login challenge from one process, checks that it is
// bound to the public origin, signs it with a's key and posts the
// signature to the other process; it needs a 200 with a session cookie.
func (br *browser) login(ctx context.Context, from, to *server, a actor) error {
	if status, _ := br.get(ctx, from, "/"); status != http.StatusOK {
		return fmt.Errorf("GET / on %s: %d", from.name, status)
	}
	res, body := br.post(ctx, from, "/auth/challenge", nil, []byte(`{"purpose":"login"}`))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("challenge on %s: %d %s", from.name, res.StatusCode, body)
	}
	var ch struct{ Nonce, Message, Origin string }
	if err := json.Unmarshal(body, &ch); err != nil {
		return fmt.Errorf("challenge: %v", err)
	}
	if ch.Origin != publicOrigin || !strings.Contains(ch.Message, publicOrigin) {
		return fmt.Errorf("challenge not bound to the public origin %s: %s", publicOrigin, body)
	}
	d := sha256.Sum256([]byte(ch.Message))
	sig, err := rsa.SignPKCS1v15(nil, a.key, crypto.SHA256, d[:])
	if err != nil {
		return err
	}
	lb, _ := json.Marshal(pki.SignedResponse{Nonce: ch.Nonce, Certificate: base64.StdEncoding.EncodeToString(a.cert.Raw),
		Signature: base64.StdEncoding.EncodeToString(sig)})
	res, body = br.post(ctx, to, "/login", nil, lb)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("login on %s: %d %s", to.name, res.StatusCode, body)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "gwanmun_session" && ck.Value != "" {
			return nil
		}
	}
	return fmt.Errorf("login on %s: no session cookie: %s", to.name, body)
}
