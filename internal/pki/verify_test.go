package pki

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Test PKI keys: five RSA-2048 keys (like NPKI) from testdata/verify,
// loaded once per test binary.
var (
	testKeysOnce sync.Once
	testKeys     []*rsa.PrivateKey
	testKeysErr  error
)

func testKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	testKeysOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join("testdata", "verify", "test-keys.pem"))
		if err != nil {
			testKeysErr = err
			return
		}
		for {
			var blk *pem.Block
			if blk, b = pem.Decode(b); blk == nil {
				break
			}
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				testKeysErr = err
				return
			}
			testKeys = append(testKeys, k.(*rsa.PrivateKey))
		}
	})
	if testKeysErr != nil || i >= len(testKeys) {
		t.Fatalf("test key %d: %v", i, testKeysErr)
	}
	return testKeys[i]
}

// testT0 is the test clock's "now".
var testT0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// testCA is a CA of the test PKI.
type testCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

var serialCounter atomic.Int64

func nextSerial() *big.Int { return big.NewInt(1000 + serialCounter.Add(1)) }

// newTestRoot returns a self-signed root using test key keyIdx.
func newTestRoot(t testing.TB, cn string, keyIdx int) *testCA {
	t.Helper()
	key := testKey(t, keyIdx)
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{Country: []string{"KR"}, Organization: []string{"KISA"}, CommonName: cn},
		NotBefore:             testT0.AddDate(-5, 0, 0),
		NotAfter:              testT0.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{c, key}
}

// issueCA issues an intermediate CA certificate.
func (ca *testCA) issueCA(t testing.TB, cn string, keyIdx int) *testCA {
	t.Helper()
	key := testKey(t, keyIdx)
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{Country: []string{"KR"}, Organization: []string{"yessign"}, OrganizationalUnit: []string{"AccreditedCA"}, CommonName: cn},
		NotBefore:             testT0.AddDate(-3, 0, 0),
		NotAfter:              testT0.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{c, key}
}

// leafOpts describes a user certificate; zero fields take usual values.
type leafOpts struct {
	policy    string // dotted; "" for personal yessign, "-" for none
	keyUsage  x509.KeyUsage
	notBefore time.Time
	notAfter  time.Time
	crlURLs   []string
	ocspURLs  []string
	serial    *big.Int
	keyIdx    int // default 2
}

// issueLeaf issues a user certificate.
func (ca *testCA) issueLeaf(t testing.TB, o leafOpts) *x509.Certificate {
	t.Helper()
	if o.keyIdx == 0 {
		o.keyIdx = 2
	}
	if o.keyUsage == 0 {
		o.keyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	if o.notBefore.IsZero() {
		o.notBefore = testT0.AddDate(0, -1, 0)
	}
	if o.notAfter.IsZero() {
		o.notAfter = testT0.AddDate(1, 0, 0)
	}
	if o.serial == nil {
		o.serial = nextSerial()
	}
	tmpl := &x509.Certificate{
		SerialNumber:          o.serial,
		Subject:               pkix.Name{Country: []string{"kr"}, Organization: []string{"yessign"}, OrganizationalUnit: []string{"personal4IB"}, CommonName: "홍길동()0011234567890123456"},
		NotBefore:             o.notBefore,
		NotAfter:              o.notAfter,
		KeyUsage:              o.keyUsage,
		CRLDistributionPoints: o.crlURLs,
		OCSPServer:            o.ocspURLs,
		BasicConstraintsValid: true,
	}
	switch o.policy {
	case "":
		o.policy = "1.2.410.200005.1.1.4"
		fallthrough
	default:
		oid, err := x509.ParseOID(o.policy)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.Policies = []x509.OID{oid}
	case "-":
	}
	key := testKey(t, o.keyIdx)
	ski := sha1.Sum(x509.MarshalPKCS1PublicKey(&key.PublicKey))
	tmpl.SubjectKeyId = ski[:]
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// crlDER returns a CRL by ca revoking serials.
func (ca *testCA) crlDER(t testing.TB, this, next time.Time, idpURL string, serials ...*big.Int) []byte {
	t.Helper()
	tmpl := &x509.RevocationList{Number: nextSerial(), ThisUpdate: this, NextUpdate: next}
	for _, s := range serials {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: this.Add(-time.Hour)})
	}
	if idpURL != "" {
		// IssuingDistributionPoint { distributionPoint [0] { fullName [0] { URI [6] } } }
		uri := append([]byte{0x86, byte(len(idpURL))}, idpURL...)
		full := append([]byte{0xa0, byte(len(uri))}, uri...)
		dp := append([]byte{0xa0, byte(len(full))}, full...)
		val := append([]byte{0x30, byte(len(dp))}, dp...)
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidIssuingDistributionPoint, Critical: true, Value: val}}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// testPKI is a root, an accredited CA under it, and an unrelated root.
type testPKI struct {
	root, ca, other *testCA
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
)

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		root := newTestRoot(t, "Test RootCA", 0)
		pkiVal = &testPKI{root: root, ca: root.issueCA(t, "yessignCA Test", 1), other: newTestRoot(t, "Evil RootCA", 3)}
	})
	return pkiVal
}

