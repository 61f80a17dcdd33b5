package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRestoreCommands runs the commands as an operator would on
// SQLite (bench/crash's TestBackupUnderLoad does it under load, on both
// databases): the restored database has the events, a broken audit chain
// in a backup fails the restore, and usage errors exit 2.
func TestBackupRestoreCommands(t *testing.T) {
	src := auditDB(t, 7)
	dir := t.TempDir()
	out := filepath.Join(dir, "b.backup")
	code, stdout, errs := runGwanmun(t, "backup", "--db", src, "--out", out)
	if code != 0 || !strings.Contains(stdout, "schema version") {
		t.Fatalf("backup: %d %q %q", code, stdout, errs)
	}
	dst := filepath.Join(dir, "restored.db")
	code, stdout, errs = runGwanmun(t, "restore", "--from", out, "--db", dst)
	if code != 0 || !strings.Contains(stdout, "OK") || !strings.Contains(stdout, "7 events") {
		t.Fatalf("restore: %d %q %q", code, stdout, errs)
	}
	code, _, errs = runGwanmun(t, "restore", "--from", out, "--db", dst)
	if code != 1 || !strings.Contains(errs, "not empty") {
		t.Errorf("restore over a database: %d %q", code, errs)
	}

	// A backup whose audit log was edited restores, and the restore says
	// the chain is broken and fails.
	tamper(t, out, "UPDATE audit_events SET target_id = '999' WHERE seq = 3")
	code, stdout, _ = runGwanmun(t, "restore", "--from", out, "--db", filepath.Join(dir, "tampered.db"))
	if code != 1 || !strings.Contains(stdout, "BROKEN") || !strings.Contains(stdout, "event 3") {
		t.Errorf("restore of a tampered backup: %d %q", code, stdout)
	}

	for _, args := range [][]string{{"backup", "--db", src}, {"restore", "--db", dst}, {"backup", "--out", "x", "extra"}} {
		if code, _, _ := runGwanmun(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	pass := filepath.Join(dir, "short")
	os.WriteFile(pass, []byte("short\n"), 0o600)
	if code, _, errs := runGwanmun(t, "backup", "--db", src, "--out", filepath.Join(dir, "e"), "--passphrase-file", pass); code != 1 || !strings.Contains(errs, "at least 12") {
		t.Errorf("short passphrase: %d %q", code, errs)
	}
}
