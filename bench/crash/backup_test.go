package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// snapshot copies the ledger: the actions acknowledged so far.
func (l *ledger) snapshot() *ledger {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := &ledger{sessions: slices.Clone(l.sessions), requested: map[int64]int{}, approved: slices.Clone(l.approved),
		revoked: slices.Clone(l.revoked), failures: l.failures}
	for k, v := range l.requested {
		c.requested[k] = v
	}
	return c
}

// pgDatabaseURL creates a fresh database on the PostgreSQL test server
// and returns its URL with the search_path of srcURL, so that a schema
// restores under its own name.
func pgDatabaseURL(t *testing.T, srcURL string) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := "restore_" + strings.ToLower(fmt.Sprintf("%x", rand.Uint64()))
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(srcURL)
	u.Path = "/" + name
	return u.String()
}

// TestBackupUnderLoad takes a backup with `gwanmun backup` while the
// crash test's load (logins, requests, approvals, relinquishments) runs
// against `gwanmun serve`, restores it elsewhere with `gwanmun restore`,
// and checks the restored database: every action acknowledged before the
// backup started is in it, nothing is half-made, the audit chain
// verifies, and a server on it accepts logins. The SQLite backup is
// plain, the PostgreSQL one encrypted.
func TestBackupUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("backup under load: skipped with -short")
	}
	bin := buildGwanmun(t, t.TempDir())
	for _, tc := range []struct {
		name     string
		src, dst func(dir, src string) string
		encrypt  bool
	}{
		{"sqlite", func(dir, _ string) string { return filepath.Join(dir, "live.db") },
			func(dir, _ string) string { return filepath.Join(dir, "restored", "gwanmun.db") }, false},
		{"postgres", func(string, string) string {
			testenv.Command(t, "pg_dump")
			testenv.Command(t, "pg_restore")
			return pgSchemaURL(t)
		}, func(_, src string) string { return pgDatabaseURL(t, src) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			dir := t.TempDir()
			o := Options{DB: tc.src(dir, ""), Bin: bin, Dir: dir, Applicants: 4, Seed: uint64(time.Now().UnixNano()), Log: testWriter{t}}
			st, caDir, approver, applicants, roleID, hcID, err := setup(ctx, o)
			if err != nil {
				t.Fatalf("setup: %v", err)
			}
			defer st.Close()
			srv, err := startServer(ctx, o, caDir, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.kill()
			l := &ledger{requested: map[int64]int{}}
			lctx, stopLoad := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for i, a := range applicants {
				wg.Go(func() {
					applicantLoop(lctx, st, srv.base, a, roleID, hcID, l, rand.New(rand.NewPCG(o.Seed, uint64(i))))
				})
			}
			wg.Go(func() { approverLoop(lctx, st, srv.base, approver, hcID, l) })
			defer func() { stopLoad(); wg.Wait() }()

			// Let the load get going: some requests approved and relinquished.
			for {
				s := l.snapshot()
				if len(s.approved) >= 3 && len(s.revoked) >= 1 {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatal("the load made no progress")
				case <-time.After(50 * time.Millisecond):
				}
			}
			before := l.snapshot()
			args := []string{"backup", "--db", o.DB, "--out", filepath.Join(dir, "gwanmun.backup")}
			if tc.encrypt {
				pass := filepath.Join(dir, "passphrase")
				os.WriteFile(pass, []byte("a passphrase for the backup test\n"), 0o600)
				args = append(args, "--passphrase-file", pass)
			}
			out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("gwanmun backup: %v\n%s", err, out)
			}
			t.Logf("%s", out)
			during := l.snapshot()
			stopLoad()
			wg.Wait()
			t.Logf("acknowledged before the backup: %d logins, %d requests, %d approvals, %d relinquished; by its end: %d approvals, %d relinquished",
				len(before.sessions), sum(before.requested), len(before.approved), len(before.revoked), len(during.approved), len(during.revoked))

			dst := tc.dst(dir, o.DB)
			args = []string{"restore", "--from", filepath.Join(dir, "gwanmun.backup"), "--db", dst}
			if tc.encrypt {
				args = append(args, "--passphrase-file", filepath.Join(dir, "passphrase"))
			}
			out, err = exec.CommandContext(ctx, bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("gwanmun restore: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "audit chain intact") {
				t.Errorf("restore did not report an intact audit chain:\n%s", out)
			}
			t.Logf("%s", out)

			rst, err := sqlstore.Open(ctx, dst)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range check(ctx, rst, before) {
				t.Error("restored database:", p)
			}
			rst.Close()

			// A server on the restored database serves logins.
			ro := o
			ro.DB = dst
			rsrv, err := startServer(ctx, ro, caDir, 1)
			if err != nil {
				t.Fatalf("serve the restored database: %v", err)
			}
			defer rsrv.kill()
			for _, a := range []actor{applicants[0], approver} {
				if _, err := newClient(rsrv.base).signIn(ctx, a); err != nil {
					t.Errorf("login of %s on the restored database: %v", a.user.LoginID, err)
				}
			}
		})
	}
}
