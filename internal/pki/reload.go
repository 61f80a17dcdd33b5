package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"sort"
	"time"
)

// TrustConfig is the part of a verifier's trust that can be reloaded
// while it runs: the trust anchors and the intermediate CAs.
type TrustConfig struct {
	Roots         []*x509.Certificate
	Intermediates []*x509.Certificate
}

// trustState is what reload.go keeps in a Verifier.
type trustState struct {
	source   func() (TrustConfig, error)
	loadedAt time.Time
}

// SetTrustSource sets the function ReloadTrust reads the trust anchors
// and intermediates from (e.g. the --trust-dir folder and the development
// CA). Call it before the verifier is used.
func (v *Verifier) SetTrustSource(src func() (TrustConfig, error)) {
	v.mu.Lock()
	v.trust.source = src
	v.mu.Unlock()
}

// ReloadTrust reads the trust source anew and swaps in its anchors and
// intermediates atomically, forgetting every cached chain; then it
// re-reads the CRL files and forgets fetched CRLs and OCSP responses
// (ReloadCRLs). When the source fails or yields no anchor, the verifier
// keeps its current trust and the error is returned. Without a source
// only the CRLs are reloaded.
func (v *Verifier) ReloadTrust() error {
	v.mu.RLock()
	src := v.trust.source
	v.mu.RUnlock()
	if src != nil {
		tc, err := src()
		if err != nil {
			return err
		}
		if len(tc.Roots) == 0 {
			return errors.New("pki: reloaded trust has no trust anchor; keeping the current one")
		}
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		for _, c := range tc.Roots {
			roots.AddCert(c)
		}
		for _, c := range tc.Intermediates {
			inter.AddCert(c)
		}
		v.mu.Lock()
		v.opts.Roots, v.opts.Intermediates = roots, inter
		v.cfg.Roots, v.cfg.Intermediates = tc.Roots, tc.Intermediates
		v.leafs = map[[32]byte]chainEntry{}
		v.cas = map[string]chainEntry{}
		v.trust.loadedAt = v.now()
		v.mu.Unlock()
	}
	return v.ReloadCRLs()
}

// CertInfo describes a trusted certificate.
type CertInfo struct {
	Subject   string
	Issuer    string
	Serial    string // hexadecimal
	NotBefore time.Time
	NotAfter  time.Time
	SHA256    string // of the DER, hexadecimal
}

// CRLInfo describes a configured CRL file or a fetched CRL.
type CRLInfo struct {
	Source     string // "file:PATH" or the URL
	Issuer     string
	ThisUpdate time.Time
	NextUpdate time.Time
	Revoked    int
	Error      string
}

// TrustInfo describes a verifier's current trust configuration.
type TrustInfo struct {
	Roots         []CertInfo
	Intermediates []CertInfo
	CRLs          []CRLInfo
	FetchCRL      bool
	OCSP          bool
	HardFail      bool
	Reloadable    bool      // a trust source is set
	LoadedAt      time.Time // of the last ReloadTrust; zero before
}

func certInfo(c *x509.Certificate) CertInfo {
	sum := sha256.Sum256(c.Raw)
	serial := ""
	if c.SerialNumber != nil {
		serial = c.SerialNumber.Text(16)
	}
	return CertInfo{Subject: c.Subject.String(), Issuer: c.Issuer.String(), Serial: serial,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, SHA256: hex.EncodeToString(sum[:])}
}

// Trust returns the verifier's current trust anchors, intermediates and
// CRL sources (configured files first, then fetched URLs by name).
func (v *Verifier) Trust() TrustInfo {
	v.mu.RLock()
	ti := TrustInfo{FetchCRL: v.cfg.FetchCRL, OCSP: v.cfg.OCSP, HardFail: v.cfg.RevocationMode == HardFail,
		Reloadable: v.trust.source != nil, LoadedAt: v.trust.loadedAt}
	for _, c := range v.cfg.Roots {
		ti.Roots = append(ti.Roots, certInfo(c))
	}
	for _, c := range v.cfg.Intermediates {
		ti.Intermediates = append(ti.Intermediates, certInfo(c))
	}
	v.mu.RUnlock()

	info := func(s *crlSource) CRLInfo {
		ci := CRLInfo{Source: s.name}
		if s.err != nil {
			ci.Error = s.err.Error()
		}
		if s.crl != nil && s.crl.list != nil {
			l := s.crl.list
			ci.Issuer, ci.ThisUpdate, ci.NextUpdate, ci.Revoked = l.Issuer.String(), l.ThisUpdate, l.NextUpdate, len(s.crl.revoked)
		}
		return ci
	}
	c := v.crl
	c.mu.Lock()
	for _, s := range c.files {
		ti.CRLs = append(ti.CRLs, info(s))
	}
	var fetched []CRLInfo
	for _, s := range c.urls {
		fetched = append(fetched, info(s))
	}
	c.mu.Unlock()
	sort.Slice(fetched, func(i, j int) bool { return fetched[i].Source < fetched[j].Source })
	ti.CRLs = append(ti.CRLs, fetched...)
	return ti
}