func (p *testPKI) config() VerifierConfig {
	return VerifierConfig{
		Roots:         []*x509.Certificate{p.root.cert},
		Intermediates: []*x509.Certificate{p.ca.cert},
		Now:           func() time.Time { return testT0 },
	}
}

// forgerOf returns a CA with ca's name and key identifier but another key.
func forgerOf(t testing.TB, ca *testCA) *testCA {
	fake := *ca.cert
	key := testKey(t, 3)
	fake.PublicKey = &key.PublicKey
	return &testCA{cert: &fake, key: key}
}

func mustVerifier(t testing.TB, cfg VerifierConfig) *Verifier {
	t.Helper()
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := Code(err); got != code {
		t.Fatalf("got code %q (%v), want %s", got, err, code)
	}
	if !errors.Is(err, &CertError{Code: code}) {
		t.Fatalf("errors.Is(%v, %s) is false", err, code)
	}
}

func TestVerifyOK(t *testing.T) {
	p := newTestPKI(t)
	v := mustVerifier(t, p.config())
	leaf := p.ca.issueLeaf(t, leafOpts{})
	res, err := v.Verify(context.Background(), leaf)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Chain) != 3 || res.Chain[0] != leaf || !res.Chain[2].Equal(p.root.cert) {
		t.Fatalf("chain = %d certs", len(res.Chain))
	}
	if res.Class != domain.CertPersonal || res.PolicyOID != "1.2.410.200005.1.1.4" {
		t.Fatalf("class %s policy %s", res.Class, res.PolicyOID)
	}
	if res.Revocation != RevocationUnknown {
		t.Fatalf("revocation %s without sources, want unknown (soft-fail)", res.Revocation)
	}
	if err := res.RequirePersonal(); err != nil {
		t.Fatal(err)
	}
	// Second call: from the leaf cache, same answer.
	res2, err := v.Verify(context.Background(), leaf)
	if err != nil || len(res2.Chain) != 3 {
		t.Fatalf("cached verify: %v", err)
	}
}

func TestVerifyRefusals(t *testing.T) {
	p := newTestPKI(t)
	ctx := context.Background()
	tests := []struct {
		name string
		cert func() *x509.Certificate
		code string
	}{
		{"Expired", func() *x509.Certificate {
			return p.ca.issueLeaf(t, leafOpts{notBefore: testT0.AddDate(-2, 0, 0), notAfter: testT0.AddDate(0, 0, -1)})
		}, CodeCertExpired},
		{"NotYetValid", func() *x509.Certificate {
			return p.ca.issueLeaf(t, leafOpts{notBefore: testT0.Add(time.Hour)})
		}, CodeCertNotYetValid},
		{"UnknownCA", func() *x509.Certificate { return p.other.issueLeaf(t, leafOpts{}) }, CodeCertUntrusted},
		{"NonRepudiationOnly", func() *x509.Certificate {
			return p.ca.issueLeaf(t, leafOpts{keyUsage: x509.KeyUsageContentCommitment})
		}, CodeCertKeyUsage},
		{"KeyManagementCert", func() *x509.Certificate {
			return p.ca.issueLeaf(t, leafOpts{keyUsage: x509.KeyUsageKeyEncipherment})
		}, CodeCertKeyUsage},
		{"UnknownPolicy", func() *x509.Certificate { return p.ca.issueLeaf(t, leafOpts{policy: "1.2.3.4.5"}) }, CodeCertUnknownPolicy},
		{"NoPolicy", func() *x509.Certificate { return p.ca.issueLeaf(t, leafOpts{policy: "-"}) }, CodeCertUnknownPolicy},
		{"TrustAnchorAsUser", func() *x509.Certificate { return p.root.cert }, CodeCertKeyUsage},
		{"Nil", func() *x509.Certificate { return nil }, CodeCertMalformed},
	}
	v := mustVerifier(t, p.config())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(ctx, tt.cert())
			wantCode(t, err, tt.code)
		})
	}
}

