package pki

import (
	"bytes"
	"crypto"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"github.com/gwanmun/gwanmun/internal/seed"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

const kfPassword = "WTuA8Ev0lWXVFSiI!"

func kfFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", "yessign", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var kfR, _ = hex.DecodeString("7858B4328390805129F01C97FE6CA4A520CBD479")

func TestDecryptFixture(t *testing.T) {
	k, err := DecryptPrivateKey(kfFixture(t, "signPri.key"), []byte(kfPassword))
	if err != nil {
		t.Fatal(err)
	}
	if k.Scheme != "seedCBCWithSHA1" {
		t.Errorf("Scheme = %q", k.Scheme)
	}
	if !bytes.Equal(k.RandomNum, kfR) {
		t.Errorf("RandomNum = %X, want %X", k.RandomNum, kfR)
	}
	if k.Key.N.BitLen() != 2048 {
		t.Errorf("key size %d", k.Key.N.BitLen())
	}
	cert, err := x509.ParseCertificate(kfFixture(t, "signCert.der"))
	if err != nil {
		t.Fatal(err)
	}
	if !k.MatchesCertificate(cert) {
		t.Error("key does not match signCert.der")
	}
	// The published signature of "TEST_MSG" verifies with the key's public part.
	sum := sha256.Sum256([]byte("TEST_MSG"))
	if err := rsa.VerifyPKCS1v15(&k.Key.PublicKey, crypto.SHA256, sum[:], kfFixture(t, "TEST_MSG.sig")); err != nil {
		t.Errorf("TEST_MSG.sig: %v", err)
	}
	// And signing again gives the same bytes (PKCS#1 v1.5 is deterministic).
	sig, err := rsa.SignPKCS1v15(nil, k.Key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sig, kfFixture(t, "TEST_MSG.sig")) {
		t.Error("our signature differs from TEST_MSG.sig")
	}
}

// TestFixtureKDF checks PBKDF1 against the key and IV that PyPinkSign
// publishes for the fixture.
func TestFixtureKDF(t *testing.T) {
	salt, _ := hex.DecodeString("c8ea2fa25023c285")
	dk := kfPBKDF1([]byte(kfPassword), salt, 2048)
	if got := hex.EncodeToString(dk[:16]); got[:8] != "6240e268" || got[len(got)-4:] != "bb91" {
		t.Errorf("derived key %s, want 6240e268…bb91", got)
	}
}

func TestDecryptWrongPassword(t *testing.T) {
	der := kfFixture(t, "signPri.key")
	for _, pw := range []string{"", "wrong", kfPassword + "x", "wTuA8Ev0lWXVFSiI!"} {
		k, err := DecryptPrivateKey(der, []byte(pw))
		if !errors.Is(err, ErrWrongPassword) {
			t.Errorf("password %q: key %v, error %v; want ErrWrongPassword", pw, k != nil, err)
		}
	}
}

func TestGoX509AcceptsAttributes(t *testing.T) {
	// Documents the behaviour noted in npki.md: Go's PKCS#8 parser ignores
	// the attributes field. We parse it ourselves, so this is informational,
	// but the p12 reader depends on it.
	k := kfTestKey(t, 0)
	info, err := kfMarshalPKCS8(k, kfR)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParsePKCS8PrivateKey(info); err != nil {
		t.Errorf("x509.ParsePKCS8PrivateKey rejects a key with attributes: %v", err)
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	key := kfTestKey(t, 0)
	for _, scheme := range []KeyScheme{SchemeSeedCBCWithSHA1, SchemePBES2SEED, SchemePBES2AES256} {
		for _, r := range [][]byte{nil, kfR} {
			der, err := EncryptPrivateKey(key, r, []byte("비밀번호 pw1!"), scheme)
			if err != nil {
				t.Fatalf("%v: %v", scheme, err)
			}
			k, err := DecryptPrivateKey(der, []byte("비밀번호 pw1!"))
			if err != nil {
				t.Fatalf("%v: decrypt: %v", scheme, err)
			}
			if !k.Key.Equal(key) {
				t.Errorf("%v: key differs after round trip", scheme)
			}
			if !bytes.Equal(k.RandomNum, r) {
				t.Errorf("%v: R = %x, want %x", scheme, k.RandomNum, r)
			}
			if k.Scheme != scheme.String() {
				t.Errorf("Scheme = %q, want %q", k.Scheme, scheme)
			}
			if _, err := DecryptPrivateKey(der, []byte("비밀번호 pw1?")); !errors.Is(err, ErrWrongPassword) {
				t.Errorf("%v: wrong password gives %v", scheme, err)
			}
		}
	}
	if _, err := EncryptPrivateKey(key, nil, []byte("x"), KeyScheme(99)); err == nil {
		t.Error("unknown scheme accepted")
	}
}

// TestOldStyleSeedCBC builds an old-style file (top-level seedCBC, fixed IV)
// by re-wrapping the plaintext of a classic one.
func TestOldStyleSeedCBC(t *testing.T) {
	key := kfTestKey(t, 0)
	der := encryptOldStyle(t, key, []byte("pw"))
	k, err := DecryptPrivateKey(der, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if !k.Key.Equal(key) || k.Scheme != "seedCBC (old style, fixed IV)" {
		t.Errorf("old style: scheme %q, key equal %v", k.Scheme, k.Key.Equal(key))
	}
}

func TestDecryptMalformed(t *testing.T) {
	good := kfFixture(t, "signPri.key")
	cases := map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("not a key file"),
		"truncated": good[:len(good)-7],
		"trailing":  append(append([]byte(nil), good...), 0),
	}
	for name, der := range cases {
		if _, err := DecryptPrivateKey(der, []byte(kfPassword)); err == nil {
			t.Errorf("%s: no error", name)
		} else if errors.Is(err, ErrWrongPassword) && name != "truncated" {
			t.Errorf("%s: %v reported as a wrong password", name, err)
		}
	}
	// Unsupported algorithm.
	epki := kfEncryptedKeyInfo{Data: make([]byte, 16)}
	epki.Algo.Algorithm = asn1.ObjectIdentifier{1, 2, 3}
	der, _ := asn1.Marshal(epki)
	if _, err := DecryptPrivateKey(der, nil); !errors.Is(err, ErrUnsupportedKeyFile) {
		t.Errorf("unknown algorithm: %v", err)
	}
}

func TestIterationBound(t *testing.T) {
	for _, n := range []int{0, -1, kfMaxIterations + 1} {
		params, _ := asn1.Marshal(kfPBEParams{Salt: []byte("12345678"), Iterations: n})
		der, _ := asn1.Marshal(kfEncryptedKeyInfo{
			Algo: pkix.AlgorithmIdentifier{Algorithm: OIDSeedCBCWithSHA1, Parameters: asn1.RawValue{FullBytes: params}},
			Data: make([]byte, 32),
		})
		if _, err := DecryptPrivateKey(der, []byte("pw")); !errors.Is(err, ErrUnsupportedKeyFile) {
			t.Errorf("iterations %d: %v", n, err)
		}
	}
}

func TestUnpad(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"41414141414141414141414141414101", "414141414141414141414141414141", true},
		{"10101010101010101010101010101010", "", true},
		{"41414141414141414141414141414100", "", false},
		{"41414141414141414141414141414111", "", false},
		{"41414141414141414141414141410302", "", false},
	} {
		in, _ := hex.DecodeString(c.in)
		got, ok := kfUnpad(in, 16)
		if ok != c.ok || (ok && hex.EncodeToString(got) != c.want) {
			t.Errorf("kfUnpad(%s) = %x, %v", c.in, got, ok)
		}
	}
}

