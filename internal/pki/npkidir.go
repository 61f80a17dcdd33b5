package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// NPKIEntry is one signing certificate found in an NPKI folder:
// NPKI/<CA>/USER/<cert dir>/signCert.der and signPri.key.
type NPKIEntry struct {
	CA      string // the CA folder name, e.g. "yessign"
	Dir     string // slash-separated path of the certificate folder in the fs.FS
	Cert    *x509.Certificate
	KeyFile []byte // signPri.key, still encrypted
}

// npkiMaxDepth bounds how deep ReadNPKIDir looks. NPKI/<CA>/USER/<cn> is
// four levels; a couple more allow a parent folder (e.g. a home directory
// copied with its NPKI folder).
const npkiMaxDepth = 6

// ReadNPKIDir finds the signing certificates under fsys. A certificate
// folder is any folder whose parent is named USER and that holds
// signCert.der and signPri.key; names are matched case-insensitively, as
// Windows does. fsys may be rooted at the NPKI folder itself or above it.
// Broken entries are skipped and reported in the joined error, alongside
// the good ones.
func ReadNPKIDir(fsys fs.FS) ([]NPKIEntry, error) {
	var entries []NPKIEntry
	var errs []error
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() || p == "." {
			return nil
		}
		if strings.Count(p, "/") >= npkiMaxDepth {
			return fs.SkipDir
		}
		parent := path.Dir(p)
		if !strings.EqualFold(path.Base(parent), "USER") {
			return nil
		}
		e, ok, err := readNPKICertDir(fsys, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		} else if ok {
			if gp := path.Dir(parent); gp != "." {
				e.CA = path.Base(gp)
			}
			entries = append(entries, e)
		}
		return fs.SkipDir
	})
	if err != nil {
		errs = append(errs, err)
	}
	return entries, errors.Join(errs...)
}

// readNPKICertDir reads one certificate folder. ok is false when the
// folder does not hold a signing certificate and key.
func readNPKICertDir(fsys fs.FS, dir string) (e NPKIEntry, ok bool, err error) {
	list, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return e, false, err
	}
	var certName, keyName string
	for _, f := range list {
		switch {
		case f.IsDir():
		case strings.EqualFold(f.Name(), "signCert.der"):
			certName = f.Name()
		case strings.EqualFold(f.Name(), "signPri.key"):
			keyName = f.Name()
		}
	}
	if certName == "" || keyName == "" {
		return e, false, nil
	}
	certDER, err := fs.ReadFile(fsys, path.Join(dir, certName))
	if err != nil {
		return e, false, err
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return e, false, fmt.Errorf("signCert.der: %w", err)
	}
	key, err := fs.ReadFile(fsys, path.Join(dir, keyName))
	if err != nil {
		return e, false, err
	}
	return NPKIEntry{Dir: dir, Cert: cert, KeyFile: key}, true, nil
}

// NPKICertDirName returns the folder name NPKI software uses for a
// certificate: its subject in RFC 2253 order with lower-case attribute
// names, e.g. "cn=홍길동()0001234567890123,ou=personal,o=gwanmun-dev,c=KR".
// Characters that are not allowed in file names are replaced by "_".
func NPKICertDirName(cert *x509.Certificate) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(cert.RawSubject, &seq); err != nil || len(rest) != 0 {
		return "cert-" + cert.SerialNumber.String()
	}
	var b strings.Builder
	for i := len(seq) - 1; i >= 0; i-- {
		for j, atv := range seq[i] {
			switch {
			case j > 0:
				b.WriteByte('+')
			case b.Len() > 0:
				b.WriteByte(',')
			}
			b.WriteString(attrShortName(atv.Type))
			b.WriteByte('=')
			fmt.Fprint(&b, atv.Value)
		}
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, b.String())
}

// attrShortName returns the lower-case short name of a DN attribute type.
func attrShortName(oid asn1.ObjectIdentifier) string {
	names := map[string]string{
		"2.5.4.3": "cn", "2.5.4.5": "serialnumber", "2.5.4.6": "c", "2.5.4.7": "l",
		"2.5.4.8": "st", "2.5.4.10": "o", "2.5.4.11": "ou",
	}
	if n, ok := names[oid.String()]; ok {
		return n
	}
	return oid.String()
}

// WriteNPKIDir writes certDER and keyFile as
// root/NPKI/<caName>/USER/<NPKICertDirName>/signCert.der and signPri.key
// and returns the certificate folder. The key file is written with mode
// 0600.
func WriteNPKIDir(root, caName string, certDER, keyFile []byte) (string, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return "", fmt.Errorf("pki: WriteNPKIDir: %w", err)
	}
	if caName == "" || strings.ContainsAny(caName, `/\`) || caName == "." || caName == ".." {
		return "", fmt.Errorf("pki: WriteNPKIDir: bad CA folder name %q", caName)
	}
	dir := filepath.Join(root, "NPKI", caName, "USER", NPKICertDirName(cert))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "signCert.der"), certDER, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "signPri.key"), keyFile, 0o600); err != nil {
		return "", err
	}
	return dir, nil
}
