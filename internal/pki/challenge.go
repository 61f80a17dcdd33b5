package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Challenge purposes (docs/auth-protocol.md).
const (
	PurposeSignup     = "signup"
	PurposeLogin      = "login"
	PurposeCertChange = "cert-change"
	PurposeConfirm    = "confirm"
	// PurposeCertReregister: an anonymous user whose certificate expired
	// signs with the new one to ask their health centre to register it.
	PurposeCertReregister = "cert-reregister"
	// PurposeReactivate: the owner of an account locked for inactivity
	// signs with its registered certificate to reopen it (휴면 해제).
	PurposeReactivate = "reactivate"
)

// ValidPurpose reports whether p is one of the challenge purposes.
func ValidPurpose(p string) bool {
	switch p {
	case PurposeSignup, PurposeLogin, PurposeCertChange, PurposeConfirm, PurposeCertReregister, PurposeReactivate:
		return true
	}
	return false
}

// ChallengeTTL is how long a challenge stays valid.
const ChallengeTTL = 5 * time.Minute

// ChallengeMessage returns the canonical message the browser signs: four
// lines joined by "\n", no trailing newline (docs/auth-protocol.md).
func ChallengeMessage(purpose, origin, nonce string) []byte {
	return []byte("gwanmun-auth-v1\npurpose:" + purpose + "\norigin:" + origin + "\nnonce:" + nonce)
}

// NewNonce returns 32 random bytes in base64url without padding.
func NewNonce() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// CheckChallenge checks a challenge the store returned by ConsumeChallenge:
// it must be for wantPurpose and wantOrigin and not expired at now. It does
// not look at UsedAt, which ConsumeChallenge has just set; replay shows as
// store.ErrConflict, which ConsumeError maps to nonce_replayed.
func CheckChallenge(ch domain.Challenge, wantPurpose, wantOrigin string, now time.Time) error {
	switch {
	case ch.Nonce == "":
		return errorf(CodeNonceUnknown, "empty nonce")
	case ch.Purpose != wantPurpose:
		return errorf(CodeNonceWrongPurpose, "challenge for %q used for %q", ch.Purpose, wantPurpose)
	case ch.Origin != wantOrigin:
		return errorf(CodeNonceWrongOrigin, "challenge for origin %q used at %q", ch.Origin, wantOrigin)
	case !now.Before(ch.ExpiresAt):
		return errorf(CodeNonceExpired, "challenge expired at %s", ch.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// ConsumeError maps an error of store.ConsumeChallenge to a *CertError:
// ErrNotFound to nonce_unknown and ErrConflict to nonce_replayed. Other
// errors (database trouble) are returned unchanged.
func ConsumeError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return &CertError{Code: CodeNonceUnknown, Err: err}
	case errors.Is(err, store.ErrConflict):
		return &CertError{Code: CodeNonceReplayed, Err: err}
	}
	return err
}

// VerifySignature checks an RSA PKCS#1 v1.5 SHA-256 signature of msg by
// cert's key. A signature that does not verify gives signature_invalid; a
// non-RSA key gives cert_unsupported_key.
func VerifySignature(cert *x509.Certificate, msg, sig []byte) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errorf(CodeCertUnsupportedKey, "key is %T, want RSA", cert.PublicKey)
	}
	d := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
		return &CertError{Code: CodeSignatureInvalid, Err: errors.New("RSA signature does not verify")}
	}
	return nil
}

// SignedResponse is the browser's answer to a challenge as it arrives
// (docs/auth-protocol.md): the nonce and either Certificate and Signature
// (base64 standard encoding) or CMS (base64 of a SignedData).
type SignedResponse struct {
	Nonce       string `json:"nonce"`
	Certificate string `json:"certificate,omitempty"`
	Signature   string `json:"signature,omitempty"`
	CMS         string `json:"cms,omitempty"`
}

