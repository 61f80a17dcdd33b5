package pki

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// DevCA is a development certification authority: a root and an
// intermediate (RSA-2048, SHA-256) that issue NPKI-style test certificates
// with the development policy OIDs (OIDDevPersonal, OIDDevInstitution).
// It is for demos and tests only: its keys are stored unencrypted.
type DevCA struct {
	Name            string // used in the CA subjects and as the NPKI CA folder name
	Root            *x509.Certificate
	RootKey         *rsa.PrivateKey
	Intermediate    *x509.Certificate
	IntermediateKey *rsa.PrivateKey

	mu      sync.Mutex
	revoked []x509.RevocationListEntry
}

// devKeyGen makes the RSA keys of the development CA. Tests replace it to
// reuse keys.
var devKeyGen = func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// OID of the VID inside the identifyData otherName, and SHA-256.
var (
	oidVID          = asn1.ObjectIdentifier{1, 2, 410, 200004, 10, 1, 1, 1}
	oidDevSHA256    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSubjectAltNm = asn1.ObjectIdentifier{2, 5, 29, 17}
)

func randomSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// NewDevCA creates a root and an intermediate CA named after name
// (e.g. "gwanmun-dev"), valid from an hour ago for 20 and 10 years.
func NewDevCA(name string) (*DevCA, error) {
	if name == "" || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("pki: bad development CA name %q", name)
	}
	rootKey, err := devKeyGen()
	if err != nil {
		return nil, err
	}
	interKey, err := devKeyGen()
	if err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	rootTmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Country: []string{"KR"}, Organization: []string{name}, CommonName: name + " Root CA"},
		NotBefore:             now,
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	root, _ := x509.ParseCertificate(rootDER)
	if serial, err = randomSerial(); err != nil {
		return nil, err
	}
	interTmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Country: []string{"KR"}, Organization: []string{name}, CommonName: name + " CA 1"},
		NotBefore:             now,
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	interDER, err := x509.CreateCertificate(rand.Reader, interTmpl, root, &interKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	inter, _ := x509.ParseCertificate(interDER)
	return &DevCA{Name: name, Root: root, RootKey: rootKey, Intermediate: inter, IntermediateKey: interKey}, nil
}

// Files of a saved DevCA.
const (
	devRootFile     = "root.pem"
	devRootKeyFile  = "root-key.pem"
	devInterFile    = "intermediate.pem"
	devInterKeyFile = "intermediate-key.pem"
	devRevokedFile  = "revoked.txt"
	devNameFile     = "name.txt"
)

// Save writes the CA certificates and (unencrypted) keys as PEM files into
// dir, with the list of revoked serial numbers.
func (ca *DevCA) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name, typ string
		der       []byte
		mode      os.FileMode
	}{
		{devRootFile, "CERTIFICATE", ca.Root.Raw, 0o644},
		{devRootKeyFile, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(ca.RootKey), 0o600},
		{devInterFile, "CERTIFICATE", ca.Intermediate.Raw, 0o644},
		{devInterKeyFile, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(ca.IntermediateKey), 0o600},
	}
	for _, f := range files {
		data := pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der})
		if err := os.WriteFile(filepath.Join(dir, f.name), data, f.mode); err != nil {
			return err
		}
	}
	var b strings.Builder
	ca.mu.Lock()
	for _, r := range ca.revoked {
		fmt.Fprintf(&b, "%x %s\n", r.SerialNumber, r.RevocationTime.UTC().Format(time.RFC3339))
	}
	ca.mu.Unlock()
	if err := os.WriteFile(filepath.Join(dir, devRevokedFile), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, devNameFile), []byte(ca.Name+"\n"), 0o644)
}

