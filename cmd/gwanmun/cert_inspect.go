package main

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/pki"
)

// "cert" groups certificate tools. This file adds "cert inspect". If
// another file registered "cert" first (files initialise in name order, so
// cert_check.go runs before this one), its command keeps every other
// sub-command.
func init() {
	prev, hasPrev := commands["cert"]
	delete(commands, "cert")
	summary := "certificate tools: inspect"
	if hasPrev {
		summary = prev.summary + "; inspect"
	}
	register("cert", command{
		summary: summary,
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			if len(args) > 0 && args[0] == "inspect" {
				return runCertInspect(ctx, args[1:], stdout, stderr)
			}
			if hasPrev {
				return prev.run(ctx, args, stdout, stderr)
			}
			fmt.Fprintln(stderr, "usage: gwanmun cert inspect [--json] CERT [--key signPri.key | --p12 FILE] [--password-file F]")
			return &exitError{code: 2}
		},
	})
}

// certReport is the JSON output of "gwanmun cert inspect --json". Its
// fields are documented in docs/cli.md and must stay stable.
type certReport struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	Serial     string    `json:"serial"`
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
	ValidNow   bool      `json:"validNow"`
	PolicyOID  string    `json:"policyOid"`
	Class      string    `json:"class"`
	ClassLabel string    `json:"classLabel"`
	KeyUsage   []string  `json:"keyUsage"`
	PublicKey  string    `json:"publicKey"`
	KeyHash    string    `json:"keyHash"`
	CRLURLs    []string  `json:"crlUrls"`
	Key        *keyCheck `json:"key,omitempty"`
}

// keyCheck reports on the private key given with --key or --p12.
type keyCheck struct {
	File         string `json:"file"`
	Decrypts     bool   `json:"decrypts"`
	MatchesCert  bool   `json:"matchesCert"`
	Scheme       string `json:"scheme,omitempty"`
	HasRandomNum bool   `json:"hasRandomNum"`
	Error        string `json:"error,omitempty"`
}

func runCertInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("cert inspect", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print JSON (fields in docs/cli.md)")
	keyFile := fl.String("key", "", "NPKI private key `file` (signPri.key) to check against the certificate")
	p12File := fl.String("p12", "", "PKCS#12 `file`: its certificate (when CERT is not given) and key")
	pwFile := fl.String("password-file", "", "`file` holding the key password (first line)")
	// Allow flags after the positional CERT.
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return err
		}
		if fl.NArg() == 0 {
			break
		}
		pos = append(pos, fl.Arg(0))
		args = fl.Args()[1:]
	}
	if len(pos) > 1 || (len(pos) == 0 && *p12File == "") || (*keyFile != "" && *p12File != "") {
		return &exitError{2, errors.New("cert inspect: give one CERT (or --p12), and at most one of --key and --p12")}
	}
	var cert *x509.Certificate
	if len(pos) == 1 {
		certPath := pos[0]
		// An NPKI certificate folder: signCert.der, and signPri.key beside it.
		if fi, err := os.Stat(certPath); err == nil && fi.IsDir() {
			if *keyFile == "" && *p12File == "" && *pwFile != "" {
				*keyFile = filepath.Join(certPath, "signPri.key")
			}
			certPath = filepath.Join(certPath, "signCert.der")
		}
		var err error
		if cert, err = readCertFile(certPath); err != nil {
			return err
		}
	}
	var password string
	if *keyFile != "" || *p12File != "" {
		if *pwFile == "" {
			return &exitError{2, errors.New("cert inspect: --password-file is required with --key or --p12")}
		}
		var err error
		if password, err = readPasswordFile(*pwFile); err != nil {
			return err
		}
	}
	var kc *keyCheck
	switch {
	case *keyFile != "":
		kc = &keyCheck{File: *keyFile}
		der, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		if k, err := pki.DecryptPrivateKey(der, []byte(password)); err != nil {
			kc.Error = err.Error()
		} else {
			kc.Decrypts, kc.Scheme, kc.HasRandomNum = true, k.Scheme, k.RandomNum != nil
			kc.MatchesCert = k.MatchesCertificate(cert)
		}
	case *p12File != "":
		kc = &keyCheck{File: *p12File}
		data, err := os.ReadFile(*p12File)
		if err != nil {
			return err
		}
		p, err := pki.ReadPKCS12(data, password)
		if err != nil {
			kc.Error = err.Error()
			if cert == nil {
				return fmt.Errorf("cert inspect: %s: %w", *p12File, err)
			}
		} else {
			if cert == nil {
				cert = p.Cert
			}
			kc.Decrypts, kc.Scheme = true, p.Key.Scheme
			kc.MatchesCert = p.Key.MatchesCertificate(cert)
		}
	}
	r := inspectCert(cert, time.Now())
	r.Key = kc
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		printCertReport(stdout, r)
	}
	if kc != nil && (!kc.Decrypts || !kc.MatchesCert) {
		return &exitError{code: 1}
	}
	return nil
}