// Response is a parsed SignedResponse: the signing certificate and what
// it signed with, not yet verified.
type Response struct {
	Nonce string
	// Cert is the signing certificate: the one sent, or the CMS signer.
	Cert *x509.Certificate
	// CMS is the parsed SignedData when the browser sent one.
	CMS *SignedData

	signature []byte
}

// maxResponseField bounds each base64 field.
const maxResponseField = 4 * maxCMSSize / 3

// ParseSignedResponse decodes and parses r without verifying it. Errors
// have codes: nonce_unknown for a missing nonce, cert_malformed,
// cms_malformed, cms_unsupported or signature_invalid for the rest.
func ParseSignedResponse(r SignedResponse) (*Response, error) {
	if r.Nonce == "" {
		return nil, errorf(CodeNonceUnknown, "response without nonce")
	}
	for _, f := range []string{r.Certificate, r.Signature, r.CMS} {
		if len(f) > maxResponseField {
			return nil, errorf(CodeCMSMalformed, "response field of %d bytes is too large", len(f))
		}
	}
	out := &Response{Nonce: r.Nonce}
	if r.CMS != "" {
		if r.Certificate != "" || r.Signature != "" {
			return nil, errorf(CodeCMSMalformed, "both cms and certificate/signature sent")
		}
		der, err := decodeBase64(r.CMS)
		if err != nil {
			return nil, &CertError{Code: CodeCMSMalformed, Err: err}
		}
		sd, err := ParseSignedData(der)
		if err != nil {
			return nil, err
		}
		out.CMS, out.Cert = sd, sd.Signer
		return out, nil
	}
	if r.Certificate == "" {
		return nil, errorf(CodeCertMalformed, "response without certificate")
	}
	der, err := decodeBase64(r.Certificate)
	if err != nil {
		return nil, &CertError{Code: CodeCertMalformed, Err: err}
	}
	if out.Cert, err = parseCached(der); err != nil {
		return nil, err
	}
	if out.signature, err = decodeBase64(r.Signature); err != nil || len(out.signature) == 0 {
		return nil, errorf(CodeSignatureInvalid, "missing or undecodable signature")
	}
	return out, nil
}

// Verify checks that the response signs msg, the challenge message the
// server rebuilt from its stored challenge (ChallengeMessage).
func (r *Response) Verify(msg []byte) error {
	if r.CMS != nil {
		return r.CMS.Verify(msg)
	}
	return VerifySignature(r.Cert, msg, r.signature)
}

// decodeBase64 accepts standard base64 with or without padding, and also
// the URL alphabet, ignoring surrounding space and line breaks.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, " \n\r\t") { // a byte scan; Map decodes runes
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\n', '\r', '\t':
				return -1
			}
			return r
		}, s)
	}
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// parsed keeps the certificates of recent signed responses by their DER:
// a user signs in with the same certificate again and again, and parsing
// it was 6 % of a login's CPU under load (docs/performance.md). Parsed
// certificates are only read, never changed, so they can be shared. When
// full, the cache starts over: a flood of new certificates costs what it
// would without it.
var parsed = struct {
	sync.Mutex
	m map[string]*x509.Certificate
}{m: map[string]*x509.Certificate{}}

// parsedMax bounds parsed (a certificate takes a few kilobytes).
const parsedMax = 2048

// parseCached is ParseCertificate through the parsed cache.
func parseCached(der []byte) (*x509.Certificate, error) {
	parsed.Lock()
	c := parsed.m[string(der)]
	parsed.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	parsed.Lock()
	if len(parsed.m) >= parsedMax {
		clear(parsed.m)
	}
	parsed.m[string(c.Raw)] = c
	parsed.Unlock()
	return c, nil
}

// ParseCertificate parses a DER certificate, giving cert_malformed on error.
func ParseCertificate(der []byte) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, &CertError{Code: CodeCertMalformed, Err: err}
	}
	return c, nil
}
