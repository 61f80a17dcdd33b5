package pki

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// RevocationMode says what happens when no revocation source answers.
type RevocationMode int

const (
	// SoftFail accepts a certificate whose revocation status is unknown and
	// reports RevocationUnknown in the Result.
	SoftFail RevocationMode = iota
	// HardFail refuses it with cert_revocation_unavailable.
	HardFail
)

// RevocationStatus is the outcome of the revocation check.
type RevocationStatus string

// Revocation statuses in a Result.
const (
	RevocationGood    RevocationStatus = "good"    // a fresh, verified CRL or OCSP response vouches for it
	RevocationUnknown RevocationStatus = "unknown" // no source answered (soft-fail accepted it)
)

// VerifierConfig configures a Verifier. Only Roots is required.
type VerifierConfig struct {
	// Roots are the trust anchors (KISA RootCA, GPKI root, the dev CA).
	Roots []*x509.Certificate
	// Intermediates are the accredited CAs' certificates. Browsers send only
	// the user certificate, so every issuing CA must be listed here.
	Intermediates []*x509.Certificate
	// CRLFiles are CRL files (DER or PEM), e.g. fetched from a CA's LDAP
	// directory by a cron job. They are re-read when they change.
	CRLFiles []string
	// FetchCRL fetches the http:// and https:// CRL distribution points a
	// certificate names. (ldap:// points, common in NPKI, are not fetched:
	// mirror them to CRLFiles.)
	FetchCRL bool
	// OCSP asks the OCSP responder a certificate names (authorityInfoAccess).
	OCSP bool
	// RevocationMode decides what happens when no source answers.
	RevocationMode RevocationMode
	// AllowUnknownPolicy accepts certificates whose policy OID is not in
	// Policies (class unknown). Off by default: such a certificate is
	// refused with cert_unknown_policy.
	AllowUnknownPolicy bool
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// HTTPClient fetches CRLs and OCSP responses; a client with a 10 s
	// timeout when nil.
	HTTPClient *http.Client
}

// Result is a successful verification.
type Result struct {
	Cert *x509.Certificate
	// Chain runs from Cert (first) to the trust anchor (last).
	Chain     []*x509.Certificate
	Class     domain.CertClass
	PolicyOID string
	// Revocation is good, or unknown when soft-fail let it through.
	Revocation RevocationStatus
	// RevocationSource names what vouched for it ("crl:URL", "crl:file:PATH",
	// "ocsp:URL"), or why nothing did when unknown.
	RevocationSource string
}

// RequirePersonal returns nil for a personal certificate, and
// cert_not_personal or cert_unknown_policy otherwise. Signup, login and
// roles that handle personal data call it (manual 1.4).
func (r *Result) RequirePersonal() error {
	switch r.Class {
	case domain.CertPersonal:
		return nil
	case domain.CertInstitution:
		return errorf(CodeCertNotPersonal, "policy %s is an institution policy", r.PolicyOID)
	}
	return errorf(CodeCertUnknownPolicy, "policy %q is not in the policy table", r.PolicyOID)
}

// Verifier checks user certificates against a fixed trust configuration.
// It is safe for concurrent use and caches verified chains, CRLs and OCSP
// responses, so that checking a returning user's certificate costs about
// a hash and a few map lookups.
type Verifier struct {
	cfg   VerifierConfig
	opts  x509.VerifyOptions
	crl   *crlCache
	ocsp  *ocspCache
	now   func() time.Time
	mu    sync.RWMutex
	leafs map[[32]byte]chainEntry // SHA-256 of leaf DER → verified chain
	cas   map[string]chainEntry   // issuer name + AKI → verified issuer chain
	trust trustState              // reloadable trust (reload.go); opts and cfg's Roots/Intermediates change under mu
}

// chainEntry is a cached verified chain, usable until until.
type chainEntry struct {
	chain []*x509.Certificate
	until time.Time
}

// maxCachedChains bounds each chain cache; a full cache is emptied.
const maxCachedChains = 50000

// NewVerifier returns a Verifier for cfg. It reads cfg.CRLFiles now and
// fails if one cannot be read or parsed.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.Roots) == 0 {
		return nil, errors.New("pki: verifier needs at least one trust anchor")
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range cfg.Roots {
		roots.AddCert(c)
	}
	for _, c := range cfg.Intermediates {
		inter.AddCert(c)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	v := &Verifier{
		cfg: cfg,
		opts: x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		},
		now:   cfg.Now,
		leafs: map[[32]byte]chainEntry{},
		cas:   map[string]chainEntry{},
		crl:   newCRLCache(cfg.HTTPClient),
		ocsp:  newOCSPCache(cfg.HTTPClient),
	}
	if err := v.crl.loadFiles(cfg.CRLFiles, cfg.Now()); err != nil {
		return nil, err
	}
	return v, nil
}

