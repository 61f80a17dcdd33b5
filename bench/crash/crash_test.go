package main

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/testenv"
)

// buildGwanmun builds ./cmd/gwanmun into dir.
func buildGwanmun(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "gwanmun")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/gwanmun")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// pgSchemaURL creates a fresh schema on the PostgreSQL test server and
// returns a URL whose connections use it.
func pgSchemaURL(t *testing.T) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := "crash_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestCrash is the CI size of the crash test: 10 SIGKILLs under load, on
// SQLite and PostgreSQL.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	bin := buildGwanmun(t, t.TempDir())
	for _, tc := range []struct {
		name string
		db   func(dir string) string
	}{
		{"sqlite", func(dir string) string { return filepath.Join(dir, "crash.db") }},
		{"postgres", func(string) string { return pgSchemaURL(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{DB: tc.db(dir), Bin: bin, Dir: dir, Kills: 10, MinUp: 200 * time.Millisecond,
				MaxUp: 1200 * time.Millisecond, Applicants: 4, Seed: uint64(time.Now().UnixNano()), Log: testWriter{t}}
			rep, err := Run(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", *rep)
			for _, p := range rep.Problems {
				t.Error(p)
			}
			if rep.Kills != 10 {
				t.Errorf("%d kills, want 10", rep.Kills)
			}
			// The load must have done something for the checks to mean anything.
			if rep.Logins == 0 || rep.Requests == 0 || rep.Approvals == 0 {
				t.Errorf("too little load got through: %+v", *rep)
			}
		})
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
