package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// devcaFastKeys makes the development CA draw from a pool of six
// pre-generated keys for the rest of the test binary (RSA-2048 generation
// costs ~100 ms). A CA's root, intermediate and the unknown CA's root and
// intermediate always get distinct keys; leaf keys may repeat.
func devcaFastKeys(t testing.TB) {
	t.Helper()
	devcaPoolOnce.Do(func() {
		var wg sync.WaitGroup
		for i := range devcaPool {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := rsa.GenerateKey(rand.Reader, 2048)
				if err != nil {
					panic(err)
				}
				devcaPool[i] = k
			}()
		}
		wg.Wait()
	})
	var mu sync.Mutex
	n := 0
	devKeyGen = func() (*rsa.PrivateKey, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return devcaPool[n%len(devcaPool)], nil
	}
}

var (
	devcaPoolOnce sync.Once
	devcaPool     [6]*rsa.PrivateKey
)

// parseIdentifyData extracts realName and the VID from a certificate's
// subjectAltName identifyData otherName.
func parseIdentifyData(t *testing.T, cert *x509.Certificate) (string, []byte) {
	t.Helper()
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidSubjectAltNm) {
			continue
		}
		var names []asn1.RawValue
		if _, err := asn1.Unmarshal(ext.Value, &names); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if n.Class != asn1.ClassContextSpecific || n.Tag != 0 {
				continue
			}
			var on struct {
				Type  asn1.ObjectIdentifier
				Value asn1.RawValue `asn1:"explicit,tag:0"`
			}
			if _, err := asn1.UnmarshalWithParams(n.FullBytes, &on, "tag:0"); err != nil {
				t.Fatal(err)
			}
			if !on.Type.Equal(OIDIdentifyData) {
				continue
			}
			var id struct {
				RealName string `asn1:"utf8"`
				IDs      []struct {
					Type asn1.ObjectIdentifier
					Info struct {
						HashAlg asn1.RawValue
						VID     []byte `asn1:"explicit,tag:0"`
					}
				}
			}
			if _, err := asn1.Unmarshal(on.Value.Bytes, &id); err != nil {
				t.Fatal(err)
			}
			if len(id.IDs) != 1 || !id.IDs[0].Type.Equal(oidVID) {
				t.Fatalf("identifyData: %+v", id)
			}
			return id.RealName, id.IDs[0].Info.VID
		}
	}
	t.Fatal("no identifyData in subjectAltName")
	return "", nil
}

func TestIdentifyDataLayoutMatchesFixture(t *testing.T) {
	cert, err := x509.ParseCertificate(kfFixture(t, "signCert.der"))
	if err != nil {
		t.Fatal(err)
	}
	name, vid := parseIdentifyData(t, cert)
	if name != "HKD" || len(vid) != 32 {
		t.Errorf("fixture realName %q, vid %d bytes", name, len(vid))
	}
}

func TestDevCAIssue(t *testing.T) {
	devcaFastKeys(t)
	ca, err := NewDevCA("gwanmun-dev")
	if err != nil {
		t.Fatal(err)
	}
	is, err := ca.Issue(IssueOptions{Name: "홍길동", CRLURL: "http://127.0.0.1:8080/crl/dev.crl"})
	if err != nil {
		t.Fatal(err)
	}
	c := is.Cert
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(ca.Root)
	inter.AddCert(ca.Intermediate)
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("chain: %v", err)
	}
	if !regexp.MustCompile(`^홍길동\(\)\d{22}$`).MatchString(c.Subject.CommonName) {
		t.Errorf("CN %q", c.Subject.CommonName)
	}
	if got := strings.Join(c.Subject.OrganizationalUnit, ","); got != "GWANMUN-DEV,personal" {
		t.Errorf("OU %q", got)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("key usage %v", c.KeyUsage)
	}
	if len(c.Policies) != 1 || c.Policies[0].String() != OIDDevPersonal {
		t.Errorf("policies %v", c.Policies)
	}
	if len(c.CRLDistributionPoints) != 1 || c.CRLDistributionPoints[0] != "http://127.0.0.1:8080/crl/dev.crl" {
		t.Errorf("CRL DP %v", c.CRLDistributionPoints)
	}
	name, vid := parseIdentifyData(t, c)
	want, _ := VID(DevTestIDN, is.RandomNum)
	if name != "홍길동" || !bytes.Equal(vid, want) {
		t.Errorf("identifyData name %q, VID matches %v", name, bytes.Equal(vid, want))
	}
	if other, _ := VID("9001012000000", is.RandomNum); bytes.Equal(vid, other) {
		t.Error("VID does not depend on the IDN")
	}

	inst, err := ca.Issue(IssueOptions{Name: "관문의원", Class: domain.CertInstitution})
	if err != nil {
		t.Fatal(err)
	}
	if inst.Cert.Policies[0].String() != OIDDevInstitution {
		t.Errorf("institution policy %v", inst.Cert.Policies)
	}
	if _, err := ca.Issue(IssueOptions{Name: "x", Class: domain.CertUnknown}); err == nil {
		t.Error("class unknown accepted")
	}
}

