package pki_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// TestJavaScriptAgrees proves the browser's certificate code and this
// package agree: key files and a PKCS#12 written here in every scheme are
// decrypted by the dialog's JavaScript (run in Node through sign-cli.mjs),
// and its signature over the challenge message verifies here.
func TestJavaScriptAgrees(t *testing.T) {
	node := testenv.Command(t, "node")
	cli, err := filepath.Abs("../web/static/js/cert/testdata/sign-cli.mjs")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewDevCA("GWANMUN-INTEROP")
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is, err := ca.Issue(pki.IssueOptions{Name: "홍길동", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const password = "비밀번호-Pass1!" // non-ASCII: both sides use UTF-8
	pwFile := write("pw", []byte(password+"\n"))
	msg := pki.ChallengeMessage(pki.PurposeLogin, "http://127.0.0.1:8080", "bm9uY2U")
	msgFile := write("msg", msg)
	certFile := write("signCert.der", is.Cert.Raw)

	sign := func(t *testing.T, args ...string) []byte {
		t.Helper()
		args = append([]string{cli}, append(args, "--password-file", pwFile, "--message-file", msgFile)...)
		out, err := exec.Command(node, args...).Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("sign-cli: %v %s", err, stderr)
		}
		sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	for i, scheme := range []pki.KeyScheme{pki.SchemeSeedCBCWithSHA1, pki.SchemePBES2SEED, pki.SchemePBES2AES256} {
		t.Run(scheme.String(), func(t *testing.T) {
			kf, err := pki.EncryptPrivateKey(is.Key, is.RandomNum, []byte(password), scheme)
			if err != nil {
				t.Fatal(err)
			}
			sig := sign(t, "--key", write(fmt.Sprintf("signPri-%d.key", i), kf), "--cert", certFile)
			if err := pki.VerifySignature(is.Cert, msg, sig); err != nil {
				t.Fatalf("a JavaScript signature does not verify in Go: %v", err)
			}
		})
	}
	t.Run("pkcs12", func(t *testing.T) {
		p12, err := pki.EncodePKCS12(is.Key, is.Cert, []*x509.Certificate{ca.Intermediate}, password)
		if err != nil {
			t.Fatal(err)
		}
		sig := sign(t, "--p12", write("cert.p12", p12))
		if err := pki.VerifySignature(is.Cert, msg, sig); err != nil {
			t.Fatalf("a JavaScript signature (p12) does not verify in Go: %v", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		kf, err := pki.EncryptPrivateKey(is.Key, is.RandomNum, []byte("other"), pki.SchemeSeedCBCWithSHA1)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(node, cli, "--key", write("wrong.key", kf), "--cert", certFile, "--password-file", pwFile, "--message-file", msgFile)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("sign-cli accepted a wrong password: %s", out)
		}
	})
}
