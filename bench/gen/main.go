// Command gen fills a gwanmun database with a large, realistic population
// for the scale measurements of docs/performance.md: medical institutions
// under the demo health centres, users with one certificate each, role
// requests in every state with the grants of the approved ones, and a
// hash-chained audit log.
//
//	go run ./bench/gen -db URL [-users 1000000] [-requests 2000000] [-audit 5000000]
//
// PostgreSQL is loaded with COPY (pgx CopyFrom) in one transaction; SQLite
// with multi-row INSERTs, committed every 200 000 rows. The demo data is
// seeded first (idempotently). The bulk certificates have unique random
// key hashes but no keys; -login-users adds that many users with real
// development-CA keys (written to CACHE/login-users.pem) for logins.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("gen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	db := fl.String("db", "", "database: postgres://… or an SQLite path (required)")
	users := fl.Int("users", 1_000_000, "users, each with one certificate")
	requests := fl.Int("requests", -1, "role requests (default 2 × users)")
	audit := fl.Int("audit", -1, "audit events (default 5 × users)")
	insts := fl.Int("institutions", -1, "medical institutions (default users / 25, at least 1)")
	batch := fl.Int("batch", 10_000, "rows per COPY / INSERT batch")
	seed := fl.Uint64("seed", 1, "random seed (key hashes depend on it: use another one to add to a database)")
	loginUsers := fl.Int("login-users", 0, "users with real development-CA keys, for logins")
	cache := fl.String("cache", filepath.Join("bench", ".cache", "gen"), "directory of the development CA and login keys")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *db == "" {
		return errors.New("-db is required")
	}
	cfg := config{Users: *users, Requests: *requests, Audit: *audit, Institutions: *insts, Batch: *batch, Seed: *seed, Log: stdout}
	if cfg.Requests < 0 {
		cfg.Requests = 2 * cfg.Users
	}
	if cfg.Audit < 0 {
		cfg.Audit = 5 * cfg.Users
	}
	if cfg.Institutions < 0 {
		cfg.Institutions = max(cfg.Users/25, 1)
	}
	st, err := sqlstore.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	c, err := generate(ctx, st, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d institutions, %d users, %d certificates, %d requests %v, %d grants, %d audit events in %s\n",
		c.Institutions, c.Users, c.Certificates, c.Requests, c.ByStatus, c.Grants, c.Audit, time.Since(start).Round(time.Millisecond))
	if *loginUsers > 0 {
		path, err := addLoginUsers(ctx, st, *cache, *loginUsers)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d login users (gen-login-NNNNN), keys in %s, CA in %s\n", *loginUsers, path, filepath.Join(*cache, "ca"))
	}
	return nil
}

// addLoginUsers registers n active users with certificates of the
// development CA in cacheDir/ca (created when missing), in one
// transaction, and writes their keys and certificates to
// cacheDir/login-users.pem (test keys only). Users that already exist are
// left alone.
func addLoginUsers(ctx context.Context, st store.Store, cacheDir string, n int) (string, error) {
	dir := filepath.Join(cacheDir, "ca")
	ca, err := pki.LoadDevCA(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if ca, err = pki.NewDevCA("gwanmun-gen"); err == nil {
			err = ca.Save(dir)
		}
	}
	if err != nil {
		return "", fmt.Errorf("development CA in %s: %w", dir, err)
	}
	var out []byte
	now := time.Now().UTC()
	err = st.InTx(ctx, func(tx store.Queries) error {
		out = out[:0]
		insts, _, err := tx.ListInstitutions(ctx, store.InstitutionFilter{Query: "GEN", Kind: domain.KindMedical, Page: store.Page{Limit: 1}})
		if err != nil || len(insts) == 0 {
			return fmt.Errorf("a generated institution: %v", err)
		}
		cv, err := tx.LatestConsentVersion(ctx)
		if err != nil {
			return err
		}
		for i := range n {
			login := fmt.Sprintf("gen-login-%05d", i+1)
			if _, err := tx.GetUserByLoginID(ctx, login); err == nil {
				continue
			}
			is, err := ca.Issue(pki.IssueOptions{Name: fmt.Sprintf("로그인시험%05d", i+1)})
			if err != nil {
				return err
			}
			u := domain.User{LoginID: login, Name: fmt.Sprintf("로그인시험%05d", i+1), InstitutionID: insts[0].ID,
				Status: domain.UserActive, ConsentVersion: cv.Version, ConsentAt: now, Pseudonym: fmt.Sprintf("gl%014d", i+1)}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			kh := sha256.Sum256(is.Cert.RawSubjectPublicKeyInfo)
			cert := domain.Certificate{UserID: u.ID, SubjectDN: is.Cert.Subject.String(), IssuerDN: is.Cert.Issuer.String(),
				Serial: is.Cert.SerialNumber.Text(16), KeyHash: kh[:], NotBefore: is.Cert.NotBefore, NotAfter: is.Cert.NotAfter,
				PolicyOID: pki.OIDDevPersonal, Class: domain.CertPersonal, DER: is.Cert.Raw}
			if err := tx.AddCertificate(ctx, &cert); err != nil {
				return err
			}
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(is.Key)})...)
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.Cert.Raw})...)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("login users: %w", err)
	}
	path := filepath.Join(cacheDir, "login-users.pem")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(out); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}
