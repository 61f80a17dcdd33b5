package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/firstrun"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/privacy"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/web"
)

func init() {
	register("serve", command{summary: "run the portal server", run: runServe})
}

// serveFlags are the flags shared by serve and demo. Each flag falls back
// to an environment variable, named in its usage text.
type serveFlags struct {
	addr, db, siteName, baseURL   string
	trustDir, devCA               string
	crlFiles                      stringList
	fetchCRL, ocsp, hardFail      bool
	sessionIdle, sessionMax       time.Duration
	helpPhone, helpEmail, logJSON string
	debugAddr                     string
	csrfKeyFile                   string
	edgeFlags                     // proxies in front, the metrics listener (serve_edge.go)

	// The privacy rules (docs/privacy.md), in days.
	loginIDHoldDays, inactiveDays, inactiveWarnDays int

	lifecycle lifecycleFlags // serve_lifecycle.go
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// envDays reads a whole number of days from the environment.
func envDays(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= 0 {
		return n
	}
	return def
}

// privacy returns the privacy rules' configuration from the flags.
func (f *serveFlags) privacy() privacy.Config {
	c := privacy.Config{LoginIDHold: time.Duration(f.loginIDHoldDays) * privacy.Day,
		InactiveAfter: time.Duration(f.inactiveDays) * privacy.Day, InactiveWarn: time.Duration(f.inactiveWarnDays) * privacy.Day}
	if f.inactiveDays <= 0 {
		c.InactiveAfter = -1 // off
	}
	return c
}

func (f *serveFlags) register(fs *flag.FlagSet, defaultDB string) {
	fs.StringVar(&f.addr, "addr", env("GWANMUN_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (env GWANMUN_ADDR; port 0 picks a free one)")
	fs.StringVar(&f.db, "db", env("GWANMUN_DB", defaultDB), "database: a SQLite file path or sqlite: URL, or a postgres:// URL (env GWANMUN_DB)")
	fs.StringVar(&f.siteName, "site-name", env("GWANMUN_SITE_NAME", "관문 포털"), "site name shown on every page (env GWANMUN_SITE_NAME)")
	fs.StringVar(&f.baseURL, "base-url", env("GWANMUN_BASE_URL", ""), "public origin, e.g. https://portal.example (env GWANMUN_BASE_URL; default http://ADDR)")
	f.registerTrust(fs)
	fs.DurationVar(&f.sessionIdle, "session-idle", envDuration("GWANMUN_SESSION_IDLE", 30*time.Minute), "log out after this long idle (env GWANMUN_SESSION_IDLE)")
	fs.DurationVar(&f.sessionMax, "session-max", envDuration("GWANMUN_SESSION_MAX", 12*time.Hour), "end every session this long after login (env GWANMUN_SESSION_MAX)")
	fs.StringVar(&f.helpPhone, "help-phone", env("GWANMUN_HELP_PHONE", ""), "help-desk phone shown on the home page (env GWANMUN_HELP_PHONE)")
	fs.StringVar(&f.helpEmail, "help-email", env("GWANMUN_HELP_EMAIL", ""), "help-desk e-mail shown on the home page (env GWANMUN_HELP_EMAIL)")
	fs.StringVar(&f.debugAddr, "debug-addr", env("GWANMUN_DEBUG_ADDR", ""), "serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (env GWANMUN_DEBUG_ADDR; keep it private)")
	fs.IntVar(&f.loginIDHoldDays, "withdrawn-id-hold-days", envDays("GWANMUN_WITHDRAWN_ID_HOLD_DAYS", 365), "a withdrawn user's login ID stays taken this many days (env GWANMUN_WITHDRAWN_ID_HOLD_DAYS)")
	fs.IntVar(&f.inactiveDays, "inactive-days", envDays("GWANMUN_INACTIVE_DAYS", 365), "lock accounts without a login for this many days; 0 turns it off (env GWANMUN_INACTIVE_DAYS)")
	fs.IntVar(&f.inactiveWarnDays, "inactive-warn-days", envDays("GWANMUN_INACTIVE_WARN_DAYS", 30), "warn by e-mail this many days before the inactivity lock (env GWANMUN_INACTIVE_WARN_DAYS)")
	fs.StringVar(&f.csrfKeyFile, "csrf-key-file", env("GWANMUN_CSRF_KEY_FILE", ""), "file holding the key (at least 32 bytes, e.g. base64 of 32 random bytes) that signs anonymous visitors' CSRF cookies; processes behind one load balancer must share it (env GWANMUN_CSRF_KEY_FILE; default a random key per process)")
	f.registerEdge(fs)
	f.lifecycle.register(fs)
	fs.StringVar(&f.logJSON, "log-format", env("GWANMUN_LOG_FORMAT", "text"), "log format: text or json (env GWANMUN_LOG_FORMAT)")
}

// registerTrust defines the certificate verifier's flags (the trust store
// and revocation checking), which serve, demo and admin bootstrap share.
func (f *serveFlags) registerTrust(fs *flag.FlagSet) {
	fs.StringVar(&f.trustDir, "trust-dir", env("GWANMUN_TRUST_DIR", ""), "trust store: a folder with roots/ and intermediates/ certificate files (env GWANMUN_TRUST_DIR)")
	fs.StringVar(&f.devCA, "dev-ca", env("GWANMUN_DEV_CA", ""), "also trust the development CA saved in this folder (env GWANMUN_DEV_CA)")
	fs.Var(&f.crlFiles, "crl-file", "a CRL file to check revocation against (repeatable)")
	fs.BoolVar(&f.fetchCRL, "fetch-crl", env("GWANMUN_FETCH_CRL", "true") == "true", "fetch the http(s) CRL distribution points certificates name (env GWANMUN_FETCH_CRL)")
	fs.BoolVar(&f.ocsp, "ocsp", env("GWANMUN_OCSP", "false") == "true", "ask the OCSP responders certificates name (env GWANMUN_OCSP)")
	fs.BoolVar(&f.hardFail, "revocation-hard-fail", env("GWANMUN_REVOCATION_HARD_FAIL", "false") == "true", "refuse certificates whose revocation status cannot be checked (env GWANMUN_REVOCATION_HARD_FAIL)")
}

func (f *serveFlags) logger(w io.Writer) *slog.Logger {
	if f.logJSON == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// verifier builds the certificate verifier from the trust flags. Its
// trust anchors and intermediates are re-read from the same flags when an
// administrator presses [다시 읽기] under /admin/trust.
func (f *serveFlags) verifier() (*pki.Verifier, error) {
	cfg := pki.VerifierConfig{CRLFiles: f.crlFiles, FetchCRL: f.fetchCRL, OCSP: f.ocsp}
	if f.hardFail {
		cfg.RevocationMode = pki.HardFail
	}
	tc, err := f.trust()
	if err != nil {
		return nil, err
	}
	cfg.Roots, cfg.Intermediates = tc.Roots, tc.Intermediates
	v, err := pki.NewVerifier(cfg)
	if err != nil {
		return nil, err
	}
	v.SetTrustSource(f.trust)
	return v, nil
}

// trust reads the trust anchors and intermediates of --trust-dir and
// --dev-ca.
func (f *serveFlags) trust() (pki.TrustConfig, error) {
	var tc pki.TrustConfig
	if f.trustDir != "" {
		ts, err := pki.LoadTrustStore(f.trustDir)
		if err != nil {
			return tc, err
		}
		tc.Roots = append(tc.Roots, ts.Roots...)
		tc.Intermediates = append(tc.Intermediates, ts.Intermediates...)
	}
	if f.devCA != "" {
		ca, err := pki.LoadDevCA(f.devCA)
		if err != nil {
			return tc, fmt.Errorf("development CA: %w", err)
		}
		tc.Roots = append(tc.Roots, ca.Root)
		tc.Intermediates = append(tc.Intermediates, ca.Intermediate)
	}
	if len(tc.Roots) == 0 {
		return tc, errors.New("no trust anchors: give --trust-dir (the KISA root and the accredited CAs' certificates, see docs/pki.md) or --dev-ca")
	}
	return tc, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f serveFlags
	f.register(fs, "data/gwanmun.db")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := f.logger(stderr)
	st, err := openStore(ctx, f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := f.verifier()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	return serveOn(ctx, ln, &f, st, v, log, stdout, web.Config{})
}

// setGCDefault lets the heap grow to three times its live size between
// collections (GOGC=200) unless the GOGC environment variable says
// otherwise. Under login load the default (100) spent a tenth of the
// server's CPU collecting short-lived request garbage; with 200 the load
// test ran about 15 % faster and its resident memory grew from 73 to 91 MB
// (docs/performance.md).
func setGCDefault() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
}

// serveOn serves on ln, prints the URL once ready, and serves until ctx
// ends, then shuts down gracefully. extra carries demo-only settings.
func serveOn(ctx context.Context, ln net.Listener, f *serveFlags, st store.Store, v *pki.Verifier, log *slog.Logger, stdout io.Writer, extra web.Config) error {
	setGCDefault() // serve and demo alike
	base := f.baseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cfg := extra
	cfg.SiteName = f.siteName
	cfg.BaseURL = base
	cfg.SessionIdle, cfg.SessionMax = f.sessionIdle, f.sessionMax
	cfg.HelpPhone, cfg.HelpEmail = f.helpPhone, f.helpEmail
	cfg.Privacy = f.privacy()
	if err := f.applyEdge(&cfg); err != nil {
		ln.Close()
		return err
	}
	renewal, err := f.lifecycle.renewal()
	if err != nil {
		ln.Close()
		return err
	}
	cfg.Sweep.Renewal = renewal
	if added, err := f.lifecycle.syncPolicy(ctx, st, time.Now()); err != nil {
		ln.Close()
		return err
	} else if added {
		log.Info("privacy policy: published a new version from the file", "file", f.lifecycle.privacyPolicyFile)
	}
	if f.csrfKeyFile != "" {
		key, err := readCSRFKey(f.csrfKeyFile)
		if err != nil {
			ln.Close()
			return err
		}
		cfg.CSRFKey = key
	}
	// A fresh database gets the manual's consent text, so that signup
	// works before an administrator writes their own (docs/operations.md).
	if c, added, err := firstrun.EnsureConsent(ctx, st, time.Now()); err != nil {
		ln.Close()
		return err
	} else if added {
		log.Info("added the default consent text; change it at /admin/consent", "version", c.Version)
	}
	if cfg.ConsentTranslations == nil {
		cfg.ConsentTranslations = firstrun.ConsentTranslations()
	}
	dispatcher, err := mailDispatcher(st, log)
	if err != nil {
		ln.Close()
		return err
	}
	if dispatcher != nil {
		cfg.Mail = &access.Notices{Site: notify.Site{Name: cfg.SiteName, BaseURL: base}}
	}
	srv, err := web.New(cfg, web.Deps{Store: st, Verifier: v, Logger: log, Registry: reg})
	if err != nil {
		ln.Close()
		return err
	}
	if dispatcher = ssoDispatcher(dispatcher, st, srv, log); dispatcher != nil { // back-channel logouts (serve_sso.go)
		go func() {
			if err := dispatcher.Run(ctx); err != nil && ctx.Err() == nil {
				log.Error("outbox dispatcher stopped", "err", err)
			}
		}()
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if f.debugAddr != "" {
		go serveDebug(ctx, f.debugAddr, log)
	}
	mln, err := f.listenMetrics()
	if err != nil {
		ln.Close()
		return err
	}
	if mln != nil {
		go serveMetrics(ctx, mln, srv, log)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	go srv.RunJanitor(ctx)
	// SIGHUP reloads the trust anchors, intermediates and CRL files of
	// this process (docs/pki.md); [다시 읽기] under /admin/trust reaches
	// every process on the database.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHUP(ctx, hup, srv)
	log.Info("serving", "url", base, "addr", ln.Addr().String())
	fmt.Fprintf(stdout, "gwanmun: serving on %s\n", base)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log.Info("shutting down")
	if err := hs.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// reloadOnHUP reloads srv's trust at every signal on hup until ctx ends
// (srv logs and audits each reload and its outcome).
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, srv *web.Server) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			srv.ReloadTrust(ctx, "SIGHUP")
		}
	}
}

// readCSRFKey reads the shared CSRF key from path: the file's bytes
// without surrounding white space, at least 32 of them.
func readCSRFKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("CSRF key file: %w", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) < 32 {
		return nil, fmt.Errorf("CSRF key file %s: %d bytes, need at least 32 (e.g. head -c 32 /dev/urandom | base64 > %s)", path, len(b), path)
	}
	return b, nil
}

// serveDebug serves net/http/pprof on addr until ctx ends.
func serveDebug(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	log.Info("debug profiles", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("debug server", "err", err)
	}
}

// mailDispatcher returns the outbox dispatcher when a mail server is
// configured (GWANMUN_SMTP_HOST and friends, docs/notifications.md), or nil:
// then no notification is written at all.
func mailDispatcher(st store.Store, log *slog.Logger) (*notify.Dispatcher, error) {
	cfg, ok, err := notify.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("mail configuration: %w", err)
	}
	if !ok {
		log.Info("e-mail notifications off: GWANMUN_SMTP_HOST is not set")
		return nil, nil
	}
	outbox, ok := st.(notify.Outbox)
	if !ok {
		return nil, errors.New("this store keeps no outbox")
	}
	m, err := notify.NewSMTP(cfg)
	if err != nil {
		return nil, err
	}
	return notify.NewDispatcher(outbox, m, log), nil
}
