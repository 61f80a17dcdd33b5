package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/testenv"
)

var units = []string{"gwanmun.service", "gwanmun-backup.service", "gwanmun-backup.timer"}

// copyUnits copies the units into a temporary directory with the binary's
// path replaced by an executable that exists there, for systemd-analyze.
func copyUnits(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	fake := filepath.Join(dir, "gwanmun")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.ReplaceAll(string(b), "/usr/local/bin/gwanmun", fake))
		if err := os.WriteFile(filepath.Join(dir, u), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestUnitsVerify runs systemd-analyze verify on the units: any message
// (an unknown or misspelt key, a value that does not parse, a missing
// executable) fails the test; systemd-analyze itself only warns.
func TestUnitsVerify(t *testing.T) {
	sa := testenv.Command(t, "systemd-analyze")
	dir := copyUnits(t)
	args := []string{"verify"}
	for _, u := range units {
		args = append(args, "./"+u)
	}
	cmd := exec.Command(sa, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestServiceHardened checks the service's sandbox with systemd-analyze
// security: the exposure stays at or below 2.0 ("OK"), and the settings
// the operations guide promises are there.
func TestServiceHardened(t *testing.T) {
	sa := testenv.Command(t, "systemd-analyze")
	dir := copyUnits(t)
	cmd := exec.Command(sa, "security", "--offline=yes", "--no-pager", "./gwanmun.service")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for gwanmun.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	if x, _ := strconv.ParseFloat(string(m[1]), 64); x > 2.0 {
		t.Errorf("exposure level %.1f, want at most 2.0:\n%s", x, out)
	}
	unit, _ := os.ReadFile("gwanmun.service")
	for _, want := range []string{"User=gwanmun", "ProtectSystem=strict", "NoNewPrivileges=yes", "StateDirectory=gwanmun",
		"EnvironmentFile=/etc/gwanmun/gwanmun.env", "ExecStart=/usr/local/bin/gwanmun serve"} {
		if !strings.Contains(string(unit), "\n"+want+"\n") {
			t.Errorf("gwanmun.service lacks %q", want)
		}
	}
}

// TestNginxConfig checks deploy/nginx.conf with nginx -t, inside a
// minimal main configuration and with a throwaway certificate.
func TestNginxConfig(t *testing.T) {
	nginx := testenv.Command(t, "nginx")
	openssl := testenv.Command(t, "openssl")
	dir := t.TempDir()
	if out, err := exec.Command(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
		"-subj", "/CN=portal.example.go.kr", "-keyout", filepath.Join(dir, "privkey.pem"),
		"-out", filepath.Join(dir, "fullchain.pem")).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	site, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	site = []byte(strings.ReplaceAll(string(site), "/etc/ssl/gwanmun/", dir+"/"))
	os.WriteFile(filepath.Join(dir, "site.conf"), site, 0o644)
	main := fmt.Sprintf("pid %[1]s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n access_log off;\n include %[1]s/site.conf;\n}\n", dir)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644)
	if out, err := exec.Command(nginx, "-t", "-p", dir, "-c", filepath.Join(dir, "nginx.conf")).CombinedOutput(); err != nil {
		t.Errorf("nginx -t: %v\n%s", err, out)
	}
}

// TestCaddyfile checks deploy/Caddyfile with caddy validate.
func TestCaddyfile(t *testing.T) {
	caddy := testenv.Command(t, "caddy")
	b, err := os.ReadFile("Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cf := filepath.Join(dir, "Caddyfile")
	os.WriteFile(cf, []byte(strings.ReplaceAll(string(b), "output file /var/log/caddy/gwanmun-access.log", "output stderr")), 0o644)
	cmd := exec.Command(caddy, "validate", "--config", cf, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Valid configuration") {
		t.Errorf("caddy validate: %v\n%s", err, out)
	}
}