// readCertFile reads a DER or PEM certificate.
func readCertFile(name string) (*x509.Certificate, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if b, _ := pem.Decode(data); b != nil && b.Type == "CERTIFICATE" {
		data = b.Bytes
	}
	cert, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("cert inspect: %s: %w", name, err)
	}
	return cert, nil
}

func inspectCert(c *x509.Certificate, now time.Time) *certReport {
	class, oid := pki.Classify(c)
	spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	r := &certReport{
		Subject:    dnString(c.RawSubject, c.Subject),
		Issuer:     dnString(c.RawIssuer, c.Issuer),
		Serial:     fmt.Sprintf("%x", c.SerialNumber),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
		ValidNow:   !now.Before(c.NotBefore) && !now.After(c.NotAfter),
		PolicyOID:  oid,
		Class:      string(class),
		ClassLabel: class.Label(),
		KeyUsage:   keyUsageNames(c.KeyUsage),
		PublicKey:  c.PublicKeyAlgorithm.String(),
		KeyHash:    hex.EncodeToString(spki[:]),
		CRLURLs:    c.CRLDistributionPoints,
	}
	if pub, ok := c.PublicKey.(*rsa.PublicKey); ok {
		r.PublicKey = fmt.Sprintf("RSA-%d", pub.N.BitLen())
	}
	if r.CRLURLs == nil {
		r.CRLURLs = []string{}
	}
	return r
}

// dnString formats a distinguished name as RFC 2253 from its encoded
// form, which keeps repeated attributes (two OUs) as separate RDNs.
func dnString(raw []byte, parsed pkix.Name) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) != 0 {
		return parsed.String()
	}
	return seq.String()
}

// keyUsageNames lists key usage bits by their RFC 5280 names.
func keyUsageNames(u x509.KeyUsage) []string {
	names := []string{"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
		"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	out := []string{}
	for i, n := range names {
		if u&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func printCertReport(w io.Writer, r *certReport) {
	validity := "유효 / valid"
	if !r.ValidNow {
		validity = "유효기간 아님 / not valid now"
	}
	fmt.Fprintf(w, "주체 / subject:     %s\n", r.Subject)
	fmt.Fprintf(w, "발급자 / issuer:    %s\n", r.Issuer)
	fmt.Fprintf(w, "일련번호 / serial:  %s\n", r.Serial)
	fmt.Fprintf(w, "유효기간 / validity: %s – %s (%s)\n", r.NotBefore.Format(time.RFC3339), r.NotAfter.Format(time.RFC3339), validity)
	fmt.Fprintf(w, "정책 / policy:      %s (%s, %s)\n", orNone(r.PolicyOID), r.ClassLabel, r.Class)
	fmt.Fprintf(w, "키 용도 / key usage: %s\n", strings.Join(r.KeyUsage, ", "))
	fmt.Fprintf(w, "공개키 / public key: %s, SHA-256(SPKI) %s\n", r.PublicKey, r.KeyHash)
	if len(r.CRLURLs) > 0 {
		fmt.Fprintf(w, "CRL:               %s\n", strings.Join(r.CRLURLs, ", "))
	}
	if k := r.Key; k != nil {
		fmt.Fprintf(w, "개인키 / key:       %s\n", k.File)
		if !k.Decrypts {
			fmt.Fprintf(w, "  복호화 실패 / does not decrypt: %s\n", k.Error)
			return
		}
		fmt.Fprintf(w, "  복호화 / decrypts: yes (%s)\n", k.Scheme)
		fmt.Fprintf(w, "  인증서와 일치 / matches certificate: %s\n", yesNo(k.MatchesCert))
		fmt.Fprintf(w, "  R 값 / R present: %s\n", yesNo(k.HasRandomNum))
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
