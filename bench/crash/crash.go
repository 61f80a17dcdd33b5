package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// Options configure a crash run.
type Options struct {
	DB         string        // database URL (SQLite path or postgres://)
	Bin        string        // the gwanmun binary
	Dir        string        // work directory: CA, server logs
	Kills      int           // SIGKILLs
	MinUp      time.Duration // the server runs between MinUp and MaxUp before each kill
	MaxUp      time.Duration
	Applicants int
	Seed       uint64
	Log        io.Writer
}

// Report is what a run did and found.
type Report struct {
	Kills                                   int
	Logins, Requests, Approvals, Relinquish int // successful responses
	Failures                                int // requests without a success response (mostly killed mid-way)
	Problems                                []string
}

// actor is a user the load drives, with its certificate and key.
type actor struct {
	user domain.User
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// ledger records every success response, to check against the database.
type ledger struct {
	mu        sync.Mutex
	sessions  []string      // session IDs (SHA-256 hex of the cookie) of successful logins
	requested map[int64]int // user ID -> successful request responses
	approved  []int64       // request IDs approved with a success response
	revoked   []int64       // grant IDs relinquished with a success response
	failures  int
}

// setup seeds the demo data, creates a development CA and registers the
// applicants (under the demo clinic 91111001 of 종로구보건소) and the
// 종로구 approver with real keys.
func setup(ctx context.Context, o Options) (st *sqlstore.Store, caDir string, approver actor, applicants []actor, roleID, hcID int64, err error) {
	st, err = sqlstore.Open(ctx, o.DB)
	if err != nil {
		return
	}
	now := time.Now().UTC()
	res, err := demo.Seed(ctx, st, now)
	if err != nil {
		return
	}
	roleID, hcID = res.UserRoleID, res.Institutions["HC-11110"]
	ca, err := pki.NewDevCA("gwanmun-crash")
	if err != nil {
		return
	}
	caDir = filepath.Join(o.Dir, "ca")
	if err = ca.Save(caDir); err != nil {
		return
	}
	register := func(u domain.User) (actor, error) {
		is, err := ca.Issue(pki.IssueOptions{Name: u.Name})
		if err != nil {
			return actor{}, err
		}
		kh := sha256.Sum256(is.Cert.RawSubjectPublicKeyInfo)
		c := domain.Certificate{UserID: u.ID, SubjectDN: is.Cert.Subject.String(), IssuerDN: is.Cert.Issuer.String(),
			Serial: is.Cert.SerialNumber.Text(16), KeyHash: kh[:], NotBefore: is.Cert.NotBefore, NotAfter: is.Cert.NotAfter,
			PolicyOID: pki.OIDDevPersonal, Class: domain.CertPersonal, DER: is.Cert.Raw}
		if err := st.AddCertificate(ctx, &c); err != nil {
			return actor{}, err
		}
		return actor{user: u, key: is.Key, cert: is.Cert}, nil
	}
	au, err := st.GetUserByLoginID(ctx, "approver11110")
	if err != nil {
		return
	}
	if approver, err = register(au); err != nil {
		return
	}
	clinic := res.Institutions["91111001"]
	cv, err := st.LatestConsentVersion(ctx)
	if err != nil {
		return
	}
	for i := range o.Applicants {
		u := domain.User{LoginID: fmt.Sprintf("crash-%03d", i+1), Name: fmt.Sprintf("충돌시험%03d", i+1), InstitutionID: clinic,
			Status: domain.UserActive, ConsentVersion: cv.Version, ConsentAt: now, Pseudonym: fmt.Sprintf("crash%011d", i+1)}
		if err = st.CreateUser(ctx, &u); err != nil {
			return
		}
		var a actor
		if a, err = register(u); err != nil {
			return
		}
		applicants = append(applicants, a)
	}
	return
}

// server is one gwanmun serve process.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

// startServer runs `gwanmun serve` on a free port and waits until /readyz
// answers 200.
func startServer(ctx context.Context, o Options, caDir string, n int) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(filepath.Join(o.Dir, fmt.Sprintf("server-%02d.log", n)))
	if err != nil {
		return nil, err
	}
	base := "http://" + addr
	cmd := exec.Command(o.Bin, "serve", "--addr", addr, "--base-url", base, "--db", o.DB, "--dev-ca", caDir,
		"--fetch-crl=false")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "GWANMUN_CSRF_KEY=", "GWANMUN_SMTP_HOST=")
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{cmd: cmd, base: base, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited before it was ready; see %s", logf.Name())
		case <-ctx.Done():
			s.kill()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
	s.kill()
	return nil, errors.New("server not ready within 30 s")
}