func FuzzDecryptPrivateKey(f *testing.F) {
	f.Add(kfFixture(f, "signPri.key"), []byte(kfPassword))
	f.Add(kfFixture(f, "signPri.key"), []byte("wrong"))
	// Seeds in every scheme, from the fixture's key: no RSA key generation,
	// which is slow in instrumented fuzz workers.
	fk, err := DecryptPrivateKey(kfFixture(f, "signPri.key"), []byte(kfPassword))
	if err != nil {
		f.Fatal(err)
	}
	key := fk.Key
	for _, s := range []KeyScheme{SchemeSeedCBCWithSHA1, SchemePBES2SEED, SchemePBES2AES256} {
		der, err := EncryptPrivateKey(key, kfR, []byte("pw"), s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der, []byte("pw"))
	}
	f.Add([]byte{0x30, 0x00}, []byte(""))
	// Keep executions fast: a mutated iteration count near the real bound
	// costs seconds under coverage instrumentation. TestIterationBound
	// checks the bound itself.
	kfMaxIterations = 4096
	f.Fuzz(func(t *testing.T, der, pw []byte) {
		k, err := DecryptPrivateKey(der, pw)
		if err == nil && (k == nil || k.Key == nil) {
			t.Fatal("nil key without error")
		}
		if err != nil && k != nil {
			t.Fatal("key returned with an error")
		}
	})
}

func BenchmarkDecryptClassic(b *testing.B) {
	der := kfFixture(b, "signPri.key")
	for b.Loop() {
		if _, err := DecryptPrivateKey(der, []byte(kfPassword)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptPBES2SEED(b *testing.B) {
	der, err := EncryptPrivateKey(kfTestKey(b, 0), nil, []byte("pw"), SchemePBES2SEED)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := DecryptPrivateKey(der, []byte("pw")); err != nil {
			b.Fatal(err)
		}
	}
}

// testKey returns one of a few RSA-2048 keys generated once per test run.
func kfTestKey(tb testing.TB, i int) *rsa.PrivateKey {
	tb.Helper()
	kfKeysOnce.Do(func() {
		for j := range kfKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			kfKeys[j] = k
		}
	})
	return kfKeys[i]
}

var (
	kfKeysOnce sync.Once
	kfKeys     [2]*rsa.PrivateKey
)

// encryptOldStyle writes an old-style key file: top-level seedCBC
// (1.2.410.200004.1.4) with PBKDF1 parameters and the fixed IV.
func encryptOldStyle(t testing.TB, key *rsa.PrivateKey, pw []byte) []byte {
	t.Helper()
	info, err := kfMarshalPKCS8(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("saltsalt")
	params, _ := asn1.Marshal(kfPBEParams{Salt: salt, Iterations: 2048})
	dk := kfPBKDF1(pw, salt, 2048)
	block, _ := seed.NewCipher(dk[:16])
	ct := kfPad(info, 16)
	cipher.NewCBCEncrypter(block, kfSeedFixedIV).CryptBlocks(ct, ct)
	der, err := asn1.Marshal(kfEncryptedKeyInfo{
		Algo: pkix.AlgorithmIdentifier{Algorithm: OIDSeedCBC, Parameters: asn1.RawValue{FullBytes: params}},
		Data: ct,
	})
	if err != nil {
		t.Fatal(err)
	}
	return der
}
