package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/pki"
)

const yessignDir = "../../internal/pki/testdata/keys/yessign"

func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(context.Background(), args, &o, &e)
	return o.String(), e.String(), code
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDevCASignInspect runs the three commands together: write the dev
// set, sign a challenge with one of its certificates, inspect them.
func TestDevCASignInspect(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runMain(t, "devca", "-dir", dir, "-password", "dev-pw-1!", "-crl-url", "http://127.0.0.1:8080/crl.der")
	if code != 0 {
		t.Fatalf("devca: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "dev-pw-1!") || !strings.Contains(out, "wrong-key-usage") {
		t.Errorf("devca output lacks password or cert list:\n%s", out)
	}
	var set pki.DevSet
	data, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	rootBefore, _ := os.ReadFile(filepath.Join(dir, set.RootCert))
	// Running again keeps the CA.
	if _, errOut, code := runMain(t, "devca", "-dir", dir, "-password", "dev-pw-1!", "-crl-url", "http://127.0.0.1:8080/crl.der"); code != 0 {
		t.Fatalf("devca again: %s", errOut)
	}
	if rootAfter, _ := os.ReadFile(filepath.Join(dir, set.RootCert)); !bytes.Equal(rootBefore, rootAfter) {
		t.Error("second run replaced the root CA")
	}
	data, _ = os.ReadFile(filepath.Join(dir, "manifest.json"))
	json.Unmarshal(data, &set)

	pw := writeFile(t, "pw", "dev-pw-1!\n")
	for _, src := range [][]string{
		{"-npki", filepath.Join(dir, "certs", "personal")},
		{"-p12", filepath.Join(dir, "certs", "personal.p12")},
		{"-npki", filepath.Join(dir, "certs"), "-cert-filter", "김민지"},
	} {
		args := append([]string{"sign", "-nonce", "abc_DEF-123", "-purpose", "login", "-origin", "http://127.0.0.1:8080", "-password-file", pw}, src...)
		out, errOut, code := runMain(t, args...)
		if code != 0 {
			t.Fatalf("sign %v: exit %d: %s", src, code, errOut)
		}
		var so signOutput
		if err := json.Unmarshal([]byte(out), &so); err != nil {
			t.Fatal(err)
		}
		der, _ := base64.StdEncoding.DecodeString(so.Certificate)
		sig, _ := base64.StdEncoding.DecodeString(so.Signature)
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(pki.ChallengeMessage("login", "http://127.0.0.1:8080", "abc_DEF-123"))
		if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
			t.Errorf("sign %v: signature does not verify: %v", src, err)
		}
		if so.Nonce != "abc_DEF-123" {
			t.Errorf("nonce %q", so.Nonce)
		}
	}
	// Several certificates and no filter: a clear error.
	if _, errOut, code := runMain(t, "sign", "-nonce", "n", "-origin", "http://x", "-password-file", pw, "-npki", filepath.Join(dir, "certs")); code == 0 || !strings.Contains(errOut, "-cert-filter") {
		t.Errorf("ambiguous sign: exit %d, %s", code, errOut)
	}
	// Wrong password.
	bad := writeFile(t, "bad", "nope\n")
	if _, errOut, code := runMain(t, "sign", "-nonce", "n", "-origin", "http://x", "-password-file", bad, "-npki", filepath.Join(dir, "certs", "personal")); code == 0 || !strings.Contains(errOut, "wrong password") {
		t.Errorf("wrong password: exit %d, %s", code, errOut)
	}

	// cert inspect on the NPKI folder of the institution certificate.
	var inst pki.DevSetCert
	for _, c := range set.Certs {
		if c.ID == "institution" {
			inst = c
		}
	}
	out, errOut, code = runMain(t, "cert", "inspect", "--json", filepath.Join(dir, inst.NPKIDir), "--password-file", pw)
	if code != 0 {
		t.Fatalf("cert inspect: exit %d: %s", code, errOut)
	}
	var r certReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.PolicyOID != pki.OIDDevInstitution || r.Serial != inst.Serial || r.Key == nil || !r.Key.MatchesCert || !r.Key.HasRandomNum {
		t.Errorf("inspect report: %+v key %+v", r, r.Key)
	}
	if len(r.CRLURLs) != 1 || r.CRLURLs[0] != "http://127.0.0.1:8080/crl.der" {
		t.Errorf("CRL URLs %v", r.CRLURLs)
	}
}

func TestCertInspectFixture(t *testing.T) {
	pw := writeFile(t, "pw", "WTuA8Ev0lWXVFSiI!\n")
	cert := filepath.Join(yessignDir, "signCert.der")
	out, errOut, code := runMain(t, "cert", "inspect", "--json", cert, "--key", filepath.Join(yessignDir, "signPri.key"), "--password-file", pw)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r certReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	want := certReport{
		Subject: "CN=HKD(KILDONG.HONG)009104120200225191000030,OU=INITECH,OU=personal4IB,O=yessign,C=kr",
		Serial:  "459c75", PolicyOID: "1.2.410.200005.1.1.4", Class: "personal", ValidNow: false,
		PublicKey: "RSA-2048", KeyUsage: []string{"digitalSignature", "nonRepudiation"},
	}
	if r.Subject != want.Subject || r.Serial != want.Serial || r.PolicyOID != want.PolicyOID || r.Class != want.Class ||
		r.ValidNow || r.PublicKey != want.PublicKey || strings.Join(r.KeyUsage, ",") != "digitalSignature,nonRepudiation" {
		t.Errorf("report %+v", r)
	}
	if r.Key == nil || !r.Key.Decrypts || !r.Key.MatchesCert || !r.Key.HasRandomNum || r.Key.Scheme != "seedCBCWithSHA1" {
		t.Errorf("key %+v", r.Key)
	}
	// The p12 alone gives the same certificate.
	out, errOut, code = runMain(t, "cert", "inspect", "--p12", filepath.Join(yessignDir, "cert.p12"), "--password-file", pw)
	if code != 0 || !strings.Contains(out, "459c75") {
		t.Errorf("p12 inspect: exit %d %s %s", code, out, errOut)
	}
	// Wrong password: report and exit 1.
	bad := writeFile(t, "bad", "x\n")
	out, _, code = runMain(t, "cert", "inspect", cert, "--key", filepath.Join(yessignDir, "signPri.key"), "--password-file", bad)
	if code != 1 || !strings.Contains(out, "wrong password") {
		t.Errorf("wrong password: exit %d\n%s", code, out)
	}
	if _, _, code := runMain(t, "cert", "inspect", "nonexistent.der"); code == 0 {
		t.Error("missing file: exit 0")
	}
}
