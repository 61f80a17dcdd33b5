package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/testenv"
)

// privatePG is a PostgreSQL cluster of the test's own, which the test may
// stop and start (never the machine's shared server).
type privatePG struct {
	t        *testing.T
	bin, dir string
	port     int
	run      []string // "runuser -u postgres --" when running as root
}

func startPrivatePG(t *testing.T) *privatePG {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	if len(dirs) == 0 {
		testenv.Missing(t, "PostgreSQL server binaries", "install Debian's postgresql package (scripts/test.sh does)")
	}
	p := &privatePG{t: t, bin: dirs[len(dirs)-1]}
	dir, err := os.MkdirTemp("", "gwanmun-outage-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if u, _ := user.Current(); u != nil && u.Uid == "0" {
		pg, err := user.Lookup("postgres")
		if err != nil {
			testenv.Missing(t, "the postgres system user", "running as root, initdb must run as postgres")
		}
		exec.Command("chown", pg.Username, dir).Run()
		p.run = []string{"runuser", "-u", "postgres", "--"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	p.cmd("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust")
	p.start()
	t.Cleanup(func() { p.ctl("stop", "-m", "immediate") })
	return p
}

func (p *privatePG) cmd(name string, args ...string) {
	p.t.Helper()
	argv := append(append([]string{}, p.run...), append([]string{filepath.Join(p.bin, name)}, args...)...)
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		p.t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

func (p *privatePG) ctl(args ...string) error {
	argv := append(append([]string{}, p.run...), append([]string{filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(p.dir, "data")}, args...)...)
	return exec.Command(argv[0], argv[1:]...).Run()
}

func (p *privatePG) start() {
	p.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", p.port, p.dir)
	if err := p.ctl("-l", filepath.Join(p.dir, "log"), "-w", "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		p.t.Fatalf("pg_ctl start: %v\n%s", err, log)
	}
}

func (p *privatePG) stop() {
	p.t.Helper()
	if err := p.ctl("-w", "-m", "fast", "stop"); err != nil {
		p.t.Fatalf("pg_ctl stop: %v", err)
	}
}

func (p *privatePG) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", p.port)
}

// TestOutage stops PostgreSQL under a running gwanmun: requests fail fast
// with 503 (JSON and page) and Retry-After, nothing half-written, and the
// service resumes by itself when PostgreSQL is back.
func TestOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("outage test: skipped with -short")
	}
	pg := startPrivatePG(t)
	dir := t.TempDir()
	o := Options{DB: pg.url(), Bin: buildGwanmun(t, dir), Dir: dir, Applicants: 1, Log: testWriter{t}}
	st, caDir, _, applicants, roleID, hcID, err := setup(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := startServer(t.Context(), o, caDir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.kill()
	c := newClient(srv.base)
	if _, err := c.login(t.Context(), st, applicants[0]); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		t.Helper()
		var err error
		for range 5 { // the test's own pool may hold connections of the stopped server
			if err = st.DB().QueryRowContext(t.Context(), "SELECT (SELECT COUNT(*) FROM role_requests) + (SELECT COUNT(*) FROM audit_events) + (SELECT COUNT(*) FROM audit_pending)").Scan(&n); err == nil {
				return n
			}
		}
		t.Fatalf("count rows: %v", err)
		return 0
	}
	before := count()

	pg.stop()
	form := url.Values{"role_id": {fmt.Sprint(roleID)}, "approver_id": {fmt.Sprint(hcID)}, "justification": {"장애 시험"}}
	start := time.Now()
	resp, body, err := c.post(t.Context(), "/account/roles/request", form, nil)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("request during the outage took %s; want it to fail fast", took)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "잠시 후 다시 시도하세요") {
		t.Errorf("request during the outage: %d, Retry-After %q:\n%.300s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.base+"/menu", nil)
	req.Header.Set("Accept", "application/json")
	jr, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	jr.Body.Close()
	if jr.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(jr.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /menu (JSON) during the outage: %d %s", jr.StatusCode, jr.Header.Get("Content-Type"))
	}
	if r, err := http.Get(srv.base + "/readyz"); err != nil || r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %v %v", r, err)
	}

	pg.start()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, _, err := c.post(t.Context(), "/account/roles/request", form, nil)
		if err == nil && resp.StatusCode == http.StatusSeeOther {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not resume within 20 s after PostgreSQL returned: %v %v", resp, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Nothing of the refused request was written: exactly the one request
	// made after the outage, with its audit event.
	if after := count(); after != before+2 {
		t.Errorf("requests+audit events: %d before, %d after one successful request; want +2", before, after)
	}
	if bad, err := st.VerifyAuditChain(t.Context()); err != nil || bad != 0 {
		t.Errorf("audit chain: %d %v", bad, err)
	}
}
