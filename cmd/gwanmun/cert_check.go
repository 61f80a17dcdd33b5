package main

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// "cert check" joins the "cert" command group. Files initialise in name
// order; if "cert" is already registered, its other sub-commands are kept.
func init() {
	prev, hasPrev := commands["cert"]
	delete(commands, "cert")
	summary := "certificate tools: check"
	if hasPrev {
		summary = prev.summary + "; check"
	}
	register("cert", command{
		summary: summary,
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			if len(args) > 0 && args[0] == "check" {
				return runCertCheck(ctx, args[1:], stdout, stderr)
			}
			if hasPrev {
				return prev.run(ctx, args, stdout, stderr)
			}
			fmt.Fprintln(stderr, certCheckUsage)
			return &exitError{code: 2}
		},
	})
}

const certCheckUsage = "usage: gwanmun cert check [--json] [--trust DIR] [--crl FILE]... [--fetch-crl] [--ocsp] [--hard-fail] [--any-class] [--at TIME] CERT"

// certCheckReport is the JSON output of "gwanmun cert check --json".
// docs/pki.md documents the fields; keep them stable.
type certCheckReport struct {
	OK               bool     `json:"ok"`
	Code             string   `json:"code,omitempty"`
	Message          string   `json:"message,omitempty"`
	MessageEn        string   `json:"message_en,omitempty"`
	Detail           string   `json:"detail,omitempty"`
	Subject          string   `json:"subject"`
	Issuer           string   `json:"issuer"`
	Serial           string   `json:"serial"`
	NotBefore        string   `json:"not_before"`
	NotAfter         string   `json:"not_after"`
	PolicyOID        string   `json:"policy_oid"`
	Class            string   `json:"class"`
	Chain            []string `json:"chain,omitempty"`
	Revocation       string   `json:"revocation,omitempty"`
	RevocationSource string   `json:"revocation_source,omitempty"`
	CheckedAt        string   `json:"checked_at"`
}

func runCertCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("cert check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print a JSON report")
	trust := fl.String("trust", os.Getenv("GWANMUN_TRUST_DIR"), "trust-store `directory` (roots/, intermediates/, crls/); default $GWANMUN_TRUST_DIR")
	var crls []string
	fl.Func("crl", "CRL `file` (DER or PEM); repeatable", func(s string) error { crls = append(crls, s); return nil })
	fetch := fl.Bool("fetch-crl", false, "fetch the certificate's http(s) CRL distribution points")
	useOCSP := fl.Bool("ocsp", false, "ask the certificate's OCSP responder")
	hard := fl.Bool("hard-fail", false, "refuse when no revocation source answers")
	anyClass := fl.Bool("any-class", false, "accept institution certificates (default: personal only, as signup and login require)")
	at := fl.String("at", "", "check at this RFC 3339 `time` instead of now")
	fl.Usage = func() { fmt.Fprintln(stderr, certCheckUsage); fl.PrintDefaults() }
	// Allow flags after CERT.
	var pos []string
	for rest := args; ; {
		if err := fl.Parse(rest); err != nil {
			return err
		}
		if fl.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fl.Arg(0)), fl.Args()[1:]
	}
	if len(pos) != 1 {
		fl.Usage()
		return &exitError{2, errors.New("cert check: give exactly one CERT")}
	}
	if *trust == "" {
		return &exitError{2, errors.New("cert check: no trust store: pass --trust DIR or set GWANMUN_TRUST_DIR (see docs/pki.md)")}
	}
	now := time.Now
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return &exitError{2, fmt.Errorf("cert check: --at: %w", err)}
		}
		now = func() time.Time { return t }
	}
	ts, err := pki.LoadTrustStore(*trust)
	if err != nil {
		return &exitError{2, fmt.Errorf("cert check: %w", err)}
	}
	cfg := pki.VerifierConfig{
		Roots: ts.Roots, Intermediates: ts.Intermediates,
		CRLFiles: append(ts.CRLFiles, crls...),
		FetchCRL: *fetch, OCSP: *useOCSP, Now: now,
	}
	if *hard {
		cfg.RevocationMode = pki.HardFail
	}
	v, err := pki.NewVerifier(cfg)
	if err != nil {
		return &exitError{2, fmt.Errorf("cert check: %w", err)}
	}

	rep := certCheckReport{CheckedAt: now().UTC().Format(time.RFC3339)}
	cert, err := readCertArg(pos[0])
	if err == nil {
		rep.fill(cert)
		var res *pki.Result
		if res, err = v.Verify(ctx, cert); err == nil {
			for _, c := range res.Chain {
				rep.Chain = append(rep.Chain, c.Subject.String())
			}
			rep.Revocation, rep.RevocationSource = string(res.Revocation), res.RevocationSource
			if !*anyClass {
				err = res.RequirePersonal()
			}
		}
	}
	if err != nil {
		code := pki.Code(err)
		if code == "" { // an unreadable file
			return &exitError{2, fmt.Errorf("cert check: %w", err)}
		}
		rep.Code, rep.Message, rep.MessageEn, rep.Detail = code, pki.MessageFor(code, "ko"), pki.MessageFor(code, "en"), err.Error()
	} else {
		rep.OK = true
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.printText(stdout)
	}
	if !rep.OK {
		return &exitError{1, errors.New("")}
	}
	return nil
}

// readCertArg reads a certificate file (DER or PEM) or an NPKI folder's
// signCert.der.
func readCertArg(path string) (*x509.Certificate, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "signCert.der")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	certs, err := pki.ParseCertificates(b)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

func (r *certCheckReport) fill(c *x509.Certificate) {
	r.Subject, r.Issuer = c.Subject.String(), c.Issuer.String()
	r.Serial = hex.EncodeToString(c.SerialNumber.Bytes())
	r.NotBefore = c.NotBefore.UTC().Format(time.RFC3339)
	r.NotAfter = c.NotAfter.UTC().Format(time.RFC3339)
	class, oid := pki.Classify(c)
	r.Class, r.PolicyOID = string(class), oid
}

func (r *certCheckReport) printText(w io.Writer) {
	if r.OK {
		fmt.Fprintln(w, "OK: the certificate would be accepted")
	} else {
		fmt.Fprintf(w, "REFUSED %s: %s\n  %s\n", r.Code, r.Message, r.MessageEn)
		if r.Detail != "" {
			fmt.Fprintf(w, "  detail: %s\n", r.Detail)
		}
	}
	if r.Subject != "" {
		fmt.Fprintf(w, "subject:    %s\nissuer:     %s\nserial:     %s\nvalidity:   %s .. %s\n", r.Subject, r.Issuer, r.Serial, r.NotBefore, r.NotAfter)
		fmt.Fprintf(w, "policy:     %s (%s, %s)\n", orDash(r.PolicyOID), r.Class, domain.CertClass(r.Class).Label())
	}
	if len(r.Chain) > 0 {
		fmt.Fprintf(w, "chain:      %s\n", strings.Join(r.Chain, " -> "))
	}
	if r.Revocation != "" {
		fmt.Fprintf(w, "revocation: %s (%s)\n", r.Revocation, r.RevocationSource)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
