package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/gwanmun/gwanmun/internal/testenv"
)

// tlv encodes one DER element.
func tlv(class, tag int, compound bool, content []byte) []byte {
	b, err := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: compound, Bytes: content})
	if err != nil {
		panic(err)
	}
	return b
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// cmsOpts describes a SignedData built by buildCMS.
type cmsOpts struct {
	detached   bool
	attrs      bool
	sha1       bool   // digest with SHA-1 (refused by the parser)
	digestOver []byte // message the messageDigest attribute covers; default content
	noCert     bool
	bySKI      bool
}

// buildCMS returns a DER SignedData over content, signed by key for cert.
func buildCMS(t testing.TB, cert *x509.Certificate, key *rsa.PrivateKey, content []byte, o cmsOpts) []byte {
	t.Helper()
	h, digestOID := crypto.SHA256, oidCMSSHA256
	if o.sha1 {
		h, digestOID = crypto.SHA1, asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	}
	sum := func(b []byte) []byte {
		if o.sha1 {
			s := sha1.Sum(b)
			return s[:]
		}
		s := sha256.Sum256(b)
		return s[:]
	}
	si := signerInfoASN1{
		Version:            1,
		DigestAlgorithm:    pkixAlg(digestOID),
		SignatureAlgorithm: pkixAlg(oidCMSRSA),
	}
	if o.bySKI {
		si.Version = 3
		si.SID = asn1.RawValue{FullBytes: tlv(asn1.ClassContextSpecific, 0, false, cert.SubjectKeyId)}
	} else {
		si.SID = asn1.RawValue{FullBytes: mustMarshal(cmsIssuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, Serial: cert.SerialNumber})}
	}
	toSign := content
	if o.attrs {
		over := content
		if o.digestOver != nil {
			over = o.digestOver
		}
		attrs := [][]byte{
			mustMarshal(struct {
				T asn1.ObjectIdentifier
				V asn1.RawValue
			}{oidContentType, asn1.RawValue{FullBytes: tlv(0, asn1.TagSet, true, mustMarshal(oidCMSData))}}),
			mustMarshal(struct {
				T asn1.ObjectIdentifier
				V asn1.RawValue
			}{oidMessageDigest, asn1.RawValue{FullBytes: tlv(0, asn1.TagSet, true, mustMarshal(sum(over)))}}),
			mustMarshal(struct {
				T asn1.ObjectIdentifier
				V asn1.RawValue
			}{oidSigningTime, asn1.RawValue{FullBytes: tlv(0, asn1.TagSet, true, mustMarshal(testT0.UTC()))}}),
		}
		sort.Slice(attrs, func(i, j int) bool { return bytes.Compare(attrs[i], attrs[j]) < 0 })
		set := tlv(0, asn1.TagSet, true, bytes.Join(attrs, nil))
		toSign = set
		implicit := append([]byte{0xa0}, set[1:]...)
		si.SignedAttrs = asn1.RawValue{FullBytes: implicit}
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, sum(toSign))
	if err != nil {
		t.Fatal(err)
	}
	si.Signature = sig
	sd := signedDataASN1{
		Version:          1,
		DigestAlgorithms: asn1.RawValue{FullBytes: tlv(0, asn1.TagSet, true, mustMarshal(pkixAlg(digestOID)))},
		EncapContentInfo: cmsEncapContentInfo{EContentType: oidCMSData},
		SignerInfos:      []signerInfoASN1{si},
	}
	if !o.detached {
		sd.EncapContentInfo.EContent = asn1.RawValue{FullBytes: tlv(asn1.ClassContextSpecific, 0, true, mustMarshal(content))}
	}
	if !o.noCert {
		sd.Certificates = asn1.RawValue{FullBytes: tlv(asn1.ClassContextSpecific, 0, true, cert.Raw)}
	}
	return mustMarshal(cmsContentInfo{ContentType: oidSignedData, Content: asn1.RawValue{FullBytes: tlv(asn1.ClassContextSpecific, 0, true, mustMarshal(sd))}})
}

func TestCMSFixture(t *testing.T) {
	der, err := os.ReadFile(fixturePath("TEST_MSG.p7s"))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := ParseSignedData(der)
	if err != nil {
		t.Fatal(err)
	}
	if string(sd.Content) != "TEST_MSG" || sd.Signer.SerialNumber.Int64() != 4562037 {
		t.Fatalf("content %q signer serial %v", sd.Content, sd.Signer.SerialNumber)
	}
	if err := sd.Verify([]byte("TEST_MSG")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, sd.Verify([]byte("TEST_MSH")), CodeSignatureInvalid)
	// Flip one bit of the signature (the last byte of the file).
	bad := bytes.Clone(der)
	bad[len(bad)-1] ^= 1
	sd, err = ParseSignedData(bad)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, sd.Verify([]byte("TEST_MSG")), CodeSignatureInvalid)
}

