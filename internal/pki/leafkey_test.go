package pki

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"testing"
)

// TestVerifyRefusesWeakAndCAKeys: the verifier accepted an RSA-1024 leaf
// and a leaf with keyCertSign. Certificates of the development CA, the
// CA the demo and the tests use, with such keys are refused with their
// own codes; a 2048-bit signing certificate passes.
func TestVerifyRefusesWeakAndCAKeys(t *testing.T) {
	devcaFastKeys(t)
	ca, err := NewDevCA("gwanmun-leafkey")
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(VerifierConfig{Roots: []*x509.Certificate{ca.Root}, Intermediates: []*x509.Certificate{ca.Intermediate}})
	if err != nil {
		t.Fatal(err)
	}
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts IssueOptions
		code string
	}{
		{"RSA-2048 signing certificate", IssueOptions{}, ""},
		{"RSA-1024", IssueOptions{Key: weak}, CodeCertWeakKey},
		{"keyCertSign", IssueOptions{KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}, CodeCertCAUsage},
		{"cRLSign", IssueOptions{KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign}, CodeCertCAUsage},
		{"CA:TRUE", IssueOptions{CA: true}, CodeCertCAUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Name = "홍길동"
			is, err := ca.Issue(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), is.Cert)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, tc.code)
			ce := err.(*CertError)
			if ce.Message("ko") == MessageFor("no_such_code", "ko") || ce.Message("en") == MessageFor("no_such_code", "en") {
				t.Errorf("%s has no message of its own", tc.code)
			}
		})
	}
}
