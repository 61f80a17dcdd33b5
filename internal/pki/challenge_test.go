package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func TestChallengeMessage(t *testing.T) {
	got := string(ChallengeMessage("login", "https://portal.example", "AbC_-x"))
	want := "gwanmun-auth-v1\npurpose:login\norigin:https://portal.example\nnonce:AbC_-x"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, p := range []string{PurposeSignup, PurposeLogin, PurposeCertChange, PurposeConfirm} {
		if !ValidPurpose(p) {
			t.Errorf("%s not valid", p)
		}
	}
	if ValidPurpose("admin") || ValidPurpose("") {
		t.Error("bad purpose valid")
	}
}

func TestNewNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n, err := NewNonce()
		if err != nil {
			t.Fatal(err)
		}
		b, err := base64.RawURLEncoding.DecodeString(n)
		if err != nil || len(b) != 32 || len(n) != 43 {
			t.Fatalf("nonce %q: %d bytes, %v", n, len(b), err)
		}
		if seen[n] {
			t.Fatal("repeated nonce")
		}
		seen[n] = true
	}
}

func TestCheckChallenge(t *testing.T) {
	ch := domain.Challenge{Nonce: "n", Purpose: PurposeLogin, Origin: "https://portal.example",
		CreatedAt: testT0, ExpiresAt: testT0.Add(ChallengeTTL), UsedAt: testT0.Add(time.Minute)}
	if err := CheckChallenge(ch, PurposeLogin, "https://portal.example", testT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, CheckChallenge(ch, PurposeSignup, "https://portal.example", testT0), CodeNonceWrongPurpose)
	wantCode(t, CheckChallenge(ch, PurposeLogin, "https://evil.example", testT0), CodeNonceWrongOrigin)
	wantCode(t, CheckChallenge(ch, PurposeLogin, "https://portal.example", testT0.Add(ChallengeTTL)), CodeNonceExpired)
	wantCode(t, CheckChallenge(domain.Challenge{}, PurposeLogin, "https://portal.example", testT0), CodeNonceUnknown)
}

func TestConsumeError(t *testing.T) {
	wantCode(t, ConsumeError(fmt.Errorf("consume: %w", store.ErrNotFound)), CodeNonceUnknown)
	wantCode(t, ConsumeError(fmt.Errorf("consume: %w", store.ErrConflict)), CodeNonceReplayed)
	if ConsumeError(nil) != nil {
		t.Fatal("nil error mapped")
	}
	other := fmt.Errorf("db down")
	if ConsumeError(other) != other {
		t.Fatal("database error changed")
	}
}

func TestVerifySignatureFixture(t *testing.T) {
	cert, err := ParseCertificate(mustRead(t, fixturePath("signCert.der")))
	if err != nil {
		t.Fatal(err)
	}
	sig := mustRead(t, fixturePath("TEST_MSG.sig"))
	if err := VerifySignature(cert, []byte("TEST_MSG"), sig); err != nil {
		t.Fatal(err)
	}
	wantCode(t, VerifySignature(cert, []byte("TEST_MSG."), sig), CodeSignatureInvalid)
}

func TestParseSignedResponse(t *testing.T) {
	p := newTestPKI(t)
	leaf := p.ca.issueLeaf(t, leafOpts{})
	key := testKey(t, 2)
	msg := ChallengeMessage(PurposeLogin, "https://portal.example", "nonce1")
	d := sha256.Sum256(msg)
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	std := base64.StdEncoding.EncodeToString
	cms := buildCMS(t, leaf, key, msg, cmsOpts{attrs: true})

	t.Run("CertificateAndSignature", func(t *testing.T) {
		r, err := ParseSignedResponse(SignedResponse{Nonce: "nonce1", Certificate: std(leaf.Raw), Signature: std(sig)})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Cert.Equal(leaf) || r.Nonce != "nonce1" {
			t.Fatal("wrong certificate or nonce")
		}
		if err := r.Verify(msg); err != nil {
			t.Fatal(err)
		}
		wantCode(t, r.Verify(ChallengeMessage(PurposeLogin, "https://portal.example", "nonce2")), CodeSignatureInvalid)
	})
	t.Run("CMS", func(t *testing.T) {
		r, err := ParseSignedResponse(SignedResponse{Nonce: "nonce1", CMS: std(cms)})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Cert.Equal(leaf) || r.CMS == nil {
			t.Fatal("signer not taken from the CMS")
		}
		if err := r.Verify(msg); err != nil {
			t.Fatal(err)
		}
		wantCode(t, r.Verify([]byte("gwanmun-auth-v1\npurpose:signup")), CodeSignatureInvalid)
	})
	t.Run("CMSURLBase64Unpadded", func(t *testing.T) {
		r, err := ParseSignedResponse(SignedResponse{Nonce: "nonce1", CMS: base64.RawURLEncoding.EncodeToString(cms)})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Verify(msg); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("WrongKeyForCertificate", func(t *testing.T) {
		other := p.ca.issueLeaf(t, leafOpts{keyIdx: 4})
		r, err := ParseSignedResponse(SignedResponse{Nonce: "nonce1", Certificate: std(other.Raw), Signature: std(sig)})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, r.Verify(msg), CodeSignatureInvalid)
	})
	bad := []struct {
		name string
		r    SignedResponse
		code string
	}{
		{"NoNonce", SignedResponse{Certificate: std(leaf.Raw), Signature: std(sig)}, CodeNonceUnknown},
		{"Nothing", SignedResponse{Nonce: "n"}, CodeCertMalformed},
		{"BadCertBase64", SignedResponse{Nonce: "n", Certificate: "!!!", Signature: std(sig)}, CodeCertMalformed},
		{"BadCertDER", SignedResponse{Nonce: "n", Certificate: std([]byte("junk")), Signature: std(sig)}, CodeCertMalformed},
		{"NoSignature", SignedResponse{Nonce: "n", Certificate: std(leaf.Raw)}, CodeSignatureInvalid},
		{"Both", SignedResponse{Nonce: "n", Certificate: std(leaf.Raw), Signature: std(sig), CMS: std(cms)}, CodeCMSMalformed},
		{"BadCMS", SignedResponse{Nonce: "n", CMS: std([]byte("junk"))}, CodeCMSMalformed},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSignedResponse(tt.r)
			wantCode(t, err, tt.code)
		})
	}
}

func TestDecodeBase64(t *testing.T) {
	want := []byte{0xfb, 0xff, 0xbf, 'g', 'w'}
	for _, in := range []string{
		"+/+/Z3c=", "+/+/Z3c", "-_-_Z3c", "-_-_Z3c=",
		" +/+/\r\nZ3c=\n", "\t-_-_ Z3c",
	} {
		got, err := decodeBase64(in)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("decodeBase64(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, in := range []string{"+/+/Z3c!", "+/-_Z3c", "Z"} {
		if got, err := decodeBase64(in); err == nil {
			t.Errorf("decodeBase64(%q) = %x, want an error", in, got)
		}
	}
}
