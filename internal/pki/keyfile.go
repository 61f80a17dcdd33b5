package pki

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/gwanmun/gwanmun/internal/seed"
)

// Errors of the key file readers.
var (
	// ErrWrongPassword means the key file did not decrypt to a private key:
	// the password is wrong (or the file is corrupt past its header).
	ErrWrongPassword = errors.New("pki: wrong password for the private key")
	// ErrUnsupportedKeyFile means the key file uses an encryption scheme,
	// cipher or key type this package does not handle.
	ErrUnsupportedKeyFile = errors.New("pki: unsupported private key file")
	// ErrMalformedKeyFile means the key file is not a well-formed PKCS#8
	// EncryptedPrivateKeyInfo.
	ErrMalformedKeyFile = errors.New("pki: malformed private key file")
)

// More object identifiers for key files.
var (
	kfOIDRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	kfOIDPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	kfOIDPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	kfOIDHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	kfOIDHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	kfOIDHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	kfOIDHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	kfOIDHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	kfOIDAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	kfOIDAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	kfOIDAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// kfSeedFixedIV is the IV of old-style key files whose top-level algorithm is
// seedCBC (1.2.410.200004.1.4): the 16 ASCII bytes "0123456789012345".
var kfSeedFixedIV = []byte("0123456789012345")

// kfMaxIterations bounds the iteration count read from a key file, so a
// hostile file cannot make us spin for long. Real NPKI files use 2048.
// A variable so the fuzz target can lower it.
var kfMaxIterations = 1_000_000

// PrivateKey is a decrypted NPKI private key.
type PrivateKey struct {
	Key *rsa.PrivateKey
	// RandomNum is the R value (kfAttribute 1.2.410.200004.10.1.1.3) used to
	// check the VID in the certificate, or nil when the key has none.
	RandomNum []byte
	// Scheme names how the file was encrypted, e.g.
	// "seedCBCWithSHA1" or "PBES2/PBKDF2-HMAC-SHA256/SEED-CBC".
	Scheme string
}

// MatchesCertificate reports whether cert carries the public half of k.
func (k *PrivateKey) MatchesCertificate(cert *x509.Certificate) bool {
	if k == nil || k.Key == nil || cert == nil {
		return false
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	return ok && k.Key.PublicKey.Equal(pub)
}

type kfEncryptedKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

// kfPBEParams are the parameters of seedCBCWithSHA1 and old-style seedCBC.
type kfPBEParams struct {
	Salt       []byte
	Iterations int
}

type kfPBES2Params struct {
	KDF pkix.AlgorithmIdentifier
	Enc pkix.AlgorithmIdentifier
}

type kfPBKDF2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// kfPKCS8 is PrivateKeyInfo (RFC 5208) including the attributes that Go's
// x509 package ignores.
type kfPKCS8 struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
	Attributes asn1.RawValue `asn1:"optional,tag:0"`
}

type kfAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue // SET OF
}

// DecryptPrivateKey decrypts a DER PKCS#8 EncryptedPrivateKeyInfo as found
// in NPKI signPri.key files. It accepts pbeWithSHA1AndSEED-CBC
// (1.2.410.200004.1.15), old-style seedCBC with the fixed IV
// (1.2.410.200004.1.4), and PBES2 with PBKDF2 (HMAC-SHA1/224/256/384/512)
// and SEED-CBC or AES-CBC. The key must be RSA.
//
// A wrong password gives an error wrapping ErrWrongPassword. The password
// bytes are used as given (NPKI software uses the UTF-8 or ASCII bytes).
func DecryptPrivateKey(der []byte, password []byte) (*PrivateKey, error) {
	var epki kfEncryptedKeyInfo
	rest, err := asn1.Unmarshal(der, &epki)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedKeyFile, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: trailing data after EncryptedPrivateKeyInfo", ErrMalformedKeyFile)
	}
	block, iv, scheme, err := kfCipher(epki.Algo, password)
	if err != nil {
		return nil, err
	}
	ct := epki.Data
	bs := block.BlockSize()
	if len(ct) == 0 || len(ct)%bs != 0 {
		return nil, fmt.Errorf("%w: encrypted data is %d bytes, not a positive multiple of %d", ErrMalformedKeyFile, len(ct), bs)
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	pt, ok := kfUnpad(pt, bs)
	if !ok {
		return nil, ErrWrongPassword
	}
	k, err := kfParsePKCS8(pt)
	if err != nil {
		return nil, err
	}
	k.Scheme = scheme
	return k, nil
}

