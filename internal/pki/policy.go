package pki

import (
	"crypto/x509"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Policy is one certificate policy OID of a Korean CA, with the class gwanmun
// gives it.
type Policy struct {
	OID    string           // dotted form
	CA     string           // issuing CA (brand)
	Use    string           // the use the CA names, in Korean as published
	Class  domain.CertClass // personal or institution
	Source string           // where the assignment comes from; conflicts noted
}

// Sources of the policy table (see docs/pki.md and
// /work/shared/reference/npki.md §4).
const (
	srcNPKI      = "Hanyu Cert.cs; jCastle oid-kr.js; Delfino signResult.jsp (npki.md §4)"
	srcKSBiz     = "npki.md §4; KSBizConfig policyOidCertFilter_p/_c vendor samples"
	srcGPKI      = "Hanyu Cert.cs; jCastle oid-kr.js (npki.md §5)"
	srcDev       = "gwanmun development CA (internal/pki/oid.go)"
	srcINIPASS   = "conflict in npki.md §4; resolved by AnySign DS_PKI_POLICY_OID and KSBizConfig vendor samples (.1 개인, .2 기업)"
	srcSK11      = "conflict: Hanyu 국세청용, jCastle 실버; classed institution (fail closed: never accepted as personal)"
	srcSK12      = "conflict: Hanyu 국세청용, jCastle 실버; vendor samples list it as 실버 법인 among corporate OIDs"
	srcTS101     = "conflict: Delfino labels it 법인; Hanyu, jCastle and KSBizConfig say 개인 용도제한(은행); classed personal"
	srcCrossCert = "npki.md §4; one CrossCert sample comments .3 as 개인, but it is the server policy; classed institution"
)

// Policies is the policy table, first certificate policy OID → class. Server
// certificates count as institution: they never identify a person.
var Policies = []Policy{
	// yessign (금융결제원, KFTC) 1.2.410.200005.1.1.
	{"1.2.410.200005.1.1.1", "yessign", "범용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200005.1.1.4", "yessign", "은행/신용카드/보험용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200005.1.1.6.2", "yessign", "신용카드용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200005.1.1.5", "yessign", "범용 법인/단체/개인사업자", domain.CertInstitution, srcNPKI},
	{"1.2.410.200005.1.1.2", "yessign", "은행/보험용 법인", domain.CertInstitution, srcNPKI},
	{"1.2.410.200005.1.1.3", "yessign", "서버", domain.CertInstitution, srcNPKI},
	{"1.2.410.200005.1.1.6.1", "yessign", "기업뱅킹", domain.CertInstitution, srcNPKI},
	{"1.2.410.200005.1.1.6.3", "yessign", "조달청", domain.CertInstitution, srcNPKI},
	{"1.2.410.200005.1.1.6.4", "yessign", "퇴직연금", domain.CertInstitution, srcNPKI},
	{"1.2.410.200005.1.1.6.5", "yessign", "CTR", domain.CertInstitution, srcNPKI},

	// KICA signGATE (한국정보인증) 1.2.410.200004.5.2.1.
	{"1.2.410.200004.5.2.1.2", "KICA", "범용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.2.1.7.1", "KICA", "은행/보험용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.2.1.7.2", "KICA", "증권용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.2.1.7.3", "KICA", "신용카드용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.2.1.1", "KICA", "범용 법인", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.2.1.3", "KICA", "특별등급(전자입찰)", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.2.1.4", "KICA", "서버", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.2.1.5", "KICA", "특별등급 법인", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.2.1.6", "KICA", "용도제한 법인", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.2.1.6.257", "KICA", "전자세금용 법인", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.2.1.5001", "KICA", "국세청", domain.CertInstitution, srcNPKI},

	// SignKorea (코스콤, KOSCOM) 1.2.410.200004.5.1.1.
	{"1.2.410.200004.5.1.1.5", "SignKorea", "범용 개인", domain.CertPersonal, srcKSBiz},
	{"1.2.410.200004.5.1.1.1", "SignKorea", "용도제한 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.1.1.9", "SignKorea", "증권/보험용 개인", domain.CertPersonal, srcKSBiz},
	{"1.2.410.200004.5.1.1.9.2", "SignKorea", "신용카드용 개인", domain.CertPersonal, srcKSBiz},
	{"1.2.410.200004.5.1.1.7", "SignKorea", "범용 법인", domain.CertInstitution, srcKSBiz},
	{"1.2.410.200004.5.1.1.3", "SignKorea", "용도제한 법인", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.1.1.2", "SignKorea", "서버", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.1.1.4", "SignKorea", "서버", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.1.1.6", "SignKorea", "서버", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.1.1.8", "SignKorea", "서버", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.1.1.11", "SignKorea", "국세청용 / 실버 (출처 상충)", domain.CertInstitution, srcSK11},
	{"1.2.410.200004.5.1.1.12", "SignKorea", "국세청용 / 실버 법인 (출처 상충)", domain.CertInstitution, srcSK12},

	// CrossCert (한국전자인증) 1.2.410.200004.5.4.1.
	{"1.2.410.200004.5.4.1.1", "CrossCert", "범용 개인", domain.CertPersonal, srcKSBiz},
	{"1.2.410.200004.5.4.1.4", "CrossCert", "용도제한 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.101", "CrossCert", "은행용 개인", domain.CertPersonal, srcKSBiz},
	{"1.2.410.200004.5.4.1.102", "CrossCert", "증권용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.103", "CrossCert", "신용카드용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.104", "CrossCert", "전자민원용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.105", "CrossCert", "전자민원용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.106", "CrossCert", "복합용도 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.107", "CrossCert", "복합용도 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.108", "CrossCert", "복합용도 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.109", "CrossCert", "복합용도 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.4.1.2", "CrossCert", "범용 법인/단체/개인사업자", domain.CertInstitution, srcKSBiz},
	{"1.2.410.200004.5.4.1.5", "CrossCert", "용도제한 법인", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.4.1.3", "CrossCert", "서버", domain.CertInstitution, srcCrossCert},

	// TradeSign (한국무역정보통신, KTNET) 1.2.410.200012.1.1.
	{"1.2.410.200012.1.1.1", "TradeSign", "범용 개인", domain.CertPersonal, srcKSBiz},
	{"1.2.410.200012.1.1.7", "TradeSign", "전자무역 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200012.1.1.101", "TradeSign", "은행/보험용 개인 (출처 상충)", domain.CertPersonal, srcTS101},
	{"1.2.410.200012.1.1.103", "TradeSign", "증권/보험용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200012.1.1.105", "TradeSign", "신용카드용 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200012.1.1.3", "TradeSign", "범용 법인", domain.CertInstitution, srcKSBiz},
	{"1.2.410.200012.1.1.5", "TradeSign", "서버", domain.CertInstitution, srcNPKI},

	// NCASign (한국전산원, NIA) 1.2.410.200004.5.3.1.
	{"1.2.410.200004.5.3.1.9", "NCASign", "범용 개인", domain.CertPersonal, srcKSBiz},
	{"1.2.410.200004.5.3.1.4", "NCASign", "용도제한 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.3.1.8", "NCASign", "용도제한 개인", domain.CertPersonal, srcNPKI},
	{"1.2.410.200004.5.3.1.1", "NCASign", "기관", domain.CertInstitution, srcNPKI},
	{"1.2.410.200004.5.3.1.2", "NCASign", "법인", domain.CertInstitution, srcKSBiz},
	{"1.2.410.200004.5.3.1.3", "NCASign", "서버", domain.CertInstitution, srcNPKI},

	// INIPASS (이니텍) 1.2.410.200004.5.5.1.
	{"1.2.410.200004.5.5.1.1", "INIPASS", "범용 개인", domain.CertPersonal, srcINIPASS},
	{"1.2.410.200004.5.5.1.3.1", "INIPASS", "제휴기관용 개인", domain.CertPersonal, srcINIPASS},
	{"1.2.410.200004.5.5.1.2", "INIPASS", "범용 기업", domain.CertInstitution, srcINIPASS},
	{"1.2.410.200004.5.5.1.4.1", "INIPASS", "제휴기관용 기업", domain.CertInstitution, srcINIPASS},
	{"1.2.410.200004.5.5.1.4.2", "INIPASS", "전자세금용 기업", domain.CertInstitution, srcINIPASS},

	// GPKI (행정전자서명) 1.2.410.100001.
	{"1.2.410.100001.2.2.1", "GPKI", "공무원용 개인", domain.CertPersonal, srcGPKI},
	{"1.2.410.100001.2.2.2", "GPKI", "공공/민간 개인용", domain.CertPersonal, srcGPKI},
	{"1.2.410.100001.2.1.1", "GPKI", "전자관인", domain.CertInstitution, srcGPKI},
	{"1.2.410.100001.2.1.2", "GPKI", "컴퓨터용", domain.CertInstitution, srcGPKI},
	{"1.2.410.100001.2.1.3", "GPKI", "전자관인/특수목적", domain.CertInstitution, srcGPKI},
	{"1.2.410.100001.2.1.4", "GPKI", "특수목적", domain.CertInstitution, srcGPKI},
	{"1.2.410.100001.2.1.5", "GPKI", "특수목적", domain.CertInstitution, srcGPKI},
	{"1.2.410.100001.2.1.6", "GPKI", "공공/민간 특수목적", domain.CertInstitution, srcGPKI},

	// gwanmun development CA.
	{OIDDevPersonal, "gwanmun dev CA", "개발용 개인", domain.CertPersonal, srcDev},
	{OIDDevInstitution, "gwanmun dev CA", "개발용 기관", domain.CertInstitution, srcDev},
}

// policyIndex maps a dotted OID to its entry in Policies.
var policyIndex = func() map[string]*Policy {
	m := make(map[string]*Policy, len(Policies))
	for i := range Policies {
		if _, dup := m[Policies[i].OID]; dup {
			panic("pki: duplicate policy OID " + Policies[i].OID)
		}
		m[Policies[i].OID] = &Policies[i]
	}
	return m
}()

// LookupPolicy returns the table entry of a dotted policy OID.
func LookupPolicy(oid string) (Policy, bool) {
	p, ok := policyIndex[oid]
	if !ok {
		return Policy{}, false
	}
	return *p, true
}

// FirstPolicy returns the first certificate policy OID of cert in dotted
// form, or "" when it has none. NPKI certificates carry exactly one policy,
// and the first one is what Korean PKI libraries classify by.
func FirstPolicy(cert *x509.Certificate) string {
	if len(cert.Policies) > 0 {
		return cert.Policies[0].String()
	}
	// Older Go code paths fill only PolicyIdentifiers.
	if len(cert.PolicyIdentifiers) > 0 {
		return cert.PolicyIdentifiers[0].String()
	}
	return ""
}

// Classify returns the class of cert by its first certificate policy OID,
// and that OID ("" when the certificate has no policy). A policy missing
// from Policies gives domain.CertUnknown, which is never treated as personal.
func Classify(cert *x509.Certificate) (domain.CertClass, string) {
	oid := FirstPolicy(cert)
	if p, ok := policyIndex[oid]; ok {
		return p.Class, oid
	}
	return domain.CertUnknown, oid
}
