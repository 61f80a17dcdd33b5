package pki

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
)

func TestClassifyFixture(t *testing.T) {
	cert, err := ParseCertificate(mustRead(t, fixturePath("signCert.der")))
	if err != nil {
		t.Fatal(err)
	}
	class, oid := Classify(cert)
	if class != domain.CertPersonal || oid != "1.2.410.200005.1.1.4" {
		t.Fatalf("fixture: %s %s", class, oid)
	}
}

func TestClassify(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		policy string
		want   domain.CertClass
	}{
		{"1.2.410.200005.1.1.1", domain.CertPersonal},       // yessign 범용 개인
		{"1.2.410.200005.1.1.5", domain.CertInstitution},    // yessign 범용 법인
		{"1.2.410.200004.5.2.1.2", domain.CertPersonal},     // KICA 범용 개인
		{"1.2.410.200004.5.1.1.12", domain.CertInstitution}, // SignKorea, conflict resolved
		{"1.2.410.200004.5.4.1.3", domain.CertInstitution},  // CrossCert server
		{"1.2.410.200012.1.1.101", domain.CertPersonal},     // TradeSign, conflict resolved
		{"1.2.410.200004.5.5.1.1", domain.CertPersonal},     // INIPASS
		{"1.2.410.200004.5.5.1.2", domain.CertInstitution},  // INIPASS
		{"1.2.410.100001.2.2.1", domain.CertPersonal},       // GPKI 공무원
		{"1.2.410.100001.2.1.1", domain.CertInstitution},    // GPKI 전자관인
		{OIDDevPersonal, domain.CertPersonal},               // dev CA, arc beyond int64
		{OIDDevInstitution, domain.CertInstitution},         // dev CA
		{"1.2.410.200005.1.1.4.1", domain.CertUnknown},      // prefix of a known OID is not a match
		{"1.2.410.200005.1.1", domain.CertUnknown},          // arc only
		{"2.25.114257444380852795033498566711405700062.1.3", domain.CertUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			class, oid := Classify(p.ca.issueLeaf(t, leafOpts{policy: tt.policy}))
			if class != tt.want || oid != tt.policy {
				t.Fatalf("got %s %s, want %s", class, oid, tt.want)
			}
		})
	}
	if class, oid := Classify(p.ca.issueLeaf(t, leafOpts{policy: "-"})); class != domain.CertUnknown || oid != "" {
		t.Fatalf("no policy: %s %q", class, oid)
	}
}

func TestPolicyTable(t *testing.T) {
	for _, p := range Policies {
		if _, err := x509.ParseOID(p.OID); err != nil {
			t.Errorf("%s: %v", p.OID, err)
		}
		if p.CA == "" || p.Use == "" || p.Source == "" {
			t.Errorf("%s: incomplete entry", p.OID)
		}
		if p.Class != domain.CertPersonal && p.Class != domain.CertInstitution {
			t.Errorf("%s: class %s", p.OID, p.Class)
		}
		if got, ok := LookupPolicy(p.OID); !ok || got.OID != p.OID {
			t.Errorf("%s: lookup", p.OID)
		}
		if strings.Contains(p.Use, "상충") && !strings.Contains(p.Source, "conflict") {
			t.Errorf("%s: conflict not explained in Source", p.OID)
		}
	}
	if _, ok := LookupPolicy("1.2.3"); ok {
		t.Error("unknown OID found")
	}
}
