package pki

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/seed"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// legacy makes OpenSSL 3 load SEED, which lives in the legacy provider.
var legacy = []string{"-provider", "legacy", "-provider", "default"}

// runOpenSSL runs openssl with args and returns its standard output.
func runOpenSSL(t *testing.T, args ...string) []byte {
	t.Helper()
	bin := testenv.Command(t, "openssl")
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenSSLReadsOurKeyFiles: OpenSSL decrypts our PBES2 key files.
func TestOpenSSLReadsOurKeyFiles(t *testing.T) {
	key := kfTestKey(t, 0)
	pwFile := writeTemp(t, "pw", []byte("test-비밀번호\n"))
	for _, scheme := range []KeyScheme{SchemePBES2SEED, SchemePBES2AES256} {
		der, err := EncryptPrivateKey(key, kfR, []byte("test-비밀번호"), scheme)
		if err != nil {
			t.Fatal(err)
		}
		in := writeTemp(t, "signPri.key", der)
		args := append([]string{"pkcs8", "-inform", "DER", "-in", in, "-passin", "file:" + pwFile, "-outform", "DER"}, legacy...)
		out := runOpenSSL(t, args...)
		// In DER mode, "openssl pkcs8" (decrypt) writes the traditional PKCS#1 form.
		got, err := x509.ParsePKCS1PrivateKey(out)
		if err != nil {
			t.Fatalf("%v: parse OpenSSL output: %v", scheme, err)
		}
		if !key.Equal(got) {
			t.Errorf("%v: OpenSSL decrypted a different key", scheme)
		}
	}
}

// TestWeReadOpenSSLKeyFiles: we decrypt key files OpenSSL writes with
// -v2 seed-cbc and -v2 aes-256-cbc (PBKDF2-HMAC-SHA256 by default) and with
// the SHA-1 PRF of older NPKI PBES2 files.
func TestWeReadOpenSSLKeyFiles(t *testing.T) {
	key := kfTestKey(t, 0)
	plain := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	in := writeTemp(t, "key.pem", plain)
	pwFile := writeTemp(t, "pw", []byte("openssl-pw\n"))
	for _, c := range []struct {
		args   []string
		scheme string
	}{
		{[]string{"-v2", "seed-cbc"}, "PBES2/PBKDF2-HMAC-SHA256/SEED-CBC"},
		{[]string{"-v2", "seed-cbc", "-v2prf", "hmacWithSHA1"}, "PBES2/PBKDF2-HMAC-SHA1/SEED-CBC"},
		{[]string{"-v2", "aes-256-cbc"}, "PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC"},
		{[]string{"-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA512"}, "PBES2/PBKDF2-HMAC-SHA512/AES-128-CBC"},
	} {
		args := append([]string{"pkcs8", "-topk8", "-in", in, "-outform", "DER", "-passout", "file:" + pwFile}, c.args...)
		der := runOpenSSL(t, append(args, legacy...)...)
		k, err := DecryptPrivateKey(der, []byte("openssl-pw"))
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if !k.Key.Equal(key) || k.Scheme != c.scheme {
			t.Errorf("%v: scheme %q (want %q), key equal %v", c.args, k.Scheme, c.scheme, k.Key.Equal(key))
		}
	}
}

// TestSEEDMatchesOpenSSL compares our SEED-CBC with OpenSSL's on random
// keys, IVs and data.
func TestSEEDMatchesOpenSSL(t *testing.T) {
	for i := 0; i < 5; i++ {
		key, iv := make([]byte, 16), make([]byte, 16)
		data := make([]byte, 16*(i+1))
		rand.Read(key)
		rand.Read(iv)
		rand.Read(data)
		in := writeTemp(t, "in", data)
		args := append([]string{"enc", "-seed-cbc", "-nopad", "-K", hexs(key), "-iv", hexs(iv), "-in", in}, legacy...)
		want := runOpenSSL(t, args...)
		block, _ := seed.NewCipher(key)
		got := make([]byte, len(data))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(got, data)
		if !bytes.Equal(got, want) {
			t.Fatalf("SEED-CBC differs from OpenSSL for key %x", key)
		}
	}
}

func hexs(b []byte) string { return new(big.Int).SetBytes(append([]byte{1}, b...)).Text(16)[1:] }

// TestPKCS12OpenSSL: OpenSSL 3 reads our p12 without -legacy, and we read
// the p12 OpenSSL writes by default.
func TestPKCS12OpenSSL(t *testing.T) {
	key := kfTestKey(t, 1)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(99), Subject: pkix.Name{CommonName: "p12 interop"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pwFile := writeTemp(t, "pw", []byte("p12-pw\n"))

	p12, err := EncodePKCS12(key, cert, nil, "p12-pw")
	if err != nil {
		t.Fatal(err)
	}
	out := runOpenSSL(t, "pkcs12", "-in", writeTemp(t, "ours.p12", p12), "-passin", "file:"+pwFile, "-nodes")
	var sawKey, sawCert bool
	for rest := out; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			sawKey = err == nil && key.Equal(k)
		case "CERTIFICATE":
			sawCert = bytes.Equal(b.Bytes, der)
		}
	}
	if !sawKey || !sawCert {
		t.Errorf("OpenSSL output of our p12: key ok %v, cert ok %v", sawKey, sawCert)
	}

	keyPEM := writeTemp(t, "k.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	certPEM := writeTemp(t, "c.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	theirs := runOpenSSL(t, "pkcs12", "-export", "-inkey", keyPEM, "-in", certPEM, "-passout", "file:"+pwFile)
	p, err := ReadPKCS12(theirs, "p12-pw")
	if err != nil {
		t.Fatalf("read OpenSSL p12: %v", err)
	}
	if !p.Key.Key.Equal(key) || !p.Cert.Equal(cert) {
		t.Error("OpenSSL p12: different key or certificate")
	}
}

// execOpenSSL runs openssl and returns its combined output and error,
// for commands expected to fail.
func execOpenSSL(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := testenv.Command(t, "openssl")
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