// kfCipher derives the block cipher and IV from the algorithm
// identifier of an EncryptedPrivateKeyInfo.
func kfCipher(algo pkix.AlgorithmIdentifier, password []byte) (cipher.Block, []byte, string, error) {
	switch {
	case algo.Algorithm.Equal(OIDSeedCBCWithSHA1), algo.Algorithm.Equal(OIDSeedCBC):
		var p kfPBEParams
		if err := kfUnmarshal(algo.Parameters.FullBytes, &p); err != nil {
			return nil, nil, "", fmt.Errorf("%w: PBE parameters: %v", ErrMalformedKeyFile, err)
		}
		if err := kfCheckIterations(p.Iterations); err != nil {
			return nil, nil, "", err
		}
		dk := kfPBKDF1(password, p.Salt, p.Iterations)
		block, _ := seed.NewCipher(dk[:16])
		if algo.Algorithm.Equal(OIDSeedCBC) {
			return block, kfSeedFixedIV, "seedCBC (old style, fixed IV)", nil
		}
		ivh := sha1.Sum(dk[16:20])
		return block, ivh[:16], "seedCBCWithSHA1", nil
	case algo.Algorithm.Equal(kfOIDPBES2):
		return kfPBES2Cipher(algo.Parameters.FullBytes, password)
	}
	return nil, nil, "", fmt.Errorf("%w: encryption algorithm %v", ErrUnsupportedKeyFile, algo.Algorithm)
}

func kfPBES2Cipher(params, password []byte) (cipher.Block, []byte, string, error) {
	var p kfPBES2Params
	if err := kfUnmarshal(params, &p); err != nil {
		return nil, nil, "", fmt.Errorf("%w: PBES2 parameters: %v", ErrMalformedKeyFile, err)
	}
	if !p.KDF.Algorithm.Equal(kfOIDPBKDF2) {
		return nil, nil, "", fmt.Errorf("%w: PBES2 key derivation %v", ErrUnsupportedKeyFile, p.KDF.Algorithm)
	}
	var kp kfPBKDF2Params
	if err := kfUnmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, nil, "", fmt.Errorf("%w: PBKDF2 parameters: %v", ErrMalformedKeyFile, err)
	}
	if err := kfCheckIterations(kp.Iterations); err != nil {
		return nil, nil, "", err
	}
	prf, prfName := sha1.New, "SHA1"
	switch o := kp.PRF.Algorithm; {
	case len(o) == 0, o.Equal(kfOIDHMACSHA1):
	case o.Equal(kfOIDHMACSHA224):
		prf, prfName = sha256.New224, "SHA224"
	case o.Equal(kfOIDHMACSHA256):
		prf, prfName = sha256.New, "SHA256"
	case o.Equal(kfOIDHMACSHA384):
		prf, prfName = sha512.New384, "SHA384"
	case o.Equal(kfOIDHMACSHA512):
		prf, prfName = sha512.New, "SHA512"
	default:
		return nil, nil, "", fmt.Errorf("%w: PBKDF2 PRF %v", ErrUnsupportedKeyFile, o)
	}
	var keyLen int
	var encName string
	switch o := p.Enc.Algorithm; {
	case o.Equal(OIDSeedCBC):
		keyLen, encName = 16, "SEED-CBC"
	case o.Equal(kfOIDAES128CBC):
		keyLen, encName = 16, "AES-128-CBC"
	case o.Equal(kfOIDAES192CBC):
		keyLen, encName = 24, "AES-192-CBC"
	case o.Equal(kfOIDAES256CBC):
		keyLen, encName = 32, "AES-256-CBC"
	default:
		return nil, nil, "", fmt.Errorf("%w: PBES2 cipher %v", ErrUnsupportedKeyFile, o)
	}
	if kp.KeyLength != 0 && kp.KeyLength != keyLen {
		return nil, nil, "", fmt.Errorf("%w: PBKDF2 key length %d for %s", ErrMalformedKeyFile, kp.KeyLength, encName)
	}
	var iv []byte
	if err := kfUnmarshal(p.Enc.Parameters.FullBytes, &iv); err != nil || len(iv) != 16 {
		return nil, nil, "", fmt.Errorf("%w: %s IV must be a 16-byte OCTET STRING", ErrMalformedKeyFile, encName)
	}
	key, err := pbkdf2.Key(prf, string(password), kp.Salt, kp.Iterations, keyLen)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%w: PBKDF2: %v", ErrMalformedKeyFile, err)
	}
	var block cipher.Block
	if encName == "SEED-CBC" {
		block, err = seed.NewCipher(key)
	} else {
		block, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, nil, "", err
	}
	return block, iv, "PBES2/PBKDF2-HMAC-" + prfName + "/" + encName, nil
}