// ReloadCRLs re-reads the configured CRL files and forgets fetched CRLs and
// OCSP responses, so that the next check fetches them anew.
func (v *Verifier) ReloadCRLs() error {
	v.ocsp.reset()
	return v.crl.reset(v.cfg.CRLFiles, v.now())
}

// Verify checks cert for use as a login or signup certificate: validity
// period, key usage (digitalSignature required), chain to a configured
// trust anchor, revocation, and policy. Failures are *CertError with the
// codes of errors.go.
func (v *Verifier) Verify(ctx context.Context, cert *x509.Certificate) (*Result, error) {
	if cert == nil {
		return nil, errorf(CodeCertMalformed, "no certificate")
	}
	now := v.now()
	if err := CheckValidity(cert, now); err != nil {
		return nil, err
	}
	if err := CheckKeyUsage(cert); err != nil {
		return nil, err
	}
	if err := CheckLeafKey(cert); err != nil {
		return nil, err
	}
	chain, err := v.chain(cert, now)
	if err != nil {
		return nil, err
	}
	res := &Result{Cert: cert, Chain: chain}
	res.Class, res.PolicyOID = Classify(cert)
	if res.Class == domain.CertUnknown && !v.cfg.AllowUnknownPolicy {
		return nil, errorf(CodeCertUnknownPolicy, "policy %q is not in the policy table", res.PolicyOID)
	}
	if res.Revocation, res.RevocationSource, err = v.revocation(ctx, cert, chain[1], now); err != nil {
		return nil, err
	}
	return res, nil
}

// CheckValidity checks cert's validity period at now.
func CheckValidity(cert *x509.Certificate, now time.Time) error {
	if now.Before(cert.NotBefore) {
		e := errorf(CodeCertNotYetValid, "valid from %s", cert.NotBefore.UTC().Format(time.RFC3339))
		e.At = cert.NotBefore
		return e
	}
	if now.After(cert.NotAfter) {
		e := errorf(CodeCertExpired, "expired at %s", cert.NotAfter.UTC().Format(time.RFC3339))
		e.At = cert.NotAfter
		return e
	}
	return nil
}

// CheckKeyUsage requires the digitalSignature key usage. A certificate with
// nonRepudiation alone is refused: that bit commits to signed content, and
// login is authentication (RFC 5280 4.2.1.3). NPKI signing certificates set
// both bits; key-management certificates (kmCert) set neither and are
// refused too, as are certificates without the extension.
func CheckKeyUsage(cert *x509.Certificate) error {
	if cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return errorf(CodeCertKeyUsage, "key usage %#x lacks digitalSignature", int(cert.KeyUsage))
	}
	return nil
}

// MinRSABits is the smallest RSA modulus a user's certificate may have.
// NPKI has issued 2048-bit keys since 2012; 1024-bit RSA is breakable by
// a well-funded attacker and is refused (NIST SP 800-131A).
const MinRSABits = 2048

// CheckLeafKey requires a user's certificate to be an end entity with an
// RSA key of at least MinRSABits: RSA, because the portal signs with RSA
// only (any other key type is cert_unsupported_key; NPKI user
// certificates are RSA); no CA flag, keyCertSign or cRLSign, which mark a
// certification authority's key, never a person's (cert_ca_usage).
func CheckLeafKey(cert *x509.Certificate) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errorf(CodeCertUnsupportedKey, "key is %T, want RSA", cert.PublicKey)
	}
	if n := pub.N.BitLen(); n < MinRSABits {
		return errorf(CodeCertWeakKey, "RSA key of %d bits, want at least %d", n, MinRSABits)
	}
	if cert.IsCA || cert.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return errorf(CodeCertCAUsage, "a CA certificate (CA %v, key usage %#x) used as a user's", cert.IsCA, int(cert.KeyUsage))
	}
	return nil
}

// chain returns a verified chain for cert, from the caches when possible.
func (v *Verifier) chain(cert *x509.Certificate, now time.Time) ([]*x509.Certificate, error) {
	leafKey := sha256.Sum256(cert.Raw)
	caKey := string(cert.RawIssuer) + "\x00" + string(cert.AuthorityKeyId)
	v.mu.RLock()
	le, leafHit := v.leafs[leafKey]
	ce, caHit := v.cas[caKey]
	opts := v.opts // ReloadTrust swaps it under mu
	v.mu.RUnlock()
	if leafHit && now.Before(le.until) {
		return le.chain, nil
	}
	if caHit && now.Before(ce.until) {
		issuer := ce.chain[0]
		if bytes.Equal(cert.RawIssuer, issuer.RawSubject) && cert.CheckSignatureFrom(issuer) == nil {
			chain := append([]*x509.Certificate{cert}, ce.chain...)
			v.store(leafKey, caKey, chain)
			return chain, nil
		}
	}
	opts.CurrentTime = now
	chains, err := cert.Verify(opts)
	if err != nil {
		return nil, &CertError{Code: CodeCertUntrusted, Err: err}
	}
	chain := chains[0]
	if len(chain) < 2 {
		// The user certificate is itself a trust anchor: never acceptable.
		return nil, errorf(CodeCertUntrusted, "certificate is a trust anchor, not a user certificate")
	}
	v.store(leafKey, caKey, chain)
	return chain, nil
}

