package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gwanmun/gwanmun/internal/pki"
)

func init() {
	register("sign", command{
		summary: "sign a login challenge with a certificate, like the browser does",
		run:     runSign,
	})
}

// signOutput is what "gwanmun sign" prints: the fields the browser posts
// (docs/auth-protocol.md).
type signOutput struct {
	Nonce       string `json:"nonce"`
	Certificate string `json:"certificate"` // base64 DER
	Signature   string `json:"signature"`   // base64 RSA PKCS#1 v1.5 SHA-256
}

func runSign(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("sign", flag.ContinueOnError)
	fl.SetOutput(stderr)
	nonce := fl.String("nonce", "", "challenge nonce")
	purpose := fl.String("purpose", pki.PurposeLogin, "challenge purpose: signup, login, cert-change, confirm")
	origin := fl.String("origin", "", "site origin, e.g. http://127.0.0.1:8080")
	npkiDir := fl.String("npki", "", "`folder` holding NPKI/<CA>/USER/<cn=...> (or the NPKI folder itself)")
	p12File := fl.String("p12", "", "PKCS#12 `file` instead of -npki")
	pwFile := fl.String("password-file", "", "`file` holding the key password (first line)")
	filter := fl.String("cert-filter", "", "pick the NPKI certificate whose subject contains this `text`")
	if err := fl.Parse(args); err != nil {
		return err
	}
	switch {
	case fl.NArg() != 0:
		return &exitError{2, fmt.Errorf("sign: unexpected arguments %q", fl.Args())}
	case *nonce == "" || *origin == "":
		return &exitError{2, fmt.Errorf("sign: -nonce and -origin are required")}
	case !pki.ValidPurpose(*purpose):
		return &exitError{2, fmt.Errorf("sign: unknown purpose %q", *purpose)}
	case (*npkiDir == "") == (*p12File == ""):
		return &exitError{2, fmt.Errorf("sign: give exactly one of -npki and -p12")}
	case *pwFile == "":
		return &exitError{2, fmt.Errorf("sign: -password-file is required")}
	}
	password, err := readPasswordFile(*pwFile)
	if err != nil {
		return err
	}
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	if *p12File != "" {
		data, err := os.ReadFile(*p12File)
		if err != nil {
			return err
		}
		p, err := pki.ReadPKCS12(data, password)
		if err != nil {
			return fmt.Errorf("sign: %s: %w", *p12File, err)
		}
		cert, key = p.Cert, p.Key.Key
	} else {
		e, err := pickNPKI(*npkiDir, *filter)
		if err != nil {
			return err
		}
		k, err := pki.DecryptPrivateKey(e.KeyFile, []byte(password))
		if err != nil {
			return fmt.Errorf("sign: %s: %w", e.Dir, err)
		}
		if !k.MatchesCertificate(e.Cert) {
			return fmt.Errorf("sign: %s: signPri.key does not match signCert.der", e.Dir)
		}
		cert, key = e.Cert, k.Key
	}
	sum := sha256.Sum256(pki.ChallengeMessage(*purpose, *origin, *nonce))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(signOutput{
		Nonce:       *nonce,
		Certificate: base64.StdEncoding.EncodeToString(cert.Raw),
		Signature:   base64.StdEncoding.EncodeToString(sig),
	})
}

// pickNPKI returns the one NPKI certificate under dir whose subject
// contains filter.
func pickNPKI(dir, filter string) (*pki.NPKIEntry, error) {
	entries, err := pki.ReadNPKIDir(os.DirFS(dir))
	var matches []pki.NPKIEntry
	for _, e := range entries {
		if strings.Contains(e.Cert.Subject.String(), filter) {
			matches = append(matches, e)
		}
	}
	switch len(matches) {
	case 1:
		return &matches[0], nil
	case 0:
		if err != nil {
			return nil, fmt.Errorf("sign: no usable certificate in %s: %w", dir, err)
		}
		return nil, fmt.Errorf("sign: no certificate in %s matches %q", dir, filter)
	}
	var names []string
	for _, e := range matches {
		names = append(names, e.Cert.Subject.CommonName)
	}
	return nil, fmt.Errorf("sign: %d certificates match; pick one with -cert-filter: %s", len(matches), strings.Join(names, "; "))
}

// readPasswordFile returns the first line of a password file, without its
// line ending.
func readPasswordFile(name string) (string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}
