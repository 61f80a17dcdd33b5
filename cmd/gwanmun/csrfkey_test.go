package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadCSRFKey: the key is the file's bytes without surrounding white
// space; short keys and missing files are refused with a clear error.
func TestReadCSRFKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := strings.Repeat("k", 44)
	got, err := readCSRFKey(write("ok", "  "+key+"\n"))
	if err != nil || string(got) != key {
		t.Errorf("readCSRFKey = %q, %v; want %q", got, err, key)
	}
	if _, err := readCSRFKey(write("short", strings.Repeat("k", 31)+"\n\n")); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("31-byte key: err = %v, want 'at least 32'", err)
	}
	if _, err := readCSRFKey(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "CSRF key file") {
		t.Errorf("missing file: err = %v", err)
	}
}
