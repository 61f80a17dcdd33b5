package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/gwanmun/gwanmun/internal/testenv"
)

// repoRoot is the module's root directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// newestMigration returns the highest migration number in dir and its
// file name.
func newestMigration(t *testing.T, dir string) (int64, string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var v int64
	var name string
	for _, e := range ents {
		n, _, _ := strings.Cut(e.Name(), "_")
		if x, err := strconv.ParseInt(n, 10, 64); err == nil && x > v {
			v, name = x, e.Name()
		}
	}
	return v, name
}

// buildPrevious builds gwanmun as it was just before the newest
// PostgreSQL migration was added: the previous release, as far as the
// schema goes. It returns the binary and the newest migration that
// binary knows.
func buildPrevious(t *testing.T) (bin string, known int64) {
	t.Helper()
	git := testenv.Command(t, "git")
	root := repoRoot()
	migs := "internal/store/sqlstore/migrations/postgres"
	_, newest := newestMigration(t, filepath.Join(root, migs))
	out, err := exec.Command(git, "-C", root, "log", "-1", "--format=%H", "--diff-filter=A", "--", migs+"/"+newest).Output()
	commit := strings.TrimSpace(string(out))
	if err != nil || commit == "" {
		testenv.Missing(t, "the git history of "+newest, "run the test in a git clone with its history")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	archive := exec.Command("sh", "-c", fmt.Sprintf("%q -C %q archive --format=tar %s^ | tar -x -C %q", git, root, commit, src))
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive %s^: %v\n%s", commit[:12], err, out)
	}
	bin = filepath.Join(dir, "gwanmun-previous")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gwanmun")
	build.Dir = src
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the previous release (%s^): %v\n%s", commit[:12], err, out)
	}
	known, _ = newestMigration(t, filepath.Join(src, migs))
	t.Logf("previous release: %s^, schema version %d", commit[:12], known)
	return bin, known
}

// TestUpgradeWhileServing is the rolling upgrade of docs/operations.md
// on PostgreSQL: the previous release serves under load (logins,
// requests, approvals) while the current binary's `gwanmun migrate`
// applies the newer migrations under it. The old process must keep
// serving — no failed request, new logins accepted after the migration —
// the database must be consistent with every acknowledged action and its
// audit chain intact, and the old binary must then refuse to start on the
// newer schema rather than run on it. A newest migration that older
// processes cannot run beside fails this test: it must then be listed as
// needing the stop in docs/operations.md ("Upgrades") and the test
// changed with it.
func TestUpgradeWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("upgrade test: skipped with -short")
	}
	ctx := t.Context()
	dbURL := pgSchemaURL(t)
	newBin := buildGwanmun(t, t.TempDir())
	oldBin, oldVersion := buildPrevious(t)

	dir := t.TempDir()
	o := Options{DB: dbURL, Bin: oldBin, Dir: dir, Applicants: 4, Seed: uint64(time.Now().UnixNano()), Log: testWriter{t}}
	// Seed with the current code, then take the schema back to what the
	// previous release knows (goose's down migrations, from the source
	// tree).
	st, caDir, approver, applicants, roleID, hcID, err := setup(ctx, o)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	defer st.Close()
	raw, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, raw, os.DirFS(filepath.Join(repoRoot(), "internal/store/sqlstore/migrations/postgres")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, oldVersion); err != nil {
		t.Fatalf("migrate down to %d: %v", oldVersion, err)
	}
	if v, _ := p.GetDBVersion(ctx); v != oldVersion {
		t.Fatalf("schema version %d after down, want %d", v, oldVersion)
	}

	srv, err := startServer(ctx, o, caDir, 0) // the previous release
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
	waitFor := func(what string, ok func(*ledger) bool) {
		t.Helper()
		for !ok(l.snapshot()) {
			select {
			case <-ctx.Done():
				t.Fatalf("the load made no progress: %s", what)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	waitFor("approvals before the migration", func(s *ledger) bool { return len(s.approved) >= 3 })

	out, err := exec.CommandContext(ctx, newBin, "migrate", "--db", dbURL).CombinedOutput()
	if err != nil {
		t.Fatalf("gwanmun migrate (current) beside the previous release: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	after := len(l.snapshot().approved)
	waitFor("approvals after the migration", func(s *ledger) bool { return len(s.approved) >= after+3 })
	// New logins on the old process, on the new schema.
	for _, a := range append([]actor{approver}, applicants...) {
		if _, err := newClient(srv.base).signIn(ctx, a); err != nil {
			t.Errorf("login of %s on the previous release after the migration: %v", a.user.LoginID, err)
		}
	}
	// Failures counted before the load stops (stopping cancels requests
	// in flight, which the loops count as failures).
	s := l.snapshot()
	t.Logf("%d logins, %d requests, %d approvals, %d relinquished, %d failures", len(s.sessions), sum(s.requested), len(s.approved), len(s.revoked), s.failures)
	if s.failures != 0 {
		t.Errorf("%d requests to the previous release failed during the upgrade", s.failures)
	}
	stopLoad()
	wg.Wait()
	for _, p := range check(ctx, st, l.snapshot()) {
		t.Error(p)
	}

	// The previous release refuses to start on the newer schema.
	srv.kill()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err = exec.CommandContext(sctx, oldBin, "serve", "--addr", "127.0.0.1:0", "--db", dbURL, "--dev-ca", caDir, "--fetch-crl=false").CombinedOutput()
	if err == nil || sctx.Err() != nil || !strings.Contains(string(out), "newer") {
		t.Errorf("the previous release on the newer schema: err %v, output:\n%s", err, out)
	}
}
