package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// benchUser is a load-test user: a development certificate and its key.
type benchUser struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

// loginID is the login ID of the i-th load-test user.
func loginID(i int) string { return fmt.Sprintf("bench-%05d", i+1) }

// Cache layout under the cache directory.
const (
	caName         = "gwanmun-bench"
	devCASubdir    = "devca"     // like "gwanmun devca -dir": the CA is in devca/ca
	usersCacheFile = "users.pem" // pairs of RSA PRIVATE KEY and CERTIFICATE blocks
)

// caDir returns the directory holding the CA files (root.pem ...).
func caDir(cacheDir string) string { return filepath.Join(cacheDir, devCASubdir, "ca") }

// loadOrCreateUsers returns n users with certificates of the development
// CA cached in cacheDir, creating the CA and the missing users (RSA keys
// generated in parallel) and rewriting the cache. It also writes a fresh
// CRL (ca/intermediate.crl, nothing revoked) next to the CA.
func loadOrCreateUsers(cacheDir string, n int, log io.Writer) (*pki.DevCA, []benchUser, error) {
	if n < 1 {
		return nil, nil, fmt.Errorf("need at least one user, not %d", n)
	}
	dir := caDir(cacheDir)
	ca, err := pki.LoadDevCA(dir)
	fresh := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if ca, err = pki.NewDevCA(caName); err != nil {
			return nil, nil, err
		}
		if err := ca.Save(dir); err != nil {
			return nil, nil, err
		}
		fresh = true
	case err != nil:
		return nil, nil, fmt.Errorf("cached CA in %s: %w (delete the directory to start over)", dir, err)
	}
	crl, err := ca.CRL(time.Now().AddDate(0, 1, 0))
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "intermediate.crl"), crl, 0o644); err != nil {
		return nil, nil, err
	}

	var users []benchUser
	path := filepath.Join(cacheDir, usersCacheFile)
	if !fresh {
		if data, err := os.ReadFile(path); err == nil {
			users = parseUsersCache(data, ca, time.Now().Add(24*time.Hour))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
	}
	if len(users) >= n {
		return ca, users[:n], nil
	}
	missing := n - len(users)
	fmt.Fprintf(log, "generating %d RSA-2048 keys and certificates (cached in %s)...\n", missing, path)
	start := time.Now()
	made := make([]benchUser, missing)
	errs := make([]error, missing)
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				idx := len(users) + j
				is, err := ca.Issue(pki.IssueOptions{Name: fmt.Sprintf("부하시험%05d", idx+1)})
				if err != nil {
					errs[j] = err
					continue
				}
				made[j] = benchUser{Key: is.Key, Cert: is.Cert}
			}
		}()
	}
	for j := range missing {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(log, "generated %d in %s\n", missing, time.Since(start).Round(time.Millisecond))
	users = append(users, made...)
	if err := writeFileAtomic(path, encodeUsersCache(users), 0o600); err != nil {
		return nil, nil, err
	}
	return ca, users, nil
}

// encodeUsersCache writes each user as an RSA PRIVATE KEY block followed by
// a CERTIFICATE block. The keys are test keys of the bench CA only.
func encodeUsersCache(users []benchUser) []byte {
	var b bytes.Buffer
	for _, u := range users {
		pem.Encode(&b, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(u.Key)})
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: u.Cert.Raw})
	}
	return b.Bytes()
}

