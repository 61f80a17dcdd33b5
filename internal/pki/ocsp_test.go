package pki

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// ocspResponder is a real OCSP responder over HTTP for the test CA: it
// answers revoked for serials in revoked, good otherwise.
func ocspResponder(t *testing.T, ca *testCA, revoked map[string]bool, nextUpdate time.Duration) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tmpl := ocsp.Response{
			Status:       ocsp.Good,
			SerialNumber: req.SerialNumber,
			ThisUpdate:   testT0.Add(-time.Minute),
			NextUpdate:   testT0.Add(nextUpdate),
		}
		if revoked[req.SerialNumber.String()] {
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, testT0.Add(-time.Hour), ocsp.KeyCompromise
		}
		resp, err := ocsp.CreateResponse(ca.cert, ca.cert, tmpl, ca.key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestOCSP(t *testing.T) {
	p := newTestPKI(t)
	bad := p.ca.issueLeaf(t, leafOpts{})
	srv, hits := ocspResponder(t, p.ca, map[string]bool{bad.SerialNumber.String(): true}, time.Hour)
	cfg := p.config()
	cfg.OCSP = true
	cfg.RevocationMode = HardFail
	v := mustVerifier(t, cfg)
	ctx := context.Background()

	good := p.ca.issueLeaf(t, leafOpts{ocspURLs: []string{srv.URL}})
	for range 3 {
		res, err := v.Verify(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		if res.Revocation != RevocationGood || res.RevocationSource != "ocsp:"+srv.URL {
			t.Fatalf("revocation %s from %q", res.Revocation, res.RevocationSource)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("responder asked %d times, want 1 (cached until nextUpdate)", n)
	}
	revoked := p.ca.issueLeaf(t, leafOpts{ocspURLs: []string{srv.URL}, serial: bad.SerialNumber})
	_, err := v.Verify(ctx, revoked)
	wantCode(t, err, CodeCertRevoked)
}

func TestOCSPStaleAndWrongSigner(t *testing.T) {
	p := newTestPKI(t)
	cfg := p.config()
	cfg.OCSP = true
	cfg.RevocationMode = HardFail

	stale, _ := ocspResponder(t, p.ca, nil, -time.Second) // nextUpdate already past
	_, err := mustVerifier(t, cfg).Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{ocspURLs: []string{stale.URL}}))
	wantCode(t, err, CodeRevocationUnavailable)

	forged, _ := ocspResponder(t, p.other, nil, time.Hour)
	_, err = mustVerifier(t, cfg).Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{ocspURLs: []string{forged.URL}}))
	wantCode(t, err, CodeRevocationUnavailable)
}

func TestOCSPDownSoftFail(t *testing.T) {
	p := newTestPKI(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	cfg := p.config()
	cfg.OCSP = true
	res, err := mustVerifier(t, cfg).Verify(context.Background(), p.ca.issueLeaf(t, leafOpts{ocspURLs: []string{srv.URL}}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Revocation != RevocationUnknown {
		t.Fatalf("revocation %s", res.Revocation)
	}
}

// CRL good and OCSP revoked: revoked wins.
func TestRevocationEitherRevokedWins(t *testing.T) {
	p := newTestPKI(t)
	leafSerial := nextSerial()
	srv, _ := ocspResponder(t, p.ca, map[string]bool{leafSerial.String(): true}, time.Hour)
	crlDER := p.ca.crlDER(t, testT0.Add(-time.Hour), testT0.Add(time.Hour), "")
	crlSrv, _ := countingServer(t, func() []byte { return crlDER })
	cfg := p.config()
	cfg.OCSP, cfg.FetchCRL = true, true
	leaf := p.ca.issueLeaf(t, leafOpts{serial: leafSerial, ocspURLs: []string{srv.URL}, crlURLs: []string{crlSrv.URL + "/c.crl"}})
	_, err := mustVerifier(t, cfg).Verify(context.Background(), leaf)
	wantCode(t, err, CodeCertRevoked)
}