// LoadDevCA reads a DevCA written by Save.
func LoadDevCA(dir string) (*DevCA, error) {
	ca := &DevCA{}
	name, err := os.ReadFile(filepath.Join(dir, devNameFile))
	if err != nil {
		return nil, err
	}
	ca.Name = strings.TrimSpace(string(name))
	readPEM := func(file, typ string) ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, err
		}
		b, _ := pem.Decode(data)
		if b == nil || b.Type != typ {
			return nil, fmt.Errorf("pki: %s: no %s PEM block", file, typ)
		}
		return b.Bytes, nil
	}
	certs := []struct {
		file string
		dst  **x509.Certificate
	}{{devRootFile, &ca.Root}, {devInterFile, &ca.Intermediate}}
	for _, c := range certs {
		der, err := readPEM(c.file, "CERTIFICATE")
		if err != nil {
			return nil, err
		}
		if *c.dst, err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("pki: %s: %w", c.file, err)
		}
	}
	keys := []struct {
		file string
		dst  **rsa.PrivateKey
		cert *x509.Certificate
	}{{devRootKeyFile, &ca.RootKey, ca.Root}, {devInterKeyFile, &ca.IntermediateKey, ca.Intermediate}}
	for _, k := range keys {
		der, err := readPEM(k.file, "RSA PRIVATE KEY")
		if err != nil {
			return nil, err
		}
		if *k.dst, err = x509.ParsePKCS1PrivateKey(der); err != nil {
			return nil, fmt.Errorf("pki: %s: %w", k.file, err)
		}
		if !(&PrivateKey{Key: *k.dst}).MatchesCertificate(k.cert) {
			return nil, fmt.Errorf("pki: %s does not match its certificate", k.file)
		}
	}
	f, err := os.Open(filepath.Join(dir, devRevokedFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		serialHex, when, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		serial, ok := new(big.Int).SetString(serialHex, 16)
		t, err := time.Parse(time.RFC3339, when)
		if !ok || err != nil {
			return nil, fmt.Errorf("pki: %s: bad line %q", devRevokedFile, sc.Text())
		}
		ca.revoked = append(ca.revoked, x509.RevocationListEntry{SerialNumber: serial, RevocationTime: t})
	}
	return ca, sc.Err()
}

// IssueOptions describe a test certificate.
type IssueOptions struct {
	// Name is the holder's real name, e.g. "홍길동" or an institution name.
	Name string
	// Class selects the policy: domain.CertPersonal (OIDDevPersonal, the
	// default) or domain.CertInstitution (OIDDevInstitution).
	Class domain.CertClass
	// NotBefore and NotAfter default to an hour ago and one year later.
	NotBefore, NotAfter time.Time
	// KeyUsage defaults to digitalSignature | nonRepudiation.
	KeyUsage x509.KeyUsage
	// Revoked adds the certificate to the CA's CRL.
	Revoked bool
	// CRLURL, when set, becomes the CRL distribution point.
	CRLURL string
	// IDN is the identification number bound into the VID (주민등록번호 or
	// 사업자등록번호 style); a fixed test value when empty.
	IDN string
	// Key is the subject key; a new RSA-2048 key when nil. (A smaller key
	// makes a certificate the verifier refuses, for tests.)
	Key *rsa.PrivateKey
	// CA marks the certificate a certification authority's (basic
	// constraints CA:TRUE), which the verifier refuses as a user's.
	CA bool
}

// Issued is an issued test certificate with its key and R value.
type Issued struct {
	Cert      *x509.Certificate
	Key       *rsa.PrivateKey
	RandomNum []byte // R, 20 bytes
	IDN       string // the IDN the VID was computed from
}

// DevTestIDN is the identification number used for VIDs when none is given.
// It is not a valid resident registration number.
const DevTestIDN = "9001011000000"