func TestDevCASaveLoadCRL(t *testing.T) {
	devcaFastKeys(t)
	ca, err := NewDevCA("gwanmun-dev")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := ca.Issue(IssueOptions{Name: "최폐지", Revoked: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, devInterKeyFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode())
	}
	loaded, err := LoadDevCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Name != ca.Name || !loaded.Root.Equal(ca.Root) || !loaded.IntermediateKey.Equal(ca.IntermediateKey) {
		t.Error("loaded CA differs")
	}
	der, err := loaded.CRL(time.Now().Add(24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(ca.Intermediate); err != nil {
		t.Errorf("CRL signature: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(rev.Cert.SerialNumber) != 0 {
		t.Errorf("CRL entries %+v", crl.RevokedCertificateEntries)
	}
	if _, err := LoadDevCA(t.TempDir()); err == nil {
		t.Error("LoadDevCA of an empty directory succeeded")
	}
}

func TestDevCAWriteSet(t *testing.T) {
	devcaFastKeys(t)
	ca, err := NewDevCA("gwanmun-dev")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	set, err := ca.WriteSet(dir, "dev-비밀번호1!", "http://127.0.0.1:8080/crl/gwanmun-dev.crl")
	if err != nil {
		t.Fatal(err)
	}
	var onDisk DevSet
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil || json.Unmarshal(data, &onDisk) != nil || len(onDisk.Certs) != len(set.Certs) {
		t.Fatalf("manifest.json: %v", err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(ca.Root)
	inter.AddCert(ca.Intermediate)
	crlDER, err := os.ReadFile(filepath.Join(dir, set.CRL))
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ids := map[string]bool{}
	for _, c := range set.Certs {
		ids[c.ID] = true
		entries, err := ReadNPKIDir(os.DirFS(filepath.Join(dir, c.Root)))
		if err != nil || len(entries) != 1 {
			t.Fatalf("%s: NPKI folder: %d entries, %v", c.ID, len(entries), err)
		}
		e := entries[0]
		if e.Dir != strings.TrimPrefix(c.NPKIDir, c.Root+"/") {
			t.Errorf("%s: folder %q vs manifest %q", c.ID, e.Dir, c.NPKIDir)
		}
		k, err := DecryptPrivateKey(e.KeyFile, []byte(set.Password))
		if err != nil || !k.MatchesCertificate(e.Cert) || len(k.RandomNum) != 20 || k.Scheme != c.KeyScheme {
			t.Errorf("%s: key: %v", c.ID, err)
		}
		p12, err := os.ReadFile(filepath.Join(dir, c.P12))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadPKCS12(p12, set.Password)
		if err != nil || !p.Cert.Equal(e.Cert) {
			t.Errorf("%s: p12: %v", c.ID, err)
		}
		_, verr := e.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		inCRL := false
		for _, r := range crl.RevokedCertificateEntries {
			inCRL = inCRL || r.SerialNumber.Cmp(e.Cert.SerialNumber) == 0
		}
		switch c.ID {
		case "personal", "personal-pbes2", "institution", "revoked", "wrong-key-usage":
			if verr != nil {
				t.Errorf("%s: chain: %v", c.ID, verr)
			}
		case "expired", "not-yet-valid", "unknown-ca":
			if verr == nil {
				t.Errorf("%s: chain verifies, want failure", c.ID)
			}
		}
		if inCRL != (c.ID == "revoked") || c.Revoked != (c.ID == "revoked") {
			t.Errorf("%s: in CRL %v, manifest revoked %v", c.ID, inCRL, c.Revoked)
		}
		if (c.ID == "wrong-key-usage") != (e.Cert.KeyUsage == x509.KeyUsageKeyEncipherment) {
			t.Errorf("%s: key usage %v", c.ID, e.Cert.KeyUsage)
		}
	}
	for _, id := range []string{"personal", "institution", "expired", "not-yet-valid", "revoked", "wrong-key-usage", "unknown-ca"} {
		if !ids[id] {
			t.Errorf("set lacks %s", id)
		}
	}
}

// TestDevSetOpenSSLVerify checks the set with an independent verifier:
// openssl verify with CRL checking.
func TestDevSetOpenSSLVerify(t *testing.T) {
	devcaFastKeys(t)
	ca, err := NewDevCA("gwanmun-dev")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	set, err := ca.WriteSet(dir, "pw", "")
	if err != nil {
		t.Fatal(err)
	}
	crlDER, _ := os.ReadFile(filepath.Join(dir, set.CRL))
	crlPEM := writeTemp(t, "crl.pem", pemBlock("X509 CRL", crlDER))
	for _, c := range set.Certs {
		if c.ID != "personal" && c.ID != "revoked" {
			continue
		}
		certDER, _ := os.ReadFile(filepath.Join(dir, c.NPKIDir, "signCert.der"))
		certPEM := writeTemp(t, "c.pem", pemBlock("CERTIFICATE", certDER))
		args := []string{"verify", "-CAfile", filepath.Join(dir, set.RootCert), "-untrusted", filepath.Join(dir, set.IntermediateCert),
			"-crl_check", "-CRLfile", crlPEM, certPEM}
		if c.ID == "personal" {
			runOpenSSL(t, args...)
			continue
		}
		out, err := execOpenSSL(t, args...)
		if err == nil || !strings.Contains(out, "revoked") {
			t.Errorf("revoked certificate: openssl verify %v: %s", err, out)
		}
	}
}
