package pki

import (
	"context"
	"crypto/x509"
	"errors"
	"sync"
	"testing"
)

// TestReloadTrust: a verifier trusting CA A, reloaded to trust CA B,
// refuses A's certificates (cached chains are forgotten) and accepts B's;
// a failing or empty source leaves the trust as it was; Trust lists it.
func TestReloadTrust(t *testing.T) {
	a, err := NewDevCA("reload-a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewDevCA("reload-b")
	if err != nil {
		t.Fatal(err)
	}
	issuedA, err := a.Issue(IssueOptions{Name: "홍길동"})
	if err != nil {
		t.Fatal(err)
	}
	issuedB, err := b.Issue(IssueOptions{Name: "김철수", Key: issuedA.Key})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(VerifierConfig{Roots: []*x509.Certificate{a.Root}, Intermediates: []*x509.Certificate{a.Intermediate}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, issuedA.Cert); err != nil {
		t.Fatalf("A before reload: %v", err)
	}
	if _, err := v.Verify(ctx, issuedB.Cert); Code(err) != CodeCertUntrusted {
		t.Fatalf("B before reload: %v", err)
	}
	if ti := v.Trust(); ti.Reloadable || len(ti.Roots) != 1 || len(ti.Intermediates) != 1 || !ti.LoadedAt.IsZero() {
		t.Errorf("Trust before = %+v", ti)
	}
	// Without a source, ReloadTrust only reloads CRLs.
	if err := v.ReloadTrust(); err != nil {
		t.Fatal(err)
	}

	src := TrustConfig{Roots: []*x509.Certificate{b.Root}, Intermediates: []*x509.Certificate{b.Intermediate}}
	var srcErr error
	v.SetTrustSource(func() (TrustConfig, error) { return src, srcErr })
	if err := v.ReloadTrust(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, issuedA.Cert); Code(err) != CodeCertUntrusted {
		t.Errorf("A after reload: %v, want untrusted", err)
	}
	if _, err := v.Verify(ctx, issuedB.Cert); err != nil {
		t.Errorf("B after reload: %v", err)
	}
	ti := v.Trust()
	if !ti.Reloadable || ti.LoadedAt.IsZero() || len(ti.Roots) != 1 || ti.Roots[0].Subject != b.Root.Subject.String() || len(ti.Roots[0].SHA256) != 64 {
		t.Errorf("Trust after = %+v", ti)
	}

	// A failing source and an empty one keep B.
	srcErr = errors.New("trust dir unreadable")
	if err := v.ReloadTrust(); err == nil {
		t.Error("failing source: no error")
	}
	srcErr, src = nil, TrustConfig{}
	if err := v.ReloadTrust(); err == nil {
		t.Error("empty source: no error")
	}
	if _, err := v.Verify(ctx, issuedB.Cert); err != nil {
		t.Errorf("B after failed reloads: %v", err)
	}

	// Reloads race with verifications safely (go test -race).
	src = TrustConfig{Roots: []*x509.Certificate{b.Root}, Intermediates: []*x509.Certificate{b.Intermediate}}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if i%2 == 0 {
					v.ReloadTrust()
				} else {
					v.Verify(ctx, issuedB.Cert)
					v.Trust()
				}
			}
		}()
	}
	wg.Wait()

}