// store caches a verified chain under its leaf and under its issuer.
func (v *Verifier) store(leafKey [32]byte, caKey string, chain []*x509.Certificate) {
	until := chain[0].NotAfter
	for _, c := range chain[1:] {
		if c.NotAfter.Before(until) {
			until = c.NotAfter
		}
	}
	caUntil := chain[1].NotAfter
	for _, c := range chain[2:] {
		if c.NotAfter.Before(caUntil) {
			caUntil = c.NotAfter
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.leafs) >= maxCachedChains {
		clear(v.leafs)
	}
	if len(v.cas) >= maxCachedChains {
		clear(v.cas)
	}
	v.leafs[leafKey] = chainEntry{chain, until}
	v.cas[caKey] = chainEntry{chain[1:], caUntil}
}

// revocation checks cert against the CRLs and the OCSP responder. Either
// saying revoked refuses it; either saying good (fresh and verified)
// accepts it; otherwise the revocation mode decides.
func (v *Verifier) revocation(ctx context.Context, cert, issuer *x509.Certificate, now time.Time) (RevocationStatus, string, error) {
	var why []string
	good := ""
	crl, err := v.crl.check(ctx, cert, issuer, now, v.cfg.FetchCRL)
	switch {
	case err != nil && crl.revoked:
		return "", "", err
	case err != nil:
		why = append(why, err.Error())
	case crl.source != "":
		good = crl.source
	}
	if v.cfg.OCSP {
		src, err := v.ocsp.check(ctx, cert, issuer, now)
		switch {
		case errors.Is(err, ErrCertRevoked):
			return "", "", err
		case err != nil:
			why = append(why, err.Error())
		case src != "" && good == "":
			good = src
		}
	}
	if good != "" {
		return RevocationGood, good, nil
	}
	reason := strings.Join(why, "; ")
	if reason == "" {
		reason = "no CRL or OCSP source for this certificate"
	}
	if v.cfg.RevocationMode == HardFail {
		return "", "", errorf(CodeRevocationUnavailable, "%s", reason)
	}
	return RevocationUnknown, reason, nil
}

// TrustStore is the content of a trust-store directory.
type TrustStore struct {
	Roots         []*x509.Certificate
	Intermediates []*x509.Certificate
	CRLFiles      []string
}

// LoadTrustStore reads a trust-store directory: certificate files (PEM,
// possibly several per file, or DER) in dir/roots and dir/intermediates,
// and CRL files in dir/crls. Hidden files and README files are skipped;
// any other unreadable file is an error. Missing subfolders are fine, but
// a store without roots is an error.
func LoadTrustStore(dir string) (*TrustStore, error) {
	ts := &TrustStore{}
	var err error
	if ts.Roots, err = loadCertDir(filepath.Join(dir, "roots")); err != nil {
		return nil, err
	}
	if ts.Intermediates, err = loadCertDir(filepath.Join(dir, "intermediates")); err != nil {
		return nil, err
	}
	if ts.CRLFiles, err = listDir(filepath.Join(dir, "crls")); err != nil {
		return nil, err
	}
	if len(ts.Roots) == 0 {
		return nil, fmt.Errorf("pki: trust store %s has no root certificates in roots/", dir)
	}
	return ts, nil
}

// listDir returns the regular, non-hidden, non-README files of dir, sorted;
// nothing when dir does not exist.
func listDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(strings.ToUpper(n), "README") {
			continue
		}
		out = append(out, filepath.Join(dir, n))
	}
	sort.Strings(out)
	return out, nil
}

func loadCertDir(dir string) ([]*x509.Certificate, error) {
	files, err := listDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		certs, err := ParseCertificates(b)
		if err != nil {
			return nil, fmt.Errorf("pki: %s: %w", f, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

// ParseCertificates parses PEM (one or more CERTIFICATE blocks) or DER.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	if !bytes.Contains(b, []byte("-----BEGIN")) {
		c, err := ParseCertificate(b)
		if err != nil {
			return nil, err
		}
		return []*x509.Certificate{c}, nil
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errorf(CodeCertMalformed, "no CERTIFICATE block in PEM")
	}
	return out, nil
}