// kill sends SIGKILL and waits for the process to end.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

var metaCSRF = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// client is one browser of an actor against one server.
type client struct {
	base string
	hc   *http.Client
	csrf string
}

func newClient(base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page GETs path and keeps its CSRF token.
func (c *client) page(ctx context.Context, path string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	if m := metaCSRF.FindSubmatch(body); m != nil {
		c.csrf = string(m[1])
	}
	return nil
}

// post sends a form (or JSON when body is given) with the CSRF token.
func (c *client) post(ctx context.Context, path string, form url.Values, jsonBody []byte) (*http.Response, []byte, error) {
	var req *http.Request
	if jsonBody != nil {
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(jsonBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
	} else {
		form.Set("csrf_token", c.csrf)
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Origin", c.base)
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

// login signs a login challenge with a's key; it returns the session ID
// (the store key of the cookie's token, under the secret st holds).
func (c *client) login(ctx context.Context, st store.Store, a actor) (string, error) {
	token, err := c.signIn(ctx, a)
	if err != nil {
		return "", err
	}
	tokens, err := auth.OpenSessionTokens(ctx, st, time.Now())
	if err != nil {
		return "", err
	}
	return tokens.Key(token), nil
}

// signIn logs a in with its certificate, opens 메뉴보기 and returns the
// session cookie's token.
func (c *client) signIn(ctx context.Context, a actor) (string, error) {
	if err := c.page(ctx, "/"); err != nil {
		return "", err
	}
	resp, body, err := c.post(ctx, "/auth/challenge", nil, []byte(`{"purpose":"login"}`))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("challenge: %d %s", resp.StatusCode, body)
	}
	var ch struct{ Nonce, Message string }
	if err := json.Unmarshal(body, &ch); err != nil {
		return "", err
	}
	d := sha256.Sum256([]byte(ch.Message))
	sig, err := rsa.SignPKCS1v15(nil, a.key, crypto.SHA256, d[:])
	if err != nil {
		return "", err
	}
	lb, _ := json.Marshal(pki.SignedResponse{Nonce: ch.Nonce, Certificate: base64.StdEncoding.EncodeToString(a.cert.Raw),
		Signature: base64.StdEncoding.EncodeToString(sig)})
	resp, body, err = c.post(ctx, "/login", nil, lb)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login: %d %s", resp.StatusCode, body)
	}
	for _, ck := range resp.Cookies() {
		if (ck.Name == "gwanmun_session" || ck.Name == "__Host-gwanmun_session") && ck.Value != "" {
			return ck.Value, c.page(ctx, "/menu")
		}
	}
	return "", errors.New("login: no session cookie")
}

// applicantLoop logs in, then requests the role, and relinquishes it once
// granted, until ctx ends.
func applicantLoop(ctx context.Context, st store.Store, base string, a actor, roleID, hcID int64, l *ledger, rng *rand.Rand) {
	c := newClient(base)
	fail := func() { l.mu.Lock(); l.failures++; l.mu.Unlock() }
	sid, err := c.login(ctx, st, a)
	if err != nil {
		fail()
		return
	}
	l.mu.Lock()
	l.sessions = append(l.sessions, sid)
	l.mu.Unlock()
	for ctx.Err() == nil {
		gs, err := st.ListGrants(ctx, store.GrantFilter{UserID: a.user.ID, RoleID: roleID, ActiveAt: time.Now()})
		if err != nil {
			return
		}
		if len(gs) > 0 {
			resp, _, err := c.post(ctx, fmt.Sprintf("/account/grants/%d/relinquish", gs[0].ID), url.Values{}, nil)
			if err == nil && resp.StatusCode == http.StatusSeeOther && strings.Contains(resp.Header.Get("Location"), "done=relinquished") {
				l.mu.Lock()
				l.revoked = append(l.revoked, gs[0].ID)
				l.mu.Unlock()
			} else {
				fail()
			}
			continue
		}
		form := url.Values{"role_id": {fmt.Sprint(roleID)}, "approver_id": {fmt.Sprint(hcID)}, "justification": {"충돌 시험"}}
		resp, _, err := c.post(ctx, "/account/roles/request", form, nil)
		switch {
		case err == nil && resp.StatusCode == http.StatusSeeOther && strings.Contains(resp.Header.Get("Location"), "done=requested"):
			l.mu.Lock()
			l.requested[a.user.ID]++
			l.mu.Unlock()
		case err == nil && resp.StatusCode < 500:
			// Refused (e.g. already pending): wait for the approver.
		default:
			fail()
		}
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
	}
}

// approverLoop logs in and approves pending requests of its centre, one
// or several at a time, until ctx ends.
func approverLoop(ctx context.Context, st store.Store, base string, a actor, hcID int64, l *ledger) {
	c := newClient(base)
	sid, err := c.login(ctx, st, a)
	if err != nil {
		l.mu.Lock()
		l.failures++
		l.mu.Unlock()
		return
	}
	l.mu.Lock()
	l.sessions = append(l.sessions, sid)
	l.mu.Unlock()
	for ctx.Err() == nil {
		reqs, _, err := st.ListRequests(ctx, store.RequestFilter{ApproverInstitutionID: hcID, Status: domain.RequestPending, Page: store.Page{Limit: 5}})
		if err != nil {
			return
		}
		if len(reqs) == 0 {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		form := url.Values{"action": {"approve"}}
		for _, r := range reqs {
			form.Add("id", fmt.Sprint(r.ID))
		}
		form.Set("csrf_token", c.csrf)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/approvals/decide", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Origin", c.base)
		req.Header.Set("X-CSRF-Token", c.csrf)
		resp, err := c.hc.Do(req)
		if err != nil {
			l.mu.Lock()
			l.failures++
			l.mu.Unlock()
			continue
		}
		var out struct {
			Results []struct {
				RequestID int64
				OK        bool
			} `json:"results"`
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if json.Unmarshal(body, &out) != nil {
			l.mu.Lock()
			l.failures++
			l.mu.Unlock()
			continue
		}
		l.mu.Lock()
		for _, r := range out.Results {
			if r.OK && r.RequestID != 0 {
				l.approved = append(l.approved, r.RequestID)
			}
		}
		l.mu.Unlock()
	}
}

// Run starts the server o.Kills times under load, kills it with SIGKILL
// at a random moment each time, and then checks the database against the
// ledger of success responses.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	st, caDir, approver, applicants, roleID, hcID, err := setup(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(o.Seed, 42))
	l := &ledger{requested: map[int64]int{}}
	rep := &Report{}
	for k := range o.Kills {
		srv, err := startServer(ctx, o, caDir, k)
		if err != nil {
			return rep, fmt.Errorf("start %d: %w", k, err)
		}
		lctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for i, a := range applicants {
			wg.Go(func() {
				applicantLoop(lctx, st, srv.base, a, roleID, hcID, l, rand.New(rand.NewPCG(o.Seed, uint64(k*1000+i))))
			})
		}
		wg.Go(func() { approverLoop(lctx, st, srv.base, approver, hcID, l) })
		up := o.MinUp + time.Duration(rng.Int64N(int64(o.MaxUp-o.MinUp)+1))
		select {
		case <-time.After(up):
		case <-ctx.Done():
		}
		srv.kill() // mid-load: requests in flight get no answer
		rep.Kills++
		cancel()
		wg.Wait()
		fmt.Fprintf(o.Log, "kill %d after %s: %d requests, %d approvals, %d relinquished so far\n", k+1, up.Round(time.Millisecond),
			sum(l.requested), len(l.approved), len(l.revoked))
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	// A last start proves the database opens after the last kill.
	srv, err := startServer(ctx, o, caDir, o.Kills)
	if err != nil {
		return rep, fmt.Errorf("start after the last kill: %w", err)
	}
	srv.kill()
	rep.Logins, rep.Requests, rep.Approvals, rep.Relinquish, rep.Failures = len(l.sessions), sum(l.requested), len(l.approved), len(l.revoked), l.failures
	rep.Problems = check(ctx, st, l)
	return rep, nil
}

func sum(m map[int64]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// check compares the database with the ledger: every success is there,
// nothing is half-made, and the audit chain verifies.
func check(ctx context.Context, st *sqlstore.Store, l *ledger) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	db := st.DB()
	for _, sid := range l.sessions {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sessions WHERE id = $1", sid).Scan(&n); err != nil || n != 1 {
			add("login answered 200 but its session is missing (%v)", err)
		}
	}
	for uid, want := range l.requested {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM role_requests WHERE user_id = $1", uid).Scan(&n); err != nil || n < want {
			add("user %d: %d request responses succeeded but %d requests stored (%v)", uid, want, n, err)
		}
	}
	for _, id := range l.approved {
		var status string
		var grants int
		if err := db.QueryRowContext(ctx, "SELECT status, (SELECT COUNT(*) FROM role_grants g WHERE g.request_id = r.id) FROM role_requests r WHERE id = $1", id).Scan(&status, &grants); err != nil || status != "approved" || grants != 1 {
			add("request %d approved by a success response but stored as %q with %d grants (%v)", id, status, grants, err)
		}
	}
	for _, id := range l.revoked {
		var revoked *int64
		if err := db.QueryRowContext(ctx, "SELECT revoked_at FROM role_grants WHERE id = $1", id).Scan(&revoked); err != nil || revoked == nil {
			add("grant %d relinquished by a success response but not revoked (%v)", id, err)
		}
	}
	// Nothing half-made: an approved request has exactly one grant, a
	// grant's request is approved, every request has an audit event.
	for _, q := range []struct{ what, sql string }{
		{"approved requests without exactly one grant", "SELECT COUNT(*) FROM role_requests r WHERE status = 'approved' AND (SELECT COUNT(*) FROM role_grants g WHERE g.request_id = r.id) <> 1"},
		{"grants of requests not approved", "SELECT COUNT(*) FROM role_grants g JOIN role_requests r ON r.id = g.request_id WHERE r.status <> 'approved'"},
		// Chained, or still queued for the sealer (audit_pending).
		{"requests without their request.create audit event", "SELECT COUNT(*) FROM role_requests r WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.action = 'request.create' AND a.target_id = CAST(r.id AS TEXT)) AND NOT EXISTS (SELECT 1 FROM audit_pending a WHERE a.action = 'request.create' AND a.target_id = CAST(r.id AS TEXT))"},
		{"users without a certificate", "SELECT COUNT(*) FROM users u WHERE u.login_id LIKE 'crash-%' AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.user_id = u.id)"},
	} {
		var n int
		if err := db.QueryRowContext(ctx, q.sql).Scan(&n); err != nil {
			add("%s: %v", q.what, err)
		} else if n != 0 {
			add("%d %s", n, q.what)
		}
	}
	if bad, err := st.VerifyAuditChain(ctx); err != nil || bad != 0 {
		add("audit chain broken at %d: %v", bad, err)
	}
	return p
}