func kfCheckIterations(n int) error {
	if n < 1 || n > kfMaxIterations {
		return fmt.Errorf("%w: iteration count %d outside 1..%d", ErrUnsupportedKeyFile, n, kfMaxIterations)
	}
	return nil
}

// kfUnmarshal parses DER into v and rejects trailing bytes.
func kfUnmarshal(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errors.New("trailing data")
	}
	return nil
}

// kfPBKDF1 is the NPKI key derivation: T1 = SHA1(password || salt),
// Ti = SHA1(Ti-1), DK = Tc.
func kfPBKDF1(password, salt []byte, iterations int) [20]byte {
	h := sha1.New()
	h.Write(password)
	h.Write(salt)
	var t [20]byte
	h.Sum(t[:0])
	for i := 1; i < iterations; i++ {
		t = sha1.Sum(t[:])
	}
	return t
}

// unpad removes PKCS#7 padding in constant time with respect to the
// padding contents. It reports false for invalid padding.
func kfUnpad(b []byte, blockSize int) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n == 0 || n > blockSize || n > len(b) {
		return nil, false
	}
	good := byte(0)
	for _, c := range b[len(b)-n:] {
		good |= c ^ byte(n)
	}
	if good != 0 {
		return nil, false
	}
	return b[:len(b)-n], true
}

func kfPad(b []byte, blockSize int) []byte {
	n := blockSize - len(b)%blockSize
	return append(b, bytes.Repeat([]byte{byte(n)}, n)...)
}

// kfParsePKCS8 parses a decrypted PrivateKeyInfo. Bytes that are not a
// PKCS#8 structure are taken as the result of a wrong password.
func kfParsePKCS8(der []byte) (*PrivateKey, error) {
	var p kfPKCS8
	if err := kfUnmarshal(der, &p); err != nil {
		return nil, ErrWrongPassword
	}
	if !p.Algo.Algorithm.Equal(kfOIDRSA) {
		return nil, fmt.Errorf("%w: key algorithm %v is not RSA", ErrUnsupportedKeyFile, p.Algo.Algorithm)
	}
	rk, err := x509.ParsePKCS1PrivateKey(p.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("%w: RSA key: %v", ErrWrongPassword, err)
	}
	k := &PrivateKey{Key: rk}
	if len(p.Attributes.Bytes) > 0 {
		r, err := kfRandomNum(p.Attributes.Bytes)
		if err != nil {
			return nil, err
		}
		k.RandomNum = r
	}
	return k, nil
}

// kfRandomNum finds the R kfAttribute in the contents of the
// attributes [0] SET.
func kfRandomNum(b []byte) ([]byte, error) {
	for len(b) > 0 {
		var a kfAttribute
		var err error
		b, err = asn1.Unmarshal(b, &a)
		if err != nil {
			return nil, fmt.Errorf("%w: private key attributes: %v", ErrMalformedKeyFile, err)
		}
		if !a.Type.Equal(OIDRandomNum) {
			continue
		}
		var bs asn1.BitString
		if err := kfUnmarshal(a.Values.Bytes, &bs); err != nil {
			return nil, fmt.Errorf("%w: R attribute: %v", ErrMalformedKeyFile, err)
		}
		return bs.Bytes, nil
	}
	return nil, nil
}

// KeyScheme selects how EncryptPrivateKey protects a key.
type KeyScheme int

// Key file schemes for EncryptPrivateKey.
const (
	// SchemeSeedCBCWithSHA1 is the classic NPKI scheme 1.2.410.200004.1.15
	// (PBKDF1-SHA1, 2048 iterations, 8-byte salt, SEED-CBC). Every NPKI
	// program reads it; OpenSSL does not.
	SchemeSeedCBCWithSHA1 KeyScheme = iota + 1
	// SchemePBES2SEED is PBES2 with PBKDF2-HMAC-SHA256 and SEED-CBC
	// (OpenSSL reads it with the legacy provider).
	SchemePBES2SEED
	// SchemePBES2AES256 is PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC.
	SchemePBES2AES256
)

// String returns the scheme name as DecryptPrivateKey reports it.
func (s KeyScheme) String() string {
	switch s {
	case SchemeSeedCBCWithSHA1:
		return "seedCBCWithSHA1"
	case SchemePBES2SEED:
		return "PBES2/PBKDF2-HMAC-SHA256/SEED-CBC"
	case SchemePBES2AES256:
		return "PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC"
	}
	return fmt.Sprintf("KeyScheme(%d)", int(s))
}

