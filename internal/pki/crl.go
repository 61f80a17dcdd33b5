package pki

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// maxCRLSize bounds a CRL download or file.
	maxCRLSize = 32 << 20
	// crlRetryAfter is how long a failed CRL fetch is not retried.
	crlRetryAfter = 30 * time.Second
	// crlStatEvery is how often CRL files are checked for changes.
	crlStatEvery = 5 * time.Second
	// crlDefaultTTL caches a CRL without nextUpdate.
	crlDefaultTTL = time.Hour
)

// oidIssuingDistributionPoint is the CRL extension naming the partition a
// CRL covers (RFC 5280 5.2.5).
var oidIssuingDistributionPoint = asn1.ObjectIdentifier{2, 5, 29, 28}

// crl is one loaded CRL.
type crl struct {
	list     *x509.RevocationList
	revoked  map[string]bool // serial, hex
	scope    []string        // IDP fullName URIs; empty: covers every certificate of the issuer
	verified [32]byte        // SHA-256 of the issuer certificate its signature was checked with
}

// crlSource is a CRL file or URL and its current content.
type crlSource struct {
	name      string // "file:PATH" or the URL
	path      string // files only
	modTime   time.Time
	checkedAt time.Time // last stat (files) or fetch attempt (URLs)
	crl       *crl
	err       error
}

// crlCache holds configured CRL files and CRLs fetched by URL.
type crlCache struct {
	client *http.Client
	mu     sync.Mutex
	files  []*crlSource
	urls   map[string]*crlSource
}

func newCRLCache(client *http.Client) *crlCache {
	return &crlCache{client: client, urls: map[string]*crlSource{}}
}

// loadFiles reads CRL files; an unreadable file is an error.
func (c *crlCache) loadFiles(paths []string, now time.Time) error {
	var files []*crlSource
	for _, p := range paths {
		s := &crlSource{name: "file:" + p, path: p}
		c.refreshFile(s, now)
		if s.err != nil {
			return s.err
		}
		files = append(files, s)
	}
	c.mu.Lock()
	c.files = files
	c.mu.Unlock()
	return nil
}

// reset reloads the files and forgets fetched CRLs.
func (c *crlCache) reset(paths []string, now time.Time) error {
	c.mu.Lock()
	c.urls = map[string]*crlSource{}
	c.mu.Unlock()
	return c.loadFiles(paths, now)
}

// refreshFile re-reads s when its modification time changed.
func (c *crlCache) refreshFile(s *crlSource, now time.Time) {
	s.checkedAt = now
	fi, err := os.Stat(s.path)
	if err != nil {
		s.crl, s.err = nil, fmt.Errorf("pki: CRL file: %w", err)
		return
	}
	if s.crl != nil && fi.ModTime().Equal(s.modTime) {
		return
	}
	b, err := os.ReadFile(s.path)
	if err == nil && len(b) > maxCRLSize {
		err = fmt.Errorf("larger than %d bytes", maxCRLSize)
	}
	if err != nil {
		s.crl, s.err = nil, fmt.Errorf("pki: CRL file %s: %w", s.path, err)
		return
	}
	l, err := parseCRL(b)
	if err != nil {
		s.crl, s.err = nil, fmt.Errorf("pki: CRL file %s: %w", s.path, err)
		return
	}
	s.crl, s.err, s.modTime = l, nil, fi.ModTime()
}

// crlResult is the CRL answer for one certificate.
type crlResult struct {
	revoked bool
	source  string // the CRL that vouched for the certificate; "" when none did
}

// check looks cert up in the CRLs that cover it: configured files of its
// issuer, and (fetch) the http(s) distribution points it names. A revoked
// certificate gives revoked and a cert_revoked error; a certificate found
// in none of at least one fresh, verified covering CRL gives its source;
// no usable CRL gives an error describing why.
func (c *crlCache) check(ctx context.Context, cert, issuer *x509.Certificate, now time.Time, fetch bool) (crlResult, error) {
	var cands []*crlSource
	c.mu.Lock()
	for _, s := range c.files {
		if now.Sub(s.checkedAt) >= crlStatEvery {
			c.refreshFile(s, now)
		}
		if s.crl != nil && bytes.Equal(s.crl.list.RawIssuer, cert.RawIssuer) && s.crl.covers(cert) {
			cands = append(cands, s)
		}
	}
	c.mu.Unlock()
	if fetch {
		for _, u := range cert.CRLDistributionPoints {
			if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
				cands = append(cands, c.fetch(ctx, u, now))
			}
		}
	}
	if len(cands) == 0 {
		return crlResult{}, errors.New("no CRL covers this certificate")
	}
	serial := cert.SerialNumber.Text(16)
	issuerHash := sha256.Sum256(issuer.Raw)
	var why []string
	good := ""
	for _, s := range cands {
		c.mu.Lock()
		l, err := s.crl, s.err
		c.mu.Unlock()
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		if err := l.verify(issuer, issuerHash, c); err != nil {
			why = append(why, fmt.Sprintf("%s: %v", s.name, err))
			continue
		}
		if l.revoked[serial] {
			return crlResult{revoked: true, source: s.name}, errorf(CodeCertRevoked, "serial %s is on CRL %s", serial, s.name)
		}
		if !l.list.NextUpdate.IsZero() && now.After(l.list.NextUpdate) {
			why = append(why, fmt.Sprintf("%s: stale since %s", s.name, l.list.NextUpdate.UTC().Format(time.RFC3339)))
			continue
		}
		if good == "" {
			good = "crl:" + s.name
		}
	}
	if good != "" {
		return crlResult{source: good}, nil
	}
	return crlResult{}, errors.New(strings.Join(why, "; "))
}

