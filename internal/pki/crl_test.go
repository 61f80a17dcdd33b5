package pki

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestCRLOverHTTP(t *testing.T) {
	p := newTestPKI(t)
	revokedSerial := big.NewInt(777001)
	var mu sync.Mutex
	crlBody := p.ca.crlDER(t, testT0.Add(-time.Hour), testT0.Add(time.Hour), "", revokedSerial)
	srv, hits := countingServer(t, func() []byte { mu.Lock(); defer mu.Unlock(); return crlBody })
	url := srv.URL + "/yessign/dp1.crl"

	now := testT0
	cfg := p.config()
	cfg.FetchCRL = true
	cfg.RevocationMode = HardFail
	cfg.Now = func() time.Time { return now }
	v := mustVerifier(t, cfg)
	ctx := context.Background()

	good := p.ca.issueLeaf(t, leafOpts{crlURLs: []string{url}})
	res, err := v.Verify(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if res.Revocation != RevocationGood || res.RevocationSource != "crl:"+url {
		t.Fatalf("revocation %s from %q", res.Revocation, res.RevocationSource)
	}
	revoked := p.ca.issueLeaf(t, leafOpts{crlURLs: []string{url}, serial: revokedSerial})
	_, err = v.Verify(ctx, revoked)
	wantCode(t, err, CodeCertRevoked)
	if n := hits.Load(); n != 1 {
		t.Fatalf("CRL fetched %d times, want 1 (cached until nextUpdate)", n)
	}

	// Past nextUpdate the CRL is fetched again; the CA now revokes the
	// first certificate too.
	mu.Lock()
	crlBody = p.ca.crlDER(t, testT0.Add(time.Hour), testT0.Add(3*time.Hour), "", revokedSerial, good.SerialNumber)
	mu.Unlock()
	now = testT0.Add(90 * time.Minute)
	_, err = v.Verify(ctx, good)
	wantCode(t, err, CodeCertRevoked)
	if n := hits.Load(); n != 2 {
		t.Fatalf("CRL fetched %d times, want 2", n)
	}

	// A stale CRL (the CA publishes one already past nextUpdate) is no proof.
	mu.Lock()
	crlBody = p.ca.crlDER(t, testT0, testT0.Add(time.Hour), "")
	mu.Unlock()
	now = testT0.Add(4 * time.Hour)
	_, err = v.Verify(ctx, p.ca.issueLeaf(t, leafOpts{crlURLs: []string{url}}))
	wantCode(t, err, CodeRevocationUnavailable)
}

func TestCRLServerDownSoftAndHard(t *testing.T) {
	p := newTestPKI(t)
	srv, _ := countingServer(t, func() []byte { return nil })
	leaf := p.ca.issueLeaf(t, leafOpts{crlURLs: []string{srv.URL + "/dp.crl"}})
	cfg := p.config()
	cfg.FetchCRL = true
	res, err := mustVerifier(t, cfg).Verify(context.Background(), leaf)
	if err != nil {
		t.Fatalf("soft-fail refused: %v", err)
	}
	if res.Revocation != RevocationUnknown || res.RevocationSource == "" {
		t.Fatalf("soft-fail result %s %q", res.Revocation, res.RevocationSource)
	}
	cfg.RevocationMode = HardFail
	_, err = mustVerifier(t, cfg).Verify(context.Background(), leaf)
	wantCode(t, err, CodeRevocationUnavailable)
}

func TestCRLWrongSigner(t *testing.T) {
	p := newTestPKI(t)
	// A CRL naming our CA but signed by another key must not count.
	forged := forgerOf(t, p.ca).crlDER(t, testT0.Add(-time.Hour), testT0.Add(time.Hour), "")
	srv, _ := countingServer(t, func() []byte { return forged })
	cfg := p.config()
	cfg.FetchCRL = true
	cfg.RevocationMode = HardFail
	_, err := mustVerifier(t, cfg).Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{crlURLs: []string{srv.URL + "/x.crl"}}))
	wantCode(t, err, CodeRevocationUnavailable)
}

func TestCRLGarbage(t *testing.T) {
	p := newTestPKI(t)
	srv, _ := countingServer(t, func() []byte { return []byte("<html>not a CRL</html>") })
	cfg := p.config()
	cfg.FetchCRL = true
	cfg.RevocationMode = HardFail
	_, err := mustVerifier(t, cfg).Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{crlURLs: []string{srv.URL + "/x.crl"}}))
	wantCode(t, err, CodeRevocationUnavailable)
}

func TestCRLFileReload(t *testing.T) {
	p := newTestPKI(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ca.crl")
	leaf := p.ca.issueLeaf(t, leafOpts{crlURLs: []string{"ldap://dir.example/cn=dp1"}})
	writeFile(t, path, p.ca.crlDER(t, testT0.Add(-time.Hour), testT0.Add(24*time.Hour), ""))

	now := testT0
	cfg := p.config()
	cfg.CRLFiles = []string{path}
	cfg.RevocationMode = HardFail
	cfg.Now = func() time.Time { return now }
	v := mustVerifier(t, cfg)
	res, err := v.Verify(context.Background(), leaf)
	if err != nil {
		t.Fatal(err)
	}
	if res.RevocationSource != "crl:file:"+path {
		t.Fatalf("source %q", res.RevocationSource)
	}

	// The operator drops in a new CRL; no restart.
	writeFile(t, path, p.ca.crlDER(t, testT0, testT0.Add(24*time.Hour), "", leaf.SerialNumber))
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	now = testT0.Add(crlStatEvery)
	_, err = v.Verify(context.Background(), leaf)
	wantCode(t, err, CodeCertRevoked)

	// A CRL partition for another distribution point does not cover it.
	writeFile(t, path, p.ca.crlDER(t, testT0, testT0.Add(24*time.Hour), "ldap://dir.example/cn=dp2", leaf.SerialNumber))
	later = later.Add(time.Minute)
	os.Chtimes(path, later, later)
	if err := v.ReloadCRLs(); err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), leaf)
	wantCode(t, err, CodeRevocationUnavailable)

	// The matching partition does.
	writeFile(t, path, p.ca.crlDER(t, testT0, testT0.Add(24*time.Hour), "ldap://dir.example/cn=dp1", leaf.SerialNumber))
	later = later.Add(time.Minute)
	os.Chtimes(path, later, later)
	v.ReloadCRLs()
	_, err = v.Verify(context.Background(), leaf)
	wantCode(t, err, CodeCertRevoked)
}

func TestCRLFileMissing(t *testing.T) {
	p := newTestPKI(t)
	cfg := p.config()
	cfg.CRLFiles = []string{filepath.Join(t.TempDir(), "none.crl")}
	if _, err := NewVerifier(cfg); err == nil {
		t.Fatal("missing CRL file accepted")
	}
}

func TestParseCRLPEMAndIDP(t *testing.T) {
	p := newTestPKI(t)
	der := p.ca.crlDER(t, testT0, testT0.Add(time.Hour), "http://crl.example/dp7", big.NewInt(5))
	l, err := parseCRL(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.scope) != 1 || l.scope[0] != "http://crl.example/dp7" || !l.revoked["5"] {
		t.Fatalf("scope %q revoked %v", l.scope, l.revoked)
	}
	if _, err := parseCRL([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")); err == nil {
		t.Fatal("certificate PEM accepted as CRL")
	}
}
