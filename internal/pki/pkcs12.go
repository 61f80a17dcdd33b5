package pki

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"
)

// PKCS12 is the content of a .p12/.pfx file: one RSA key and its
// certificate, plus any CA certificates.
type PKCS12 struct {
	Key     *PrivateKey // RandomNum is nil: the p12 reader drops PKCS#8 attributes
	Cert    *x509.Certificate
	CACerts []*x509.Certificate
}

// maxPKCS12Size bounds the input of ReadPKCS12. Real files are a few KB.
const maxPKCS12Size = 1 << 20

// ReadPKCS12 decodes a PKCS#12 file holding exactly one RSA private key and
// its certificate. It reads the legacy (pbeWithSHA1And3-KeyTripleDES-CBC,
// RC2-40) and the modern (PBES2/AES) encodings. A wrong password gives an
// error wrapping ErrWrongPassword.
func ReadPKCS12(data []byte, password string) (*PKCS12, error) {
	if len(data) > maxPKCS12Size {
		return nil, fmt.Errorf("pki: PKCS#12 file of %d bytes is too large", len(data))
	}
	key, cert, ca, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption) {
			return nil, ErrWrongPassword
		}
		return nil, fmt.Errorf("pki: PKCS#12: %w", err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: PKCS#12 key is %T, not RSA", ErrUnsupportedKeyFile, key)
	}
	p := &PKCS12{Key: &PrivateKey{Key: rk, Scheme: "PKCS#12"}, Cert: cert, CACerts: ca}
	if !p.Key.MatchesCertificate(cert) {
		return nil, errors.New("pki: PKCS#12: the private key does not match the certificate")
	}
	return p, nil
}

// EncodePKCS12 writes key, cert and caCerts as a PKCS#12 file with modern
// algorithms (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC, SHA-256 MAC), which
// OpenSSL 3 and browsers' PKCS#12 libraries read without legacy options.
func EncodePKCS12(key *rsa.PrivateKey, cert *x509.Certificate, caCerts []*x509.Certificate, password string) ([]byte, error) {
	b, err := pkcs12.Modern2023.Encode(key, cert, caCerts, password)
	if err != nil {
		return nil, fmt.Errorf("pki: PKCS#12: %w", err)
	}
	return b, nil
}