// Issue signs a test certificate with the intermediate CA. Personal
// certificates get an NPKI-style CN: name + "()" + 22 digits.
func (ca *DevCA) Issue(opts IssueOptions) (*Issued, error) {
	if opts.Name == "" {
		return nil, errors.New("pki: Issue: empty name")
	}
	class := opts.Class
	if class == "" {
		class = domain.CertPersonal
	}
	var policy, ou string
	switch class {
	case domain.CertPersonal:
		policy, ou = OIDDevPersonal, "personal"
	case domain.CertInstitution:
		policy, ou = OIDDevInstitution, "corporation"
	default:
		return nil, fmt.Errorf("pki: Issue: cannot issue class %q", class)
	}
	policyOID, err := x509.ParseOID(policy)
	if err != nil {
		return nil, err
	}
	key := opts.Key
	if key == nil {
		if key, err = devKeyGen(); err != nil {
			return nil, err
		}
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	notBefore, notAfter := opts.NotBefore, opts.NotAfter
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	}
	if notAfter.IsZero() {
		notAfter = notBefore.AddDate(1, 0, 0)
	}
	usage := opts.KeyUsage
	if usage == 0 {
		usage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	r := make([]byte, 20)
	rand.Read(r)
	idn := opts.IDN
	if idn == "" {
		idn = DevTestIDN
	}
	san, err := vidSubjectAltName(opts.Name, idn, r)
	if err != nil {
		return nil, err
	}
	// 22 digits like real NPKI CNs: a fixed prefix, the issue date, and
	// the low digits of the serial.
	digits := fmt.Sprintf("00%s%012d", notBefore.Format("20060102"), new(big.Int).Mod(serial, big.NewInt(1e12)))
	subject, err := npkiSubject(ca.Name, ou, opts.Name+"()"+digits)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:    serial,
		RawSubject:      subject,
		NotBefore:       notBefore,
		NotAfter:        notAfter,
		KeyUsage:        usage,
		Policies:        []x509.OID{policyOID},
		ExtraExtensions: []pkix.Extension{san},
	}
	if opts.CRLURL != "" {
		tmpl.CRLDistributionPoints = []string{opts.CRLURL}
	}
	if opts.CA {
		tmpl.BasicConstraintsValid, tmpl.IsCA = true, true
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Intermediate, &key.PublicKey, ca.IntermediateKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if opts.Revoked {
		ca.mu.Lock()
		ca.revoked = append(ca.revoked, x509.RevocationListEntry{
			SerialNumber:   serial,
			RevocationTime: time.Now().UTC().Truncate(time.Second),
		})
		ca.mu.Unlock()
	}
	return &Issued{Cert: cert, Key: key, RandomNum: r, IDN: idn}, nil
}

// npkiSubject encodes C=KR, O=org, OU=ORG, OU=ou, CN=cn with one
// attribute per RDN, as NPKI certificates do (pkix.Name would put both OUs
// into one multi-valued RDN).
func npkiSubject(org, ou, cn string) ([]byte, error) {
	atv := func(oid asn1.ObjectIdentifier, v string) pkix.RelativeDistinguishedNameSET {
		return pkix.RelativeDistinguishedNameSET{{Type: oid, Value: v}}
	}
	return asn1.Marshal(pkix.RDNSequence{
		atv(asn1.ObjectIdentifier{2, 5, 4, 6}, "KR"),
		atv(asn1.ObjectIdentifier{2, 5, 4, 10}, org),
		atv(asn1.ObjectIdentifier{2, 5, 4, 11}, strings.ToUpper(org)),
		atv(asn1.ObjectIdentifier{2, 5, 4, 11}, ou),
		atv(asn1.ObjectIdentifier{2, 5, 4, 3}, cn),
	})
}

// VID computes the NPKI virtual identifier SHA256(SHA256(DER(HashContent)))
// where HashContent ::= SEQUENCE { idn PrintableString, randomNum BIT STRING }.
func VID(idn string, randomNum []byte) ([]byte, error) {
	hc, err := asn1.Marshal(struct {
		IDN       string `asn1:"printable"`
		RandomNum asn1.BitString
	}{idn, asn1.BitString{Bytes: randomNum, BitLength: 8 * len(randomNum)}})
	if err != nil {
		return nil, fmt.Errorf("pki: VID: %w", err)
	}
	h1 := sha256.Sum256(hc)
	h2 := sha256.Sum256(h1[:])
	return h2[:], nil
}

// vidSubjectAltName builds the subjectAltName with the identifyData
// otherName (1.2.410.200004.10.1.1) holding the real name and the VID, in
// the layout of real NPKI certificates.
func vidSubjectAltName(realName, idn string, r []byte) (pkix.Extension, error) {
	vid, err := VID(idn, r)
	if err != nil {
		return pkix.Extension{}, err
	}
	type vidInfo struct {
		HashAlg pkix.AlgorithmIdentifier
		VID     []byte `asn1:"explicit,tag:0"`
	}
	type certifiedID struct {
		Type asn1.ObjectIdentifier
		Info vidInfo
	}
	type identifyData struct {
		RealName string `asn1:"utf8"`
		IDs      []certifiedID
	}
	value, err := asn1.Marshal(identifyData{
		RealName: realName,
		IDs:      []certifiedID{{Type: oidVID, Info: vidInfo{HashAlg: pkix.AlgorithmIdentifier{Algorithm: oidDevSHA256}, VID: vid}}},
	})
	if err != nil {
		return pkix.Extension{}, err
	}
	typeID, _ := asn1.Marshal(OIDIdentifyData)
	explicit, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: value})
	otherName, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: append(typeID, explicit...)})
	names, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: otherName})
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: oidSubjectAltNm, Value: names}, nil
}