func TestCMSBuilt(t *testing.T) {
	p := newTestPKI(t)
	leaf := p.ca.issueLeaf(t, leafOpts{})
	key := testKey(t, 2)
	msg := ChallengeMessage(PurposeLogin, "https://portal.example", "abc")
	tests := []struct {
		name      string
		opts      cmsOpts
		parseCode string // "" parses
		verify    []byte
		code      string // "" verifies
	}{
		{"AttachedNoAttrs", cmsOpts{}, "", msg, ""},
		{"AttachedAttrs", cmsOpts{attrs: true}, "", msg, ""},
		{"DetachedNoAttrs", cmsOpts{detached: true}, "", msg, ""},
		{"DetachedAttrs", cmsOpts{detached: true, attrs: true}, "", msg, ""},
		{"BySKI", cmsOpts{attrs: true, bySKI: true}, "", msg, ""},
		{"AttachedOtherMessage", cmsOpts{}, "", []byte("other"), CodeSignatureInvalid},
		{"DetachedOtherMessage", cmsOpts{detached: true, attrs: true}, "", []byte("other"), CodeSignatureInvalid},
		{"DigestAttrMismatch", cmsOpts{detached: true, attrs: true, digestOver: []byte("x")}, "", msg, CodeSignatureInvalid},
		{"SHA1", cmsOpts{sha1: true}, CodeCMSUnsupported, nil, ""},
		{"NoCertificate", cmsOpts{noCert: true}, CodeCMSMalformed, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd, err := ParseSignedData(buildCMS(t, leaf, key, msg, tt.opts))
			if tt.parseCode != "" {
				wantCode(t, err, tt.parseCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.opts.attrs && !sd.SigningTime.Equal(testT0) {
				t.Errorf("signing time %v", sd.SigningTime)
			}
			err = sd.Verify(tt.verify)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
	// Signed by another key than the embedded certificate's.
	sd, err := ParseSignedData(buildCMS(t, leaf, testKey(t, 4), msg, cmsOpts{attrs: true}))
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, sd.Verify(msg), CodeSignatureInvalid)
}

func TestCMSMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"Empty":    nil,
		"Garbage":  []byte("hello"),
		"Cert":     mustRead(t, fixturePath("signCert.der")),
		"Trailing": append(mustRead(t, fixturePath("TEST_MSG.p7s")), 0),
		"DataOnly": mustMarshal(cmsContentInfo{ContentType: oidCMSData, Content: asn1.RawValue{FullBytes: tlv(asn1.ClassContextSpecific, 0, true, mustMarshal([]byte("x")))}}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSignedData(b)
			wantCode(t, err, CodeCMSMalformed)
		})
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// OpenSSL's cms -sign output (signed attributes, attached and detached)
// must verify.
func TestCMSOpenSSLInterop(t *testing.T) {
	openssl := testenv.Command(t, "openssl")
	p := newTestPKI(t)
	leaf := p.ca.issueLeaf(t, leafOpts{})
	dir := t.TempDir()
	keyDER, _ := x509.MarshalPKCS8PrivateKey(testKey(t, 2))
	writeFile(t, filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))
	writeFile(t, filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	msg := ChallengeMessage(PurposeSignup, "http://127.0.0.1:8080", "n0nce")
	writeFile(t, filepath.Join(dir, "msg"), msg)
	for _, args := range [][]string{{"-nodetach"}, {}, {"-nodetach", "-noattr"}} {
		out := filepath.Join(dir, "out.p7s")
		cmd := exec.Command(openssl, append([]string{"cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER",
			"-in", filepath.Join(dir, "msg"), "-signer", filepath.Join(dir, "cert.pem"), "-inkey", filepath.Join(dir, "key.pem"), "-out", out}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, b)
		}
		sd, err := ParseSignedData(mustRead(t, out))
		if err != nil {
			t.Fatalf("openssl %v: %v", args, err)
		}
		if err := sd.Verify(msg); err != nil {
			t.Fatalf("openssl %v: %v", args, err)
		}
		wantCode(t, sd.Verify(append(bytes.Clone(msg), '!')), CodeSignatureInvalid)
	}
}

func pkixAlg(oid asn1.ObjectIdentifier) pkix.AlgorithmIdentifier {
	return pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
}