func TestVerifyUnknownPolicyAllowed(t *testing.T) {
	p := newTestPKI(t)
	cfg := p.config()
	cfg.AllowUnknownPolicy = true
	res, err := mustVerifier(t, cfg).Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{policy: "1.2.3.4.5"}))
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, res.RequirePersonal(), CodeCertUnknownPolicy)
}

func TestVerifyInstitutionNotPersonal(t *testing.T) {
	p := newTestPKI(t)
	res, err := mustVerifier(t, p.config()).Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{policy: "1.2.410.200005.1.1.5"}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Class != domain.CertInstitution {
		t.Fatalf("class %s", res.Class)
	}
	wantCode(t, res.RequirePersonal(), CodeCertNotPersonal)
}

// A certificate claiming the cached issuer's name and key identifier but
// signed by another key must not ride on the issuer cache.
func TestVerifyChainCacheNotFooled(t *testing.T) {
	p := newTestPKI(t)
	v := mustVerifier(t, p.config())
	if _, err := v.Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{})); err != nil {
		t.Fatal(err)
	}
	// Forge: same issuer name and AKI as p.ca, but signed with key 3.
	forged := forgerOf(t, p.ca).issueLeaf(t, leafOpts{})
	_, err := v.Verify(context.Background(), forged)
	wantCode(t, err, CodeCertUntrusted)
	// A second genuine leaf uses the issuer cache and passes.
	if _, err := v.Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{keyIdx: 4})); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyHardFailWithoutSources(t *testing.T) {
	p := newTestPKI(t)
	cfg := p.config()
	cfg.RevocationMode = HardFail
	_, err := mustVerifier(t, cfg).Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{}))
	wantCode(t, err, CodeRevocationUnavailable)
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFixture(t *testing.T) {
	der, err := os.ReadFile(fixturePath("signCert.der"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckKeyUsage(cert); err != nil {
		t.Fatalf("fixture key usage: %v", err)
	}
	p := newTestPKI(t)
	cfg := p.config()
	v := mustVerifier(t, cfg)
	_, err = v.Verify(context.Background(), cert)
	wantCode(t, err, CodeCertExpired) // 2026: expired since 2020
	cfg.Now = func() time.Time { return time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC) }
	_, err = mustVerifier(t, cfg).Verify(context.Background(), cert)
	wantCode(t, err, CodeCertUntrusted) // the yessign test CA is not configured
}

func fixturePath(name string) string {
	return filepath.Join("testdata", "keys", "yessign", name)
}

func TestLoadTrustStore(t *testing.T) {
	p := newTestPKI(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "roots", "kisa.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.cert.Raw}))
	writeFile(t, filepath.Join(dir, "roots", "README.md"), []byte("drop KISA roots here"))
	writeFile(t, filepath.Join(dir, "intermediates", "yessign.der"), p.ca.cert.Raw)
	writeFile(t, filepath.Join(dir, "crls", "yessign.crl"), p.ca.crlDER(t, testT0.Add(-time.Hour), testT0.Add(time.Hour), ""))
	ts, err := LoadTrustStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.Roots) != 1 || !ts.Roots[0].Equal(p.root.cert) || len(ts.Intermediates) != 1 || len(ts.CRLFiles) != 1 {
		t.Fatalf("trust store: %d roots, %d intermediates, %d CRLs", len(ts.Roots), len(ts.Intermediates), len(ts.CRLFiles))
	}
	v := mustVerifier(t, VerifierConfig{Roots: ts.Roots, Intermediates: ts.Intermediates, CRLFiles: ts.CRLFiles,
		RevocationMode: HardFail, Now: func() time.Time { return testT0 }})
	res, err := v.Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Revocation != RevocationGood {
		t.Fatalf("revocation %s", res.Revocation)
	}

	writeFile(t, filepath.Join(dir, "intermediates", "junk.cer"), []byte("not a certificate"))
	if _, err := LoadTrustStore(dir); err == nil {
		t.Fatal("junk certificate file accepted")
	}
	if _, err := LoadTrustStore(t.TempDir()); err == nil {
		t.Fatal("trust store without roots accepted")
	}
}

// countingServer serves body at any path and counts requests.
func countingServer(t testing.TB, body func() []byte) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		b := body()
		if b == nil {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}