// CRL returns a DER CRL signed by the intermediate CA listing the revoked
// certificates, valid from now until nextUpdate.
func (ca *DevCA) CRL(nextUpdate time.Time) ([]byte, error) {
	ca.mu.Lock()
	entries := append([]x509.RevocationListEntry(nil), ca.revoked...)
	ca.mu.Unlock()
	now := time.Now().UTC().Truncate(time.Second)
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(now.Unix()),
		ThisUpdate:                now.Add(-time.Minute),
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: entries,
	}, ca.Intermediate, ca.IntermediateKey)
}

// DevSet describes the standard set of test certificates written by
// WriteSet. Paths are relative to the set's directory. It is also written
// as manifest.json.
type DevSet struct {
	CAName           string       `json:"caName"`
	Password         string       `json:"password"` // the test password of every key and p12 in the set
	RootCert         string       `json:"rootCert"` // PEM
	IntermediateCert string       `json:"intermediateCert"`
	CRL              string       `json:"crl"` // DER
	CRLURL           string       `json:"crlUrl,omitempty"`
	Certs            []DevSetCert `json:"certs"`
}

// DevSetCert is one certificate of a DevSet.
type DevSetCert struct {
	ID        string    `json:"id"` // personal, institution, expired, ...
	LabelKo   string    `json:"labelKo"`
	LabelEn   string    `json:"labelEn"`
	Subject   string    `json:"subject"`
	Serial    string    `json:"serial"` // hexadecimal, lower case
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	Class     string    `json:"class"` // domain.CertClass the policy means
	Revoked   bool      `json:"revoked"`
	IDN       string    `json:"idn"`      // bound into the VID
	NPKIDir   string    `json:"npkiDir"`  // the NPKI/<CA>/USER/<cn=...> folder
	Root      string    `json:"npkiRoot"` // the folder holding NPKI/
	P12       string    `json:"p12"`
	KeyScheme string    `json:"keyScheme"`
}