// verify checks the CRL's signature with issuer once.
func (l *crl) verify(issuer *x509.Certificate, issuerHash [32]byte, c *crlCache) error {
	c.mu.Lock()
	ok := l.verified == issuerHash
	c.mu.Unlock()
	if ok {
		return nil
	}
	if err := l.list.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("CRL signature: %w", err)
	}
	c.mu.Lock()
	l.verified = issuerHash
	c.mu.Unlock()
	return nil
}

// covers reports whether the CRL's partition includes cert.
func (l *crl) covers(cert *x509.Certificate) bool {
	if len(l.scope) == 0 {
		return true
	}
	for _, u := range cert.CRLDistributionPoints {
		if slices.Contains(l.scope, u) {
			return true
		}
	}
	return false
}

// fetch returns the source for url, downloading it when it is missing or
// past its nextUpdate (failed downloads are retried after crlRetryAfter).
func (c *crlCache) fetch(ctx context.Context, url string, now time.Time) *crlSource {
	c.mu.Lock()
	s, ok := c.urls[url]
	if !ok {
		s = &crlSource{name: url}
		c.urls[url] = s
	}
	fresh := s.crl != nil && now.Before(s.crl.until(s.checkedAt))
	retry := s.err != nil && now.Sub(s.checkedAt) < crlRetryAfter
	c.mu.Unlock()
	if fresh || retry {
		return s
	}
	l, err := c.download(ctx, url)
	c.mu.Lock()
	s.checkedAt = now
	if err != nil {
		s.crl, s.err = nil, fmt.Errorf("CRL %s: %w", url, err)
	} else {
		s.crl, s.err = l, nil
	}
	c.mu.Unlock()
	return s
}

// until is when a fetched CRL must be fetched again.
func (l *crl) until(fetched time.Time) time.Time {
	if l.list.NextUpdate.IsZero() {
		return fetched.Add(crlDefaultTTL)
	}
	return l.list.NextUpdate
}

func (c *crlCache) download(ctx context.Context, url string) (*crl, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCRLSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxCRLSize {
		return nil, fmt.Errorf("larger than %d bytes", maxCRLSize)
	}
	return parseCRL(b)
}

// parseCRL parses a DER or PEM ("X509 CRL") certificate revocation list.
// It does not check the signature.
func parseCRL(b []byte) (*crl, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "X509 CRL" {
			return nil, fmt.Errorf("PEM block %q, want X509 CRL", blk.Type)
		}
		b = blk.Bytes
	}
	list, err := x509.ParseRevocationList(b)
	if err != nil {
		return nil, err
	}
	l := &crl{list: list, revoked: make(map[string]bool, len(list.RevokedCertificateEntries))}
	for _, e := range list.RevokedCertificateEntries {
		if e.SerialNumber != nil {
			l.revoked[e.SerialNumber.Text(16)] = true
		}
	}
	for _, ext := range list.Extensions {
		if ext.Id.Equal(oidIssuingDistributionPoint) {
			l.scope = idpURIs(ext.Value)
		}
	}
	return l, nil
}

// idpURIs returns the fullName URIs of an IssuingDistributionPoint value.
// Anything it cannot read gives no scope (the CRL covers the issuer's
// certificates), which errs on the side of finding revocations.
func idpURIs(der []byte) []string {
	var idp struct {
		DP asn1.RawValue `asn1:"optional,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &idp); err != nil || len(idp.DP.Bytes) == 0 {
		return nil
	}
	var name asn1.RawValue // DistributionPointName
	if _, err := asn1.Unmarshal(idp.DP.Bytes, &name); err != nil || name.Class != asn1.ClassContextSpecific || name.Tag != 0 {
		return nil
	}
	var uris []string
	rest := name.Bytes
	for len(rest) > 0 {
		var gn asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
			return nil
		}
		if gn.Class == asn1.ClassContextSpecific && gn.Tag == 6 {
			uris = append(uris, string(gn.Bytes))
		}
	}
	return uris
}
