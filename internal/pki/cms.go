package pki

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	_ "crypto/sha256" // digests offered by digestHash
	_ "crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"time"
)

// CMS object identifiers (RFC 5652, RFC 8017, RFC 5754).
var (
	oidCMSData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	oidCMSRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidCMSSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidCMSSHA384     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidCMSSHA512     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// maxCMSSize bounds the SignedData accepted, far above a login response
// (one certificate chain and a short message).
const maxCMSSize = 256 << 10

type cmsContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedDataASN1 struct {
	Version          int
	DigestAlgorithms asn1.RawValue `asn1:"set"`
	EncapContentInfo cmsEncapContentInfo
	Certificates     asn1.RawValue    `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue    `asn1:"optional,tag:1"`
	SignerInfos      []signerInfoASN1 `asn1:"set"`
}

type cmsEncapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signerInfoASN1 struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type cmsIssuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type cmsAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// SignedData is a parsed CMS (PKCS#7) SignedData with exactly one signer,
// the form NPKI browser and agent libraries produce. Parsing does not verify
// anything; call Verify.
type SignedData struct {
	// Content is the encapsulated content; nil when detached.
	Content []byte
	// Certificates are the certificates embedded in the SignedData.
	Certificates []*x509.Certificate
	// Signer is the embedded certificate the signer info names.
	Signer *x509.Certificate
	// SigningTime is the signingTime signed attribute, zero when absent.
	// It is informative only: freshness comes from the challenge nonce.
	SigningTime time.Time

	hash          crypto.Hash
	signature     []byte
	signedAttrs   []byte // DER of the SET OF attributes (tag 0x31); nil when absent
	messageDigest []byte // messageDigest attribute
}

// ParseSignedData parses a DER ContentInfo holding a SignedData with one
// signer whose certificate is embedded. The digest must be SHA-256, SHA-384
// or SHA-512 and the signature RSA PKCS#1 v1.5; anything else is refused
// with cms_unsupported. Structural problems give cms_malformed.
func ParseSignedData(der []byte) (*SignedData, error) {
	if len(der) > maxCMSSize {
		return nil, errorf(CodeCMSMalformed, "SignedData of %d bytes exceeds %d", len(der), maxCMSSize)
	}
	var ci cmsContentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, &CertError{Code: CodeCMSMalformed, Err: err}
	} else if len(rest) > 0 {
		return nil, errorf(CodeCMSMalformed, "trailing data after ContentInfo")
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, errorf(CodeCMSMalformed, "content type %v is not signedData", ci.ContentType)
	}
	var sd signedDataASN1
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, &CertError{Code: CodeCMSMalformed, Err: err}
	} else if len(rest) > 0 {
		return nil, errorf(CodeCMSMalformed, "trailing data after SignedData")
	}
	if len(sd.SignerInfos) != 1 {
		return nil, errorf(CodeCMSMalformed, "%d signer infos, want 1", len(sd.SignerInfos))
	}
	out := &SignedData{}
	if !sd.EncapContentInfo.EContentType.Equal(oidCMSData) {
		return nil, errorf(CodeCMSUnsupported, "content type %v is not data", sd.EncapContentInfo.EContentType)
	}
	if len(sd.EncapContentInfo.EContent.FullBytes) > 0 {
		var content []byte
		if rest, err := asn1.Unmarshal(sd.EncapContentInfo.EContent.Bytes, &content); err != nil {
			return nil, &CertError{Code: CodeCMSMalformed, Err: err}
		} else if len(rest) > 0 {
			return nil, errorf(CodeCMSMalformed, "trailing data after content")
		}
		if content == nil {
			content = []byte{}
		}
		out.Content = content
	}
	if len(sd.Certificates.Bytes) == 0 {
		return nil, errorf(CodeCMSMalformed, "no certificates embedded")
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil {
		return nil, &CertError{Code: CodeCMSMalformed, Err: err}
	}
	out.Certificates = certs

	si := sd.SignerInfos[0]
	if out.Signer, err = findSigner(si.SID, certs); err != nil {
		return nil, err
	}
	if out.hash, err = digestHash(si.DigestAlgorithm.Algorithm); err != nil {
		return nil, err
	}
	switch alg := si.SignatureAlgorithm.Algorithm; {
	case alg.Equal(oidCMSRSA):
	case alg.Equal(oidSHA256WithRSA) && out.hash == crypto.SHA256,
		alg.Equal(oidSHA384WithRSA) && out.hash == crypto.SHA384,
		alg.Equal(oidSHA512WithRSA) && out.hash == crypto.SHA512:
	default:
		return nil, errorf(CodeCMSUnsupported, "signature algorithm %v with digest %v", alg, si.DigestAlgorithm.Algorithm)
	}
	if len(si.Signature) == 0 {
		return nil, errorf(CodeCMSMalformed, "empty signature")
	}
	out.signature = si.Signature
	if len(si.SignedAttrs.FullBytes) > 0 {
		if err := out.parseSignedAttrs(si.SignedAttrs); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// findSigner returns the certificate a SignerIdentifier names.
func findSigner(sid asn1.RawValue, certs []*x509.Certificate) (*x509.Certificate, error) {
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		var ias cmsIssuerAndSerial
		if rest, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil {
			return nil, &CertError{Code: CodeCMSMalformed, Err: err}
		} else if len(rest) > 0 || ias.Serial == nil {
			return nil, errorf(CodeCMSMalformed, "bad issuerAndSerialNumber")
		}
		for _, c := range certs {
			if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
				return c, nil
			}
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0:
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
	default:
		return nil, errorf(CodeCMSMalformed, "unknown signer identifier")
	}
	return nil, errorf(CodeCMSMalformed, "signer certificate is not embedded")
}

// digestHash maps a digest algorithm OID to a hash. SHA-1 is refused: every
// accredited CA has signed with SHA-256 since 2011, and gwanmun has no old
// clients to support.
func digestHash(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidCMSSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidCMSSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidCMSSHA512):
		return crypto.SHA512, nil
	}
	return 0, errorf(CodeCMSUnsupported, "digest algorithm %v", oid)
}

// parseSignedAttrs reads the content-type, message-digest and signing-time
// attributes and keeps the DER SET the signature covers.
func (s *SignedData) parseSignedAttrs(raw asn1.RawValue) error {
	// The signature covers the attributes encoded as a SET OF (tag 0x31),
	// not with the [0] IMPLICIT tag they carry inside SignerInfo.
	s.signedAttrs = append([]byte{0x31}, raw.FullBytes[1:]...)
	var contentType asn1.ObjectIdentifier
	rest := raw.Bytes
	for len(rest) > 0 {
		var a cmsAttribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return &CertError{Code: CodeCMSMalformed, Err: err}
		}
		switch {
		case a.Type.Equal(oidMessageDigest):
			if s.messageDigest != nil {
				return errorf(CodeCMSMalformed, "two messageDigest attributes")
			}
			var d []byte
			if r, err := asn1.Unmarshal(a.Values.Bytes, &d); err != nil || len(r) > 0 {
				return errorf(CodeCMSMalformed, "bad messageDigest attribute")
			}
			s.messageDigest = d
		case a.Type.Equal(oidContentType):
			if r, err := asn1.Unmarshal(a.Values.Bytes, &contentType); err != nil || len(r) > 0 {
				return errorf(CodeCMSMalformed, "bad contentType attribute")
			}
		case a.Type.Equal(oidSigningTime):
			var t time.Time
			if r, err := asn1.Unmarshal(a.Values.Bytes, &t); err == nil && len(r) == 0 {
				s.SigningTime = t
			}
		}
	}
	if s.messageDigest == nil {
		return errorf(CodeCMSMalformed, "signed attributes without messageDigest")
	}
	if !contentType.Equal(oidCMSData) {
		return errorf(CodeCMSMalformed, "signed contentType attribute is %v, want data", contentType)
	}
	return nil
}

// Verify checks the signature over msg with the signer certificate's key.
// When the SignedData carries content, it must equal msg (pass the expected
// message either way: attached content alone proves nothing about what the
// server asked to sign). It checks neither the certificate's chain nor its
// validity; that is Verifier's job.
func (s *SignedData) Verify(msg []byte) error {
	if s.Content != nil && !bytes.Equal(s.Content, msg) {
		return errorf(CodeSignatureInvalid, "signed content differs from the expected message")
	}
	pub, ok := s.Signer.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errorf(CodeCertUnsupportedKey, "signer key is %T, want RSA", s.Signer.PublicKey)
	}
	h := s.hash.New()
	h.Write(msg)
	digest := h.Sum(nil)
	if s.signedAttrs != nil {
		if subtle.ConstantTimeCompare(digest, s.messageDigest) != 1 {
			return errorf(CodeSignatureInvalid, "messageDigest attribute does not match the message")
		}
		h.Reset()
		h.Write(s.signedAttrs)
		digest = h.Sum(nil)
	}
	if err := rsa.VerifyPKCS1v15(pub, s.hash, digest, s.signature); err != nil {
		return &CertError{Code: CodeSignatureInvalid, Err: errors.New("CMS signature does not verify")}
	}
	return nil
}
