package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"
)

func TestReadPKCS12Fixture(t *testing.T) {
	p, err := ReadPKCS12(kfFixture(t, "cert.p12"), kfPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Cert.Raw, kfFixture(t, "signCert.der")) {
		t.Error("p12 certificate differs from signCert.der")
	}
	k, err := DecryptPrivateKey(kfFixture(t, "signPri.key"), []byte(kfPassword))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Key.Key.Equal(k.Key) {
		t.Error("p12 key differs from signPri.key")
	}
	if _, err := ReadPKCS12(kfFixture(t, "cert.p12"), "wrong"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestPKCS12RoundTrip(t *testing.T) {
	key := kfTestKey(t, 1)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "홍길동()0001234567890123"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p12, err := EncodePKCS12(key, cert, nil, "비밀번호1!")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadPKCS12(p12, "비밀번호1!")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Key.Key.Equal(key) || !p.Cert.Equal(cert) {
		t.Error("round trip changed key or certificate")
	}
	if _, err := ReadPKCS12(p12, "비밀번호1?"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("wrong password: %v", err)
	}
	// A mismatched key and certificate are refused.
	other, err := EncodePKCS12(kfTestKey(t, 0), cert, nil, "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPKCS12(other, "x"); err == nil {
		t.Error("mismatched key and certificate accepted")
	}
}

func FuzzReadPKCS12(f *testing.F) {
	f.Add(kfFixture(f, "cert.p12"), kfPassword)
	f.Add(kfFixture(f, "cert.p12"), "wrong")
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, "")
	f.Fuzz(func(t *testing.T, data []byte, pw string) {
		p, err := ReadPKCS12(data, pw)
		if err == nil && (p.Key == nil || p.Key.Key == nil || p.Cert == nil) {
			t.Fatal("incomplete result without error")
		}
	})
}

func BenchmarkReadPKCS12(b *testing.B) {
	data := kfFixture(b, "cert.p12")
	for b.Loop() {
		if _, err := ReadPKCS12(data, kfPassword); err != nil {
			b.Fatal(err)
		}
	}
}
