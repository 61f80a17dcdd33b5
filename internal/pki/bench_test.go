package pki

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"
)

// BenchmarkLoginVerify is the server side of one certificate login with a
// warm cache: parse the certificate, chain (cached), CRL lookup (cached),
// the RSA signature over the challenge, and the policy. Compare it with
// BenchmarkBareRSAVerify, the one RSA-2048 PKCS#1 v1.5 check a login cannot
// avoid.
func BenchmarkLoginVerify(b *testing.B) {
	p := newTestPKI(b)
	crlDER := p.ca.crlDER(b, testT0.Add(-time.Hour), testT0.Add(24*time.Hour), "", nextSerial(), nextSerial())
	srv, _ := countingServer(b, func() []byte { return crlDER })
	leaf := p.ca.issueLeaf(b, leafOpts{crlURLs: []string{srv.URL + "/dp1.crl"}})
	cfg := p.config()
	cfg.FetchCRL = true
	cfg.RevocationMode = HardFail
	v := mustVerifier(b, cfg)
	msg := ChallengeMessage(PurposeLogin, "https://portal.example", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG")
	d := sha256.Sum256(msg)
	sig, _ := rsa.SignPKCS1v15(rand.Reader, testKey(b, 2), crypto.SHA256, d[:])
	ctx := context.Background()
	if _, err := v.Verify(ctx, leaf); err != nil { // warm the caches
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		cert, err := ParseCertificate(leaf.Raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := VerifySignature(cert, msg, sig); err != nil {
			b.Fatal(err)
		}
		res, err := v.Verify(ctx, cert)
		if err != nil {
			b.Fatal(err)
		}
		if res.RequirePersonal() != nil || res.Revocation != RevocationGood {
			b.Fatal("not personal or revocation not checked")
		}
	}
}

// BenchmarkBareRSAVerify is one RSA-2048 PKCS#1 v1.5 SHA-256 verification.
func BenchmarkBareRSAVerify(b *testing.B) {
	key := testKey(b, 2)
	pub := newTestPKI(b).ca.issueLeaf(b, leafOpts{}).PublicKey.(*rsa.PublicKey) // same key, as parsed from a certificate
	msg := ChallengeMessage(PurposeLogin, "https://portal.example", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG")
	d := sha256.Sum256(msg)
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