// parseUsersCache reads the pairs written by encodeUsersCache, keeping
// those issued by ca's intermediate, valid until validUntil and whose key
// matches the certificate. It stops at the first malformed pair: the
// cache is an optimisation, and whatever is dropped is made again.
func parseUsersCache(data []byte, ca *pki.DevCA, validUntil time.Time) []benchUser {
	var users []benchUser
	for {
		var kb, cb *pem.Block
		kb, data = pem.Decode(data)
		if kb == nil || kb.Type != "RSA PRIVATE KEY" {
			return users
		}
		cb, data = pem.Decode(data)
		if cb == nil || cb.Type != "CERTIFICATE" {
			return users
		}
		key, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
		if err != nil || key.N.BitLen() != 2048 {
			return users
		}
		cert, err := x509.ParseCertificate(cb.Bytes)
		if err != nil {
			return users
		}
		if !key.PublicKey.Equal(cert.PublicKey) || cert.CheckSignatureFrom(ca.Intermediate) != nil ||
			!validUntil.Before(cert.NotAfter) || time.Now().Before(cert.NotBefore) {
			continue
		}
		users = append(users, benchUser{Key: key, Cert: cert})
	}
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// benchInstitutionCode is the code of the medical institution the load-test
// users belong to.
const benchInstitutionCode = "BENCH-LOAD-0001"

// registerUsers makes sure every user exists in st as an active user of the
// bench institution with its certificate registered (the state a signup
// plus an approval leaves), in one transaction. Users already registered
// (same key) are left alone, so reruns against the same database are cheap.
// It returns how many users it created.
func registerUsers(ctx context.Context, st store.Store, users []benchUser) (int, error) {
	created := 0
	err := st.InTx(ctx, func(tx store.Queries) error {
		created = 0
		now := time.Now().UTC()
		inst, err := tx.GetInstitutionByCode(ctx, benchInstitutionCode)
		if errors.Is(err, store.ErrNotFound) {
			inst = domain.Institution{Code: benchInstitutionCode, Name: "부하시험의원 (load test)", Kind: domain.KindMedical,
				RegionCode: "11110", CreatedAt: now, UpdatedAt: now}
			err = tx.CreateInstitution(ctx, &inst)
		}
		if err != nil {
			return fmt.Errorf("bench institution: %w", err)
		}
		consent := 0
		if cv, err := tx.LatestConsentVersion(ctx); err == nil {
			consent = cv.Version
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("consent version: %w", err)
		}
		for i, u := range users {
			kh := keyHash(u.Cert)
			if _, err := tx.GetCertificateByKeyHash(ctx, kh[:]); err == nil {
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			usr, err := tx.GetUserByLoginID(ctx, loginID(i))
			if errors.Is(err, store.ErrNotFound) {
				usr = domain.User{
					LoginID: loginID(i), Name: fmt.Sprintf("부하시험%05d", i+1), InstitutionID: inst.ID,
					Mobile: fmt.Sprintf("010%08d", i+1), OfficePhone: "0200000000",
					Status: domain.UserActive, ConsentVersion: consent, ConsentAt: now,
					CreatedAt: now, UpdatedAt: now, Pseudonym: randomHex(16),
				}
				err = tx.CreateUser(ctx, &usr)
			}
			if err != nil {
				return fmt.Errorf("user %s: %w", loginID(i), err)
			}
			// A user whose certificate changed (new cache) gets the new one
			// as current.
			c := domain.Certificate{
				UserID: usr.ID, SubjectDN: u.Cert.Subject.String(), IssuerDN: u.Cert.Issuer.String(),
				Serial: fmt.Sprintf("%x", u.Cert.SerialNumber), KeyHash: kh[:],
				NotBefore: u.Cert.NotBefore, NotAfter: u.Cert.NotAfter,
				PolicyOID: pki.OIDDevPersonal, Class: domain.CertPersonal, DER: u.Cert.Raw, RegisteredAt: now,
			}
			if err := tx.AddCertificate(ctx, &c); err != nil {
				return fmt.Errorf("certificate of %s: %w", loginID(i), err)
			}
			if err := tx.ReplaceCertificates(ctx, usr.ID, c.ID, now); err != nil {
				return fmt.Errorf("certificate of %s: %w", loginID(i), err)
			}
			created++
		}
		return nil
	})
	return created, err
}

// keyHash is SHA-256 of the certificate's SubjectPublicKeyInfo, the key a
// certificate is registered under.
func keyHash(c *x509.Certificate) [32]byte { return sha256.Sum256(c.RawSubjectPublicKeyInfo) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
