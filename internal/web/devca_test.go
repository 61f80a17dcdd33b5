package web

import (
	"crypto/x509"
	"sync"
	"testing"

	"github.com/gwanmun/gwanmun/internal/pki"
)

// The development CA is made once per test binary: RSA key generation is
// the slowest part of these tests.
var (
	testCAOnce sync.Once
	testCA     *pki.DevCA
	testCAErr  error
)

func devCA(t testing.TB) *pki.DevCA {
	t.Helper()
	testCAOnce.Do(func() { testCA, testCAErr = pki.NewDevCA("GWANMUN-TEST") })
	if testCAErr != nil {
		t.Fatal(testCAErr)
	}
	return testCA
}

// testVerifier trusts the test CA; revocation is not checked (no CRL).
func testVerifier(t testing.TB) *pki.Verifier {
	t.Helper()
	ca := devCA(t)
	v, err := pki.NewVerifier(pki.VerifierConfig{Roots: []*x509.Certificate{ca.Root}, Intermediates: []*x509.Certificate{ca.Intermediate}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