// WriteSet writes the standard test set into dir: the CA (ca/, via Save),
// the CRL (ca/intermediate.crl), and for each test certificate an NPKI
// folder (certs/<id>/NPKI/...) and a p12 (certs/<id>.p12), all under
// password, plus manifest.json. crlURL, when set, is the CRL distribution
// point of the issued certificates.
func (ca *DevCA) WriteSet(dir, password, crlURL string) (*DevSet, error) {
	if password == "" {
		return nil, errors.New("pki: WriteSet: empty password")
	}
	now := time.Now().UTC().Truncate(time.Second)
	unknown, err := NewDevCA(ca.Name + "-unknown")
	if err != nil {
		return nil, err
	}
	specs := []struct {
		id, ko, en string
		issuer     *DevCA
		opts       IssueOptions
		scheme     KeyScheme
	}{
		{"personal", "개인 (정상)", "personal, valid", ca, IssueOptions{Name: "홍길동"}, SchemeSeedCBCWithSHA1},
		{"personal-pbes2", "개인 (정상, PBES2 키 파일)", "personal, valid, PBES2 key file", ca, IssueOptions{Name: "김민지", IDN: "9202022000000"}, SchemePBES2SEED},
		{"institution", "법인/기관", "institution", ca, IssueOptions{Name: "관문의원", Class: domain.CertInstitution, IDN: "1234567890"}, SchemeSeedCBCWithSHA1},
		{"expired", "만료된 인증서", "expired", ca, IssueOptions{Name: "이만료", NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(0, 0, -1)}, SchemeSeedCBCWithSHA1},
		{"not-yet-valid", "유효기간 시작 전", "not yet valid", ca, IssueOptions{Name: "박미래", NotBefore: now.AddDate(0, 0, 7), NotAfter: now.AddDate(1, 0, 7)}, SchemeSeedCBCWithSHA1},
		{"revoked", "폐지된 인증서", "revoked", ca, IssueOptions{Name: "최폐지", Revoked: true}, SchemeSeedCBCWithSHA1},
		{"wrong-key-usage", "키 용도 오류 (keyEncipherment)", "wrong key usage (keyEncipherment only)", ca, IssueOptions{Name: "정용도", KeyUsage: x509.KeyUsageKeyEncipherment}, SchemeSeedCBCWithSHA1},
		{"unknown-ca", "알 수 없는 인증기관", "issued by an unknown CA", unknown, IssueOptions{Name: "강외부"}, SchemeSeedCBCWithSHA1},
	}
	caDir := filepath.Join(dir, "ca")
	set := &DevSet{
		CAName: ca.Name, Password: password, CRLURL: crlURL,
		RootCert: "ca/" + devRootFile, IntermediateCert: "ca/" + devInterFile, CRL: "ca/intermediate.crl",
	}
	for _, s := range specs {
		s.opts.CRLURL = crlURL
		is, err := s.issuer.Issue(s.opts)
		if err != nil {
			return nil, fmt.Errorf("pki: WriteSet %s: %w", s.id, err)
		}
		keyFile, err := EncryptPrivateKey(is.Key, is.RandomNum, []byte(password), s.scheme)
		if err != nil {
			return nil, err
		}
		npkiRoot := filepath.Join(dir, "certs", s.id)
		certDir, err := WriteNPKIDir(npkiRoot, s.issuer.Name, is.Cert.Raw, keyFile)
		if err != nil {
			return nil, err
		}
		p12, err := EncodePKCS12(is.Key, is.Cert, []*x509.Certificate{s.issuer.Intermediate}, password)
		if err != nil {
			return nil, err
		}
		p12Path := filepath.Join("certs", s.id+".p12")
		if err := os.WriteFile(filepath.Join(dir, p12Path), p12, 0o600); err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(dir, certDir)
		class := s.opts.Class
		if class == "" {
			class = domain.CertPersonal
		}
		set.Certs = append(set.Certs, DevSetCert{
			ID: s.id, LabelKo: s.ko, LabelEn: s.en,
			Subject: is.Cert.Subject.String(), Serial: fmt.Sprintf("%x", is.Cert.SerialNumber),
			NotBefore: is.Cert.NotBefore, NotAfter: is.Cert.NotAfter,
			Class: string(class), Revoked: s.opts.Revoked, IDN: is.IDN,
			NPKIDir: filepath.ToSlash(rel), Root: filepath.ToSlash(filepath.Join("certs", s.id)),
			P12: filepath.ToSlash(p12Path), KeyScheme: s.scheme.String(),
		})
	}
	if err := ca.Save(caDir); err != nil {
		return nil, err
	}
	crl, err := ca.CRL(now.AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, set.CRL), crl, 0o644); err != nil {
		return nil, err
	}
	manifest, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(manifest, '\n'), 0o644); err != nil {
		return nil, err
	}
	return set, nil
}
