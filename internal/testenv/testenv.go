// Package testenv finds the external components that gwanmun's integration
// tests use (PostgreSQL, Chromium, OpenSSL, Node.js). A test that lacks one
// skips with a clear message on a developer's machine, and fails when the
// environment variable CI is "true": CI must run every test.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing stops the test because a component is absent: a skip locally, a
// failure in CI.
func Missing(tb testing.TB, what, hint string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("%s is not available (CI=true, so this fails): %s", what, hint)
	}
	tb.Skipf("%s is not available, skipping: %s", what, hint)
}

// PostgresURL returns the PostgreSQL test server URL from GWANMUN_TEST_PG.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("GWANMUN_TEST_PG")
	if u == "" {
		Missing(tb, "PostgreSQL", "set GWANMUN_TEST_PG=postgres://... or run scripts/test.sh, which starts one")
	}
	return u
}

// Chromium returns the path of a Chromium binary: GWANMUN_CHROMIUM, else
// chromium or chromium-browser on PATH.
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("GWANMUN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(tb, "Chromium", "install Debian's chromium package or run scripts/test.sh, which installs it")
	return ""
}

// Command returns the path of an executable on PATH.
func Command(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, name, "install it or run scripts/test.sh, which installs it")
	}
	return p
}