// Iteration counts used by EncryptPrivateKey.
const (
	kfClassicIterations = 2048  // what NPKI CAs issue
	kfPBES2Iterations   = 10000 // cheap in the browser (WebCrypto PBKDF2)
)

// EncryptPrivateKey returns key as a DER PKCS#8 EncryptedPrivateKeyInfo
// (an NPKI signPri.key) encrypted under password with scheme. When
// randomNum is not nil it is stored as the R attribute.
func EncryptPrivateKey(key *rsa.PrivateKey, randomNum []byte, password []byte, scheme KeyScheme) ([]byte, error) {
	if key == nil {
		return nil, errors.New("pki: EncryptPrivateKey: nil key")
	}
	info, err := kfMarshalPKCS8(key, randomNum)
	if err != nil {
		return nil, err
	}
	var algo pkix.AlgorithmIdentifier
	var block cipher.Block
	var iv []byte
	switch scheme {
	case SchemeSeedCBCWithSHA1:
		salt := make([]byte, 8)
		rand.Read(salt)
		params, err := asn1.Marshal(kfPBEParams{Salt: salt, Iterations: kfClassicIterations})
		if err != nil {
			return nil, err
		}
		algo = pkix.AlgorithmIdentifier{Algorithm: OIDSeedCBCWithSHA1, Parameters: asn1.RawValue{FullBytes: params}}
		dk := kfPBKDF1(password, salt, kfClassicIterations)
		block, _ = seed.NewCipher(dk[:16])
		ivh := sha1.Sum(dk[16:20])
		iv = ivh[:16]
	case SchemePBES2SEED, SchemePBES2AES256:
		encOID, keyLen := OIDSeedCBC, 16
		if scheme == SchemePBES2AES256 {
			encOID, keyLen = kfOIDAES256CBC, 32
		}
		salt := make([]byte, 16)
		rand.Read(salt)
		iv = make([]byte, 16)
		rand.Read(iv)
		kdfParams, err := asn1.Marshal(kfPBKDF2Params{
			Salt: salt, Iterations: kfPBES2Iterations,
			PRF: pkix.AlgorithmIdentifier{Algorithm: kfOIDHMACSHA256, Parameters: asn1.NullRawValue},
		})
		if err != nil {
			return nil, err
		}
		ivDER, _ := asn1.Marshal(iv)
		params, err := asn1.Marshal(kfPBES2Params{
			KDF: pkix.AlgorithmIdentifier{Algorithm: kfOIDPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
			Enc: pkix.AlgorithmIdentifier{Algorithm: encOID, Parameters: asn1.RawValue{FullBytes: ivDER}},
		})
		if err != nil {
			return nil, err
		}
		algo = pkix.AlgorithmIdentifier{Algorithm: kfOIDPBES2, Parameters: asn1.RawValue{FullBytes: params}}
		k, err := pbkdf2.Key(sha256.New, string(password), salt, kfPBES2Iterations, keyLen)
		if err != nil {
			return nil, err
		}
		if scheme == SchemePBES2SEED {
			block, err = seed.NewCipher(k)
		} else {
			block, err = aes.NewCipher(k)
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("pki: EncryptPrivateKey: unknown scheme %v", scheme)
	}
	pt := kfPad(info, block.BlockSize())
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(pt, pt)
	return asn1.Marshal(kfEncryptedKeyInfo{Algo: algo, Data: pt})
}

// kfMarshalPKCS8 encodes an RSA key as PrivateKeyInfo with the optional R
// attribute.
func kfMarshalPKCS8(key *rsa.PrivateKey, randomNum []byte) ([]byte, error) {
	p := kfPKCS8{
		Algo:       pkix.AlgorithmIdentifier{Algorithm: kfOIDRSA, Parameters: asn1.NullRawValue},
		PrivateKey: x509.MarshalPKCS1PrivateKey(key),
	}
	if randomNum != nil {
		bs, err := asn1.Marshal(asn1.BitString{Bytes: randomNum, BitLength: 8 * len(randomNum)})
		if err != nil {
			return nil, err
		}
		set := asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: bs}
		attr, err := asn1.Marshal(kfAttribute{Type: OIDRandomNum, Values: set})
		if err != nil {
			return nil, err
		}
		p.Attributes = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: attr}
	}
	return asn1.Marshal(p)
}
