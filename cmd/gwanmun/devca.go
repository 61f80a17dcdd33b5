package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/gwanmun/gwanmun/internal/pki"
)

func init() {
	register("devca", command{
		summary: "write the development CA and its standard set of test certificates",
		run:     runDevCA,
	})
}

// runDevCA implements "gwanmun devca". An existing CA in DIR/ca is reused,
// so a trust store built from it stays valid; the test certificates are
// issued again.
func runDevCA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("devca", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("dir", "devca", "output `directory`")
	password := fl.String("password", "", "password of every key file and p12 (default: a new random one, printed)")
	crlURL := fl.String("crl-url", "", "CRL distribution point `URL` put into the certificates")
	name := fl.String("name", "gwanmun-dev", "CA `name` (subjects and NPKI folder)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 {
		return &exitError{2, fmt.Errorf("devca: unexpected arguments %q", fl.Args())}
	}
	pw := *password
	if pw == "" {
		b := make([]byte, 9)
		rand.Read(b)
		pw = "dev-" + base64.RawURLEncoding.EncodeToString(b)
	}
	caDir := filepath.Join(*dir, "ca")
	ca, err := pki.LoadDevCA(caDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if ca, err = pki.NewDevCA(*name); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("devca: existing CA in %s: %w", caDir, err)
	case ca.Name != *name:
		return fmt.Errorf("devca: %s holds CA %q, not %q; use another -dir", caDir, ca.Name, *name)
	}
	if err := os.RemoveAll(filepath.Join(*dir, "certs")); err != nil {
		return err
	}
	set, err := ca.WriteSet(*dir, pw, *crlURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "development CA %q written to %s\n", set.CAName, *dir)
	fmt.Fprintf(stdout, "root certificate: %s\nCRL: %s\n", filepath.Join(*dir, set.RootCert), filepath.Join(*dir, set.CRL))
	fmt.Fprintf(stdout, "test password (all key files and p12): %s\n\n", set.Password)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t구분 / case\tNPKI folder\tp12")
	for _, c := range set.Certs {
		fmt.Fprintf(tw, "%s\t%s / %s\t%s\t%s\n", c.ID, c.LabelKo, c.LabelEn, c.Root, c.P12)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nmanifest: %s\n", filepath.Join(*dir, "manifest.json"))
	return nil
}
