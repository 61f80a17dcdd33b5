package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkPKI writes a trust store (root, accredited CA) to dir/trust and
// returns the CA and its key for issuing.
func checkPKI(t *testing.T) (dir string, ca *x509.Certificate, caKey *rsa.PrivateKey) {
	t.Helper()
	dir = t.TempDir()
	rootKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	caKey, _ = rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	rootT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test RootCA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootT, rootT, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	caT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(3, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caT, root, &caKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	write(t, filepath.Join(dir, "trust", "roots", "root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}))
	write(t, filepath.Join(dir, "trust", "intermediates", "ca.der"), caDER)
	return dir, ca, caKey
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func issueUser(t *testing.T, ca *x509.Certificate, caKey *rsa.PrivateKey, serial int64, policy string) []byte {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	oid, _ := x509.ParseOID(policy)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "홍길동"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, Policies: []x509.OID{oid}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func runCheck(t *testing.T, args ...string) (int, certCheckReport, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), append([]string{"cert", "check"}, args...), &out, &errb)
	var rep certCheckReport
	if code != 2 && strings.Contains(strings.Join(args, " "), "--json") {
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("JSON output: %v\n%s", err, out.String())
		}
	}
	return code, rep, out.String() + errb.String()
}

func TestCertCheck(t *testing.T) {
	dir, ca, caKey := checkPKI(t)
	trust := filepath.Join(dir, "trust")
	personal := filepath.Join(dir, "user", "signCert.der")
	write(t, personal, issueUser(t, ca, caKey, 100, "1.2.410.200005.1.1.1"))
	corp := filepath.Join(dir, "corp.der")
	write(t, corp, issueUser(t, ca, caKey, 101, "1.2.410.200005.1.1.5"))

	code, rep, out := runCheck(t, "--json", "--trust", trust, personal)
	if code != 0 || !rep.OK || rep.Class != "personal" || rep.PolicyOID != "1.2.410.200005.1.1.1" || len(rep.Chain) != 3 || rep.Revocation != "unknown" {
		t.Fatalf("personal: exit %d %+v\n%s", code, rep, out)
	}
	// An NPKI folder works too, and text output names the result.
	if code, _, out := runCheck(t, "--trust", trust, filepath.Dir(personal)); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("folder: exit %d\n%s", code, out)
	}

	code, rep, _ = runCheck(t, "--json", "--trust", trust, corp)
	if code != 1 || rep.OK || rep.Code != "cert_not_personal" || rep.Message == "" || rep.MessageEn == "" {
		t.Fatalf("institution: exit %d %+v", code, rep)
	}
	if code, rep, _ = runCheck(t, "--json", "--any-class", "--trust", trust, corp); code != 0 || !rep.OK {
		t.Fatalf("institution with --any-class: exit %d %+v", code, rep)
	}

	// Revoked by a CRL given with --crl; hard-fail without any source.
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(100), RevocationTime: time.Now().Add(-time.Hour)}}}, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	crl := filepath.Join(dir, "ca.crl")
	write(t, crl, crlDER)
	if code, rep, _ = runCheck(t, "--json", "--trust", trust, "--crl", crl, personal); code != 1 || rep.Code != "cert_revoked" {
		t.Fatalf("revoked: exit %d %+v", code, rep)
	}
	if code, rep, _ = runCheck(t, "--json", "--hard-fail", "--trust", trust, personal); code != 1 || rep.Code != "cert_revocation_unavailable" {
		t.Fatalf("hard-fail: exit %d %+v", code, rep)
	}

	// The real yessign fixture: expired today, untrusted in its validity.
	fixture := filepath.Join("..", "..", "internal", "pki", "testdata", "keys", "yessign", "signCert.der")
	if code, rep, _ = runCheck(t, "--json", "--trust", trust, fixture); code != 1 || rep.Code != "cert_expired" || rep.Class != "personal" {
		t.Fatalf("fixture: exit %d %+v", code, rep)
	}
	if code, rep, _ = runCheck(t, "--json", "--at", "2020-03-01T00:00:00Z", "--trust", trust, fixture); code != 1 || rep.Code != "cert_untrusted" {
		t.Fatalf("fixture in 2020: exit %d %+v", code, rep)
	}
	// Garbage is cert_malformed; usage errors exit 2.
	junk := filepath.Join(dir, "junk.der")
	write(t, junk, []byte("junk"))
	if code, rep, _ = runCheck(t, "--json", "--trust", trust, junk); code != 1 || rep.Code != "cert_malformed" {
		t.Fatalf("junk: exit %d %+v", code, rep)
	}
	if code, _, _ = runCheck(t, "--trust", trust); code != 2 {
		t.Fatalf("no CERT: exit %d", code)
	}
	if code, _, _ = runCheck(t, "--trust", t.TempDir(), personal); code != 2 {
		t.Fatalf("empty trust store: exit %d", code)
	}
}
