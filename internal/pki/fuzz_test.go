package pki

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"
)

// Fuzz targets for every parser of outside bytes. Run one with e.g.
//
//	go test ./internal/pki -run '^$' -fuzz FuzzParseSignedData -fuzztime 60s -fuzzminimizetime 3s
//
// (The short minimize time matters: new inputs are kilobytes of CMS, and
// the default 60 s minimization of each one stalls the run.)

func FuzzParseCertificate(f *testing.F) {
	p := newTestPKI(f)
	f.Add(mustRead(f, fixturePath("signCert.der")))
	f.Add(p.ca.issueLeaf(f, leafOpts{}).Raw)
	f.Add(p.ca.issueLeaf(f, leafOpts{policy: OIDDevPersonal}).Raw)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.cert.Raw}))
	f.Fuzz(func(t *testing.T, b []byte) {
		certs, err := ParseCertificates(b)
		if err != nil {
			if Code(err) != CodeCertMalformed {
				t.Fatalf("error without cert_malformed: %v", err)
			}
			return
		}
		for _, c := range certs {
			Classify(c)
			CheckKeyUsage(c)
			CheckValidity(c, testT0)
		}
	})
}

func FuzzParseSignedData(f *testing.F) {
	p := newTestPKI(f)
	leaf := p.ca.issueLeaf(f, leafOpts{})
	key := testKey(f, 2)
	msg := ChallengeMessage(PurposeLogin, "https://portal.example", "n")
	f.Add(mustRead(f, fixturePath("TEST_MSG.p7s")))
	for _, o := range []cmsOpts{{}, {attrs: true}, {detached: true}, {detached: true, attrs: true, bySKI: true}} {
		f.Add(buildCMS(f, leaf, key, msg, o))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := ParseSignedData(b)
		if err != nil {
			if Code(err) == "" {
				t.Fatalf("error without code: %v", err)
			}
			return
		}
		if sd.Signer == nil {
			t.Fatal("parsed without signer")
		}
		if err := sd.Verify(msg); err != nil && Code(err) == "" {
			t.Fatalf("verify error without code: %v", err)
		}
		sd.Verify([]byte("TEST_MSG"))
	})
}

func FuzzParseSignedResponse(f *testing.F) {
	p := newTestPKI(f)
	leaf := p.ca.issueLeaf(f, leafOpts{})
	key := testKey(f, 2)
	msg := ChallengeMessage(PurposeLogin, "https://portal.example", "n")
	std := base64.StdEncoding.EncodeToString
	add := func(r SignedResponse) {
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	add(SignedResponse{Nonce: "n", CMS: std(buildCMS(f, leaf, key, msg, cmsOpts{attrs: true}))})
	add(SignedResponse{Nonce: "n", CMS: std(mustRead(f, fixturePath("TEST_MSG.p7s")))})
	add(SignedResponse{Nonce: "n", Certificate: std(mustRead(f, fixturePath("signCert.der"))), Signature: std(mustRead(f, fixturePath("TEST_MSG.sig")))})
	f.Add([]byte(`{"nonce":"n","certificate":"!!","signature":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r SignedResponse
		if json.Unmarshal(b, &r) != nil {
			return
		}
		resp, err := ParseSignedResponse(r)
		if err != nil {
			if Code(err) == "" {
				t.Fatalf("error without code: %v", err)
			}
			return
		}
		if resp.Cert == nil {
			t.Fatal("parsed without certificate")
		}
		if err := resp.Verify(msg); err != nil && Code(err) == "" {
			t.Fatalf("verify error without code: %v", err)
		}
	})
}

func FuzzParseCRL(f *testing.F) {
	p := newTestPKI(f)
	f.Add(p.ca.crlDER(f, testT0, testT0.Add(time.Hour), "http://crl.example/dp1", nextSerial()))
	f.Add(p.ca.crlDER(f, testT0, testT0.Add(time.Hour), ""))
	leaf := p.ca.issueLeaf(f, leafOpts{crlURLs: []string{"http://crl.example/dp1"}})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := parseCRL(b)
		if err != nil {
			return
		}
		l.covers(leaf)
		l.list.CheckSignatureFrom(p.ca.cert)
	})
}
