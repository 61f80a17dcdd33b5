package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/web"
)

func init() {
	register("demo", command{summary: "serve a fresh demo portal (SQLite, demo data, development certificates)", run: runDemo})
}

// demoPassword is the password of every demo certificate. It is printed on
// the demo's pages: these are test certificates of a development CA that
// nothing but a demo trusts.
const demoPassword = "gwanmun-demo-1234"

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f serveFlags
	f.register(fs, "data/demo.db")
	dataDir := fs.String("data", "data/demo", "folder for the demo's development CA and certificates")
	keep := fs.Bool("keep", false, "keep an existing demo database instead of starting fresh")
	rpAddr := fs.String("rp-addr", "127.0.0.1:0", "address of the demo system (코로나19예방접종관리 (데모), an OpenID Connect relying party)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.siteName == "관문 포털" {
		f.siteName = "관문 데모 포털"
	}
	log := f.logger(stderr)
	start := time.Now()

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	if f.baseURL == "" {
		f.baseURL = "http://" + ln.Addr().String()
	}
	if !*keep {
		if err := removeSQLite(f.db); err != nil {
			ln.Close()
			return err
		}
	}
	st, err := openStore(ctx, f.db)
	if err != nil {
		ln.Close()
		return err
	}
	defer st.Close()

	d, err := prepareDemo(ctx, st, *dataDir, f.baseURL, !*keep)
	if err != nil {
		ln.Close()
		return err
	}
	f.devCA = filepath.Join(*dataDir, "ca")
	f.crlFiles = append(f.crlFiles, d.crlFile)
	f.fetchCRL = false // the demo's CRL is served from the file above
	v, err := f.verifier()
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("demo ready", "accounts", len(d.info.Accounts), "took", time.Since(start).Round(time.Millisecond))
	now := time.Now()
	notices := []web.Notice{
		{Title: "관문 데모에 오신 것을 환영합니다 (Welcome to the gwanmun demo)", Date: now,
			Body: "이 데모는 시험용 인증서만 사용합니다. 상단의 [시험용 인증서 받기]에서 인증서를 내려받아 [사용자 가입]부터 해 보세요. 보건소 승인자 계정의 인증서도 함께 들어 있습니다."},
		{Title: "코로나19 예방접종관리 권한신청 안내", Date: now.AddDate(0, 0, -1),
			Body: "의료기관 사용자는 [코로나19 예방접종대응팀 User(의료기관)] 권한을 신청하고, 승인기관으로 관할 보건소를 선택하세요. 빠른 승인을 위해서는 신청 후 관할 보건소에 문의하시기 바랍니다."},
	}
	if f.helpPhone == "" {
		f.helpPhone = "000-0000-0000"
	}
	if _, err := startDemoRP(ctx, st, f.baseURL, *rpAddr, log, stdout); err != nil { // demo_rp.go
		ln.Close()
		return err
	}
	return serveOn(ctx, ln, &f, st, v, log, stdout, web.Config{Demo: true, DemoInfo: d.info, Notices: notices})
}

