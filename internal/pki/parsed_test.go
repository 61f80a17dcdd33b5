package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

var parsedKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

func selfSigned(t *testing.T, serial int64) []byte {
	t.Helper()
	key := parsedKey
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "parsed"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// parseCached gives the same certificate for the same DER, a different one
// for another, refuses malformed DER as ParseCertificate does without
// keeping anything, and stays within parsedMax.
func TestParseCached(t *testing.T) {
	a, b := selfSigned(t, 1), selfSigned(t, 2)
	ca, err := parseCached(a)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := parseCached(append([]byte(nil), a...)); err != nil || again != ca {
		t.Errorf("same DER again: %p, %v; want the cached %p", again, err, ca)
	}
	if cb, err := parseCached(b); err != nil || cb == ca || cb.SerialNumber.Int64() != 2 {
		t.Errorf("other DER: %v, %v", cb, err)
	}
	bad := append(append([]byte(nil), a...), 0) // trailing data
	if _, err := parseCached(bad); Code(err) != CodeCertMalformed {
		t.Errorf("malformed DER: err = %v, want %s", err, CodeCertMalformed)
	}
	parsed.Lock()
	_, kept := parsed.m[string(bad)]
	parsed.Unlock()
	if kept {
		t.Error("malformed DER was cached")
	}
	for i := range parsedMax + 10 {
		if _, err := parseCached(selfSigned(t, int64(100+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := parseCached(b); err != nil {
		t.Fatal(err)
	}
	parsed.Lock()
	n := len(parsed.m)
	parsed.Unlock()
	if n > parsedMax {
		t.Errorf("cache holds %d, more than %d", n, parsedMax)
	}
}
