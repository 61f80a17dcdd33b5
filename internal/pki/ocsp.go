package pki

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

const (
	// maxOCSPSize bounds an OCSP response.
	maxOCSPSize = 1 << 20
	// ocspDefaultTTL caches a response without nextUpdate.
	ocspDefaultTTL = 5 * time.Minute
	// ocspMaxTTL caps how long any response is cached.
	ocspMaxTTL = 24 * time.Hour
	// ocspSkew tolerates responder clocks slightly ahead of ours.
	ocspSkew = 5 * time.Minute
	// ocspRetryAfter is how long a failed query is not repeated.
	ocspRetryAfter = 30 * time.Second
)

// ocspEntry is a cached OCSP answer for one certificate.
type ocspEntry struct {
	status int // ocsp.Good, ocsp.Revoked or ocsp.Unknown
	source string
	until  time.Time
	err    error // a failed query, cached until until
}

// ocspCache queries OCSP responders and caches their answers.
type ocspCache struct {
	client  *http.Client
	mu      sync.Mutex
	entries map[string]ocspEntry // SHA-256(issuer) + serial
}

func newOCSPCache(client *http.Client) *ocspCache {
	return &ocspCache{client: client, entries: map[string]ocspEntry{}}
}

func (c *ocspCache) reset() {
	c.mu.Lock()
	c.entries = map[string]ocspEntry{}
	c.mu.Unlock()
}

// check asks the certificate's OCSP responder. It returns the source
// ("ocsp:URL") when the responder vouches for the certificate, a
// cert_revoked error when it says revoked, and another error when there is
// no usable answer. A certificate naming no http(s) responder gives "" and
// an error.
func (c *ocspCache) check(ctx context.Context, cert, issuer *x509.Certificate, now time.Time) (string, error) {
	var url string
	for _, u := range cert.OCSPServer {
		if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
			url = u
			break
		}
	}
	if url == "" {
		return "", errors.New("no OCSP responder named")
	}
	ih := sha256.Sum256(issuer.Raw)
	key := string(ih[:]) + cert.SerialNumber.String()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) {
		e = c.query(ctx, url, cert, issuer, now)
		c.mu.Lock()
		if len(c.entries) >= maxCachedChains {
			clear(c.entries)
		}
		c.entries[key] = e
		c.mu.Unlock()
	}
	switch {
	case e.err != nil:
		return "", e.err
	case e.status == ocsp.Revoked:
		return "", errorf(CodeCertRevoked, "OCSP responder %s says revoked", url)
	case e.status == ocsp.Good:
		return e.source, nil
	}
	return "", fmt.Errorf("OCSP responder %s does not know the certificate", url)
}

// query sends one OCSP request and checks the answer.
func (c *ocspCache) query(ctx context.Context, url string, cert, issuer *x509.Certificate, now time.Time) ocspEntry {
	fail := func(err error) ocspEntry {
		return ocspEntry{err: fmt.Errorf("OCSP %s: %w", url, err), until: now.Add(ocspRetryAfter)}
	}
	reqDER, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(reqDER))
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	req.Header.Set("Accept", "application/ocsp-response")
	resp, err := c.client.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("HTTP status %s", resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOCSPSize+1))
	if err != nil {
		return fail(err)
	}
	if len(body) > maxOCSPSize {
		return fail(errors.New("response too large"))
	}
	r, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		return fail(err)
	}
	if r.ThisUpdate.After(now.Add(ocspSkew)) {
		return fail(fmt.Errorf("response from the future (thisUpdate %s)", r.ThisUpdate.UTC().Format(time.RFC3339)))
	}
	until := now.Add(ocspDefaultTTL)
	if !r.NextUpdate.IsZero() {
		if !now.Before(r.NextUpdate) {
			return fail(fmt.Errorf("stale response (nextUpdate %s)", r.NextUpdate.UTC().Format(time.RFC3339)))
		}
		until = r.NextUpdate
	}
	if until.After(now.Add(ocspMaxTTL)) {
		until = now.Add(ocspMaxTTL)
	}
	return ocspEntry{status: r.Status, source: "ocsp:" + url, until: until}
}