// removeSQLite deletes a SQLite database file and its WAL files, so the
// demo starts fresh. It refuses anything that is not a plain file path.
func removeSQLite(db string) error {
	path := strings.TrimPrefix(db, "sqlite:")
	if strings.Contains(path, "://") || path == "" || strings.HasPrefix(path, ":memory:") {
		return nil
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.MkdirAll(filepath.Dir(path), 0o755)
}

type demoSetup struct {
	info    *web.DemoInfo
	crlFile string
}

// prepareDemo seeds the demo data, loads or creates the development CA,
// issues a certificate to every demo account and registers it, writes the
// newcomer's test set, and zips it all for download.
func prepareDemo(ctx context.Context, st store.Store, dir, baseURL string, seed bool) (*demoSetup, error) {
	caDir := filepath.Join(dir, "ca")
	ca, err := pki.LoadDevCA(caDir)
	if errors.Is(err, fs.ErrNotExist) {
		if ca, err = pki.NewDevCA("GWANMUN-DEV"); err == nil {
			err = ca.Save(caDir)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("development CA: %w", err)
	}
	now := time.Now().UTC()
	var res *demo.Result
	if seed {
		if res, err = demo.Seed(ctx, st, now); err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}
	crlURL := baseURL + "/demo/crl.der"
	setDir := filepath.Join(dir, "certs")
	if err := os.RemoveAll(setDir); err != nil {
		return nil, err
	}
	set, err := ca.WriteSet(setDir, demoPassword, crlURL)
	if err != nil {
		return nil, fmt.Errorf("demo certificates: %w", err)
	}
	info := &web.DemoInfo{Password: demoPassword}
	for _, c := range set.Certs {
		info.TestCerts = append(info.TestCerts, web.DemoCert{ID: c.ID, LabelKo: c.LabelKo, LabelEn: c.LabelEn, Subject: c.Subject})
	}
	if res != nil {
		if err := issueAccountCerts(ctx, st, ca, res.Accounts, setDir, crlURL, now, info); err != nil {
			return nil, err
		}
	}
	// The CRL is written after the account certificates, whatever they are.
	crl, err := ca.CRL(now.AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	crlFile := filepath.Join(setDir, set.CRL)
	if err := os.WriteFile(crlFile, crl, 0o644); err != nil {
		return nil, err
	}
	info.CRL = crl
	if info.Zip, err = zipDir(setDir, "gwanmun-demo-certs"); err != nil {
		return nil, err
	}
	return &demoSetup{info: info, crlFile: crlFile}, nil
}

// issueAccountCerts gives every demo account a personal certificate,
// registered to it and written to accounts/<login ID>/NPKI/... in setDir.
func issueAccountCerts(ctx context.Context, st store.Store, ca *pki.DevCA, accts []demo.Account, setDir, crlURL string, now time.Time, info *web.DemoInfo) error {
	keys := make([]*rsa.PrivateKey, len(accts))
	var g errgroup.Group
	g.SetLimit(4)
	for i := range accts {
		g.Go(func() (err error) {
			keys[i], err = rsa.GenerateKey(rand.Reader, 2048)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return st.InTx(ctx, func(q store.Queries) error {
		for i, a := range accts {
			is, err := ca.Issue(pki.IssueOptions{Name: a.Name, Class: domain.CertPersonal, CRLURL: crlURL, Key: keys[i]})
			if err != nil {
				return err
			}
			class, policy := pki.Classify(is.Cert)
			v := auth.Verified{Result: &pki.Result{Cert: is.Cert, Class: class, PolicyOID: policy}, KeyHash: auth.KeyHash(is.Cert)}
			rec := v.CertificateRecord(a.UserID, now)
			if err := q.AddCertificate(ctx, &rec); err != nil {
				return fmt.Errorf("register certificate of %s: %w", a.LoginID, err)
			}
			keyFile, err := pki.EncryptPrivateKey(is.Key, is.RandomNum, []byte(demoPassword), pki.SchemeSeedCBCWithSHA1)
			if err != nil {
				return err
			}
			root := filepath.Join(setDir, "accounts", a.LoginID)
			if _, err := pki.WriteNPKIDir(root, ca.Name, is.Cert.Raw, keyFile); err != nil {
				return err
			}
			info.Accounts = append(info.Accounts, web.DemoAccount{
				LoginID: a.LoginID, Name: a.Name, Institution: a.Institution.DisplayName(), Roles: a.Roles,
				Folder: "accounts/" + a.LoginID,
			})
		}
		return nil
	})
}

// zipDir returns a zip of every file under dir, inside a top folder.
func zipDir(dir, top string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "ca"+string(filepath.Separator)) && strings.HasSuffix(rel, "-key.pem") {
			return nil // never hand out the CA's private keys
		}
		w, err := zw.Create(top + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
