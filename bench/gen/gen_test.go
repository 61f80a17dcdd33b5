package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// pgSchemaURL creates a fresh schema on the PostgreSQL test server and
// returns a URL whose connections use it; the schema is dropped afterwards.
func pgSchemaURL(t *testing.T) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := "gen_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestGenerateSQLite(t *testing.T) {
	t.Parallel()
	testGenerate(t, filepath.Join(t.TempDir(), "gen.db"))
}

func TestGeneratePostgres(t *testing.T) {
	t.Parallel()
	testGenerate(t, pgSchemaURL(t))
}

// testGenerate runs the generator twice on one database (the second run
// adds to the first, as on a database in use) and checks the counts, that
// every request state occurs, the one-pending and one-grant rules, and the
// audit chain.
func testGenerate(t *testing.T, dbURL string) {
	ctx := t.Context()
	st, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Some events before the run, which the generated ones must chain to.
	for i := range 3 {
		if err := st.AppendAudit(ctx, &domain.AuditEvent{Action: "test.before", TargetID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	cfg := config{Users: 1500, Requests: 4000, Audit: 6000, Institutions: 40, Batch: 700, Seed: 7, Log: &log}
	for run := range 2 {
		cfg.Seed += uint64(run)
		c, err := generate(ctx, st, cfg)
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, log.String())
		}
		if c.Users != 1500 || c.Certificates != 1500 || c.Requests != 4000 || c.Audit != 6000 || c.Institutions != 40 {
			t.Errorf("run %d: counts %+v", run, c)
		}
		for _, s := range []domain.RequestStatus{domain.RequestPending, domain.RequestApproved, domain.RequestRejected,
			domain.RequestCancelled, domain.RequestExpired} {
			if c.ByStatus[s] == 0 {
				t.Errorf("run %d: no %s request: %v", run, s, c.ByStatus)
			}
		}
	}
	db := st.DB()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count("SELECT COUNT(*) FROM users WHERE login_id LIKE 'gen%'"); n != 3000 {
		t.Errorf("generated users = %d, want 3000", n)
	}
	if n := count("SELECT COUNT(DISTINCT key_hash) FROM certificates"); n != count("SELECT COUNT(*) FROM certificates") {
		t.Errorf("key hashes not unique")
	}
	if n := count("SELECT COUNT(*) FROM role_requests r JOIN role_grants g ON g.request_id = r.id WHERE r.status <> 'approved'"); n != 0 {
		t.Errorf("%d grants of requests not approved", n)
	}
	if n := count("SELECT COUNT(*) FROM audit_events"); n != 3+12000 {
		t.Errorf("audit events = %d", n)
	}
	if n := count(`SELECT COUNT(*) FROM role_requests r JOIN institutions i ON i.id = r.approver_institution_id
		WHERE i.kind <> 'health_centre'`); n != 0 {
		t.Errorf("%d requests not addressed to a health centre", n)
	}
	// Pending requests as a running sweep leaves them: reminded after a
	// day and escalated after three, not before (a minute's slack for the
	// time between the generator's clock and this one).
	dayAgo := func(days int, slack time.Duration) string {
		return fmt.Sprint(time.Now().Add(-time.Duration(days)*24*time.Hour + slack).UnixMicro())
	}
	if n := count(`SELECT COUNT(*) FROM role_requests WHERE status = 'pending' AND (
		(reminded_at IS NULL AND created_at < ` + dayAgo(1, -time.Minute) + `)
		OR (reminded_at IS NOT NULL AND created_at > ` + dayAgo(1, time.Minute) + `)
		OR (escalated_at IS NULL AND created_at < ` + dayAgo(3, -time.Minute) + `)
		OR (escalated_at IS NOT NULL AND created_at > ` + dayAgo(3, time.Minute) + `))`); n != 0 {
		t.Errorf("%d pending requests reminded or escalated unlike the sweep", n)
	}
	if n := count("SELECT COUNT(*) FROM role_requests WHERE status = 'pending' AND escalated_at IS NOT NULL"); n == 0 {
		t.Error("no pending request escalated")
	}
	if bad, err := st.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Fatalf("audit chain: bad seq %d: %v", bad, err)
	}
	// The store still works on top: the inbox of a health centre, and new
	// rows get fresh IDs (the identity sequences moved past the copied IDs).
	var hc int64
	if err := db.QueryRowContext(ctx, "SELECT approver_institution_id FROM role_requests WHERE status = 'pending' LIMIT 1").Scan(&hc); err != nil {
		t.Fatal(err)
	}
	reqs, total, err := st.ListRequests(ctx, store.RequestFilter{ApproverInstitutionID: hc, Status: domain.RequestPending})
	if err != nil || total == 0 || len(reqs) == 0 {
		t.Fatalf("inbox of %d: %d of %d, %v", hc, len(reqs), total, err)
	}
	u := domain.User{LoginID: "after-gen", Status: domain.UserActive}
	if err := st.CreateUser(ctx, &u); err != nil {
		t.Fatalf("create user after the bulk load: %v", err)
	}
	if err := st.AppendAudit(ctx, &domain.AuditEvent{Action: "test.after", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if bad, err := st.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Fatalf("audit chain after one more event: bad seq %d: %v", bad, err)
	}
	// Login users have real keys registered.
	path, err := addLoginUsers(ctx, st, t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetUserByLoginID(ctx, "gen-login-00002"); err != nil {
		t.Errorf("login user: %v (keys in %s)", err, path)
	}
}

func TestRunFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"-users", "10"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "-db") {
		t.Errorf("run without -db: %v", err)
	}
	if err := run(context.Background(), []string{"-db", filepath.Join(t.TempDir(), "x.db"), "-users", "0"}, &out, &errb); err == nil {
		t.Errorf("run with -users 0 succeeded")
	}
}
