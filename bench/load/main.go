// Command load is gwanmun's load driver. It measures certificate logins
// against a gwanmun server on this machine, next to an in-process baseline
// server that does only the unavoidable work of a login (parse the JSON,
// verify one RSA-2048 signature), and reports logins per second, latency
// percentiles, errors by status and code, the ratio to the baseline and the
// server's resident memory. See docs/performance.md.
//
// Usage (from the repository root):
//
//	go run ./bench/load -spawn                       # build and start gwanmun on a fresh SQLite database
//	go run ./bench/load -spawn -db postgres://...    # the same on PostgreSQL
//	go run ./bench/load -url http://127.0.0.1:8080 -db sqlite:data/gwanmun.db
//	go run ./bench/load -short                       # CI-sized: a few seconds
//	go run ./bench/load -spawn -role-pages           # also the approver inbox, 권한/부가정보, the admin user search
//	go run ./bench/load                              # baseline only
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gwanmun/gwanmun/bench/harness"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// options are the driver's flags.
type options struct {
	url        string
	spawn      bool
	db         string
	repo       string
	cache      string
	users      int
	n          int
	c          int
	duration   time.Duration
	short      bool
	baseline   bool
	register   bool
	spread     bool
	perSource  int
	pid        int
	pages      string
	rolePages  bool
	sso        bool
	caFlag     string
	serveArgs  string
	readyAfter time.Duration
}

// maxRequests bounds -n: every planned login holds a signed challenge in
// memory and in the server's database, and must be used within 5 minutes.
const maxRequests = 100_000

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fl := flag.NewFlagSet("load", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&o.url, "url", "", "`URL` of a running gwanmun on loopback, e.g. http://127.0.0.1:8080")
	fl.BoolVar(&o.spawn, "spawn", false, "build ./cmd/gwanmun and run 'gwanmun serve' on a free loopback port")
	fl.StringVar(&o.db, "db", "", "database `URL` the server uses (sqlite:PATH, PATH or postgres://...); the users are registered there. With -spawn, default: a new SQLite file in the cache directory")
	fl.StringVar(&o.repo, "repo", ".", "repository root `dir` (for -spawn)")
	fl.StringVar(&o.cache, "cache", filepath.Join("bench", ".cache"), "cache `dir`: development CA (DIR/devca/ca), user keys and certificates, server log")
	fl.IntVar(&o.users, "users", 200, "number of users (certificates); logins cycle through them")
	fl.IntVar(&o.n, "n", 5000, "logins per run (each needs a signed challenge prepared beforehand)")
	fl.IntVar(&o.c, "c", 64, "concurrent clients")
	fl.DurationVar(&o.duration, "duration", 60*time.Second, "time bound of each timed phase")
	fl.BoolVar(&o.short, "short", false, "CI size: -users 8 -n 200 -c 16 -duration 10s (explicit flags win)")
	fl.BoolVar(&o.baseline, "baseline", true, "also measure the in-process baseline server")
	fl.BoolVar(&o.register, "register", true, "register the users in -db before the run")
	fl.BoolVar(&o.spread, "spread", true, "connect each client from its own 127.0.x.y source address (per-address rate limits see many clients)")
	fl.IntVar(&o.perSource, "per-source", 8, "with -spread: requests per source address before a client moves to a new one (0: never); keep it under the server's per-address burst")
	fl.IntVar(&o.pid, "pid", 0, "process `ID` of the -url server, to report its memory")
	fl.StringVar(&o.pages, "pages", "", "comma-separated `paths` to time as GET requests after the logins, with their sessions, e.g. /,/menu")
	fl.BoolVar(&o.sso, "sso", false, "also time OpenID Connect code flows (authorize with the login run's sessions, code exchange, userinfo; docs/sso.md): registers the covid system as a client in -db and gives every bench user its user role")
	fl.BoolVar(&o.rolePages, "role-pages", false, "also time the approver inbox, 권한/부가정보 and the admin user search: grants bench-00001 the health-centre approver role and bench-00002 national administration in -db, and files a pending request for every other user")
	fl.StringVar(&o.caFlag, "ca-flag", "--dev-ca", "flag of 'gwanmun serve' naming the development CA directory to trust")
	fl.StringVar(&o.serveArgs, "serve-args", "", "extra space-separated arguments for 'gwanmun serve'")
	fl.DurationVar(&o.readyAfter, "ready-timeout", 60*time.Second, "how long to wait for the spawned server")
	if err := fl.Parse(args); err != nil {
		return nil, err
	}
	if fl.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	if o.short {
		set := map[string]bool{}
		fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["users"] {
			o.users = 8
		}
		if !set["n"] {
			o.n = 200
		}
		if !set["c"] {
			o.c = 16
		}
		if !set["duration"] {
			o.duration = 10 * time.Second
		}
	}
	switch {
	case o.users < 1 || o.n < 1 || o.c < 1:
		return nil, errors.New("-users, -n and -c must be at least 1")
	case o.n > maxRequests:
		return nil, fmt.Errorf("-n %d: at most %d (challenges expire after 5 minutes)", o.n, maxRequests)
	case o.perSource < 0:
		return nil, errors.New("-per-source must not be negative")
	case o.c > 1024:
		return nil, errors.New("-c: at most 1024")
	case o.duration <= 0 || o.duration > harness.MaxDuration:
		return nil, fmt.Errorf("-duration must be in (0, %s]", harness.MaxDuration)
	case o.spawn && o.url != "":
		return nil, errors.New("use -spawn or -url, not both")
	case o.url != "" && o.register && o.db == "":
		return nil, errors.New("-url needs -db (the server's database, to register the users) or -register=false")
	case o.sso && o.url != "" && o.db == "":
		return nil, errors.New("-sso needs -db (the server's database, to register the client)")
	case o.rolePages && !o.spawn && o.url == "":
		return nil, errors.New("-role-pages needs a server: -spawn or -url")
	case o.rolePages && o.url != "" && o.db == "":
		return nil, errors.New("-role-pages needs -db (the server's database, to give the users their roles)")
	case o.rolePages && o.users < minRoleUsers:
		return nil, fmt.Errorf("-role-pages needs -users %d or more (an approver, an administrator and applicants)", minRoleUsers)
	}
	if o.url != "" {
		o.url = strings.TrimRight(o.url, "/")
		if err := checkLoopback(o.url); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// report is what a run measured.
type report struct {
	baseline, gwanmun *harness.Result
	pages             []*harness.Result
	memPeak           int64
	memLast           memStatus
	memErr            error
	target            string
}

// run is the whole driver; main only handles signals and the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.cache, 0o755); err != nil {
		return err
	}
	_, users, err := loadOrCreateUsers(o.cache, o.users, stderr)
	if err != nil {
		return err
	}
	factory := &clientFactory{spread: o.spread}
	cfg := harness.Config{Concurrency: o.c, N: o.n, Duration: o.duration}
	if o.spread && o.perSource > 0 {
		cfg.NewClient, cfg.PerClient = factory.newClient, o.perSource
	}
	rep := &report{}

	if o.baseline {
		if rep.baseline, err = runBaseline(ctx, cfg, factory, users); err != nil {
			return err
		}
		fmt.Fprintln(stdout, rep.baseline.Summary())
	}

	if o.spawn || o.url != "" {
		if err := runGwanmun(ctx, o, cfg, factory, users, rep, stdout, stderr); err != nil {
			return err
		}
	}
	printReport(stdout, o, rep)
	if (rep.baseline != nil && rep.baseline.OK == 0) || (rep.gwanmun != nil && rep.gwanmun.OK == 0) {
		return errors.New("no successful login: see the errors above")
	}
	return nil
}

// runBaseline measures the baseline server.
func runBaseline(ctx context.Context, cfg harness.Config, f *clientFactory, users []benchUser) (*harness.Result, error) {
	b, err := startBaseline()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	clients := f.clients(cfg.Concurrency)
	defer closeClients(clients)
	sc := &loginScenario{Label: "baseline", BaseURL: b.URL, Users: users, NewClient: f.newClient, PerSource: cfg.PerClient}
	return harness.Run(ctx, cfg, sc, clients)
}

// runGwanmun registers the users, starts the server when asked, and
// measures its logins (and pages).
func runGwanmun(ctx context.Context, o *options, cfg harness.Config, f *clientFactory, users []benchUser, rep *report, stdout, stderr io.Writer) error {
	db := o.db
	if o.spawn && db == "" {
		dir, err := os.MkdirTemp(o.cache, "run-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		db = "sqlite:" + filepath.Join(dir, "gwanmun.db")
	}
	if o.register {
		st, err := sqlstore.Open(ctx, db)
		if err != nil {
			return fmt.Errorf("open %s: %w", redactURL(db), err)
		}
		n, err := registerUsers(ctx, st, users)
		st.Close()
		if err != nil {
			return fmt.Errorf("register users: %w", err)
		}
		fmt.Fprintf(stderr, "registered %d new users in %s (%d in all)\n", n, redactURL(db), len(users))
	}
	var roles roleSetup
	if o.rolePages {
		st, err := sqlstore.Open(ctx, db)
		if err != nil {
			return fmt.Errorf("open %s: %w", redactURL(db), err)
		}
		roles, err = setupRoles(ctx, st, users)
		st.Close()
		if err != nil {
			return fmt.Errorf("role setup: %w", err)
		}
		seeded := ""
		if roles.Seeded {
			seeded = "seeded the demo data; "
		}
		fmt.Fprintf(stderr, "role setup: %s%d new grants, %d new requests, %d pending at %s\n",
			seeded, roles.NewGrants, roles.NewRequests, roles.Pending, roles.Centre.Code)
	}
	rep.target = redactURL(db)

	baseURL, pid := o.url, o.pid
	if o.spawn {
		bin, err := buildServer(ctx, o.repo, o.cache)
		if err != nil {
			return err
		}
		port, err := freeLoopbackPort()
		if err != nil {
			return err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		caDirAbs, err := filepath.Abs(caDir(o.cache))
		if err != nil {
			return err
		}
		args := []string{"serve", "--addr", addr, "--base-url", "http://" + addr, "--db", db,
			o.caFlag, caDirAbs, "--crl-file", filepath.Join(caDirAbs, "intermediate.crl")}
		args = append(args, strings.Fields(o.serveArgs)...)
		logPath := filepath.Join(o.cache, "server.log")
		fmt.Fprintf(stderr, "starting %s %s (log: %s)\n", bin, strings.Join(redactArgs(args), " "), logPath)
		p, err := startServer(bin, args, logPath, o.readyAfter)
		if err != nil {
			return err
		}
		defer p.Stop()
		baseURL, pid = p.URL, p.Pid()
	}
	if err := checkLoopback(baseURL); err != nil {
		return err
	}
	var sampler *rssSampler
	if pid > 0 {
		sampler = sampleRSS(pid, 200*time.Millisecond)
	}
	clients := f.clients(cfg.Concurrency)
	defer closeClients(clients)
	sc := &loginScenario{Label: "gwanmun", BaseURL: baseURL, Users: users, RequireSession: true, NewClient: f.newClient, PerSource: cfg.PerClient}
	res, err := harness.Run(ctx, cfg, sc, clients)
	if err != nil {
		if sampler != nil {
			sampler.Stop()
		}
		return err
	}
	rep.gwanmun = res
	fmt.Fprintln(stdout, res.Summary())
	for _, path := range strings.Split(o.pages, ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		var sessions []*http.Cookie
		for _, c := range sc.Sessions {
			if c != nil {
				sessions = append(sessions, c)
			}
		}
		g := &harness.GetScenario{BaseURL: baseURL, Path: path}
		if len(sessions) > 0 {
			g.Cookies = func(i int) []*http.Cookie { return []*http.Cookie{sessions[i%len(sessions)]} }
		}
		pr, err := harness.Run(ctx, cfg, g, clients)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, pr.Summary())
		rep.pages = append(rep.pages, pr)
	}
	if o.sso {
		if err := runSSO(ctx, cfg, clients, baseURL, db, users, sc.Sessions, rep, stdout); err != nil { // sso.go
			return err
		}
	}
	if o.rolePages {
		rs, err := runRolePages(ctx, cfg, f, clients, baseURL, users, roles, stdout, stderr)
		if err != nil {
			if sampler != nil {
				sampler.Stop()
			}
			return err
		}
		rep.pages = append(rep.pages, rs...)
	}
	if sampler != nil {
		rep.memPeak, rep.memLast, rep.memErr = sampler.Stop()
	}
	return nil
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if at := strings.IndexByte(rest, '@'); at >= 0 {
			if colon := strings.IndexByte(rest[:at], ':'); colon >= 0 {
				return s[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
	}
	return s
}

func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redactURL(a)
	}
	return out
}

// Benchmark targets (docs/performance.md). They are reported, never
// asserted.
const (
	targetRatioSQLite   = 0.5
	targetRatioPostgres = 0.3
	targetP99           = 50 * time.Millisecond
	targetRSS           = 200 << 20
)

func printReport(w io.Writer, o *options, rep *report) {
	fmt.Fprintf(w, "\nmachine: %d CPUs, %s %s/%s; c=%d n=%d users=%d\n", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, o.c, o.n, o.users)
	for _, r := range append([]*harness.Result{rep.baseline, rep.gwanmun}, rep.pages...) {
		if r == nil || len(r.Errors) == 0 {
			continue
		}
		fmt.Fprintf(w, "errors of %s:\n", r.Scenario)
		for _, l := range r.ErrorLines() {
			fmt.Fprintln(w, l)
		}
	}
	if rep.gwanmun == nil {
		return
	}
	fmt.Fprintf(w, "database: %s\n", rep.target)
	if rep.baseline != nil && rep.baseline.Rate() > 0 {
		target := targetRatioSQLite
		if strings.HasPrefix(rep.target, "postgres") {
			target = targetRatioPostgres
		}
		ratio := rep.gwanmun.Rate() / rep.baseline.Rate()
		fmt.Fprintf(w, "ratio gwanmun/baseline: %.3f (target ≥ %.1f) %s\n", ratio, target, verdict(ratio >= target))
	}
	p99 := rep.gwanmun.Percentile(99)
	fmt.Fprintf(w, "gwanmun p99: %s (target < %s at 64 clients) %s\n", p99.Round(10*time.Microsecond), targetP99, verdict(p99 < targetP99))
	switch {
	case rep.memErr != nil:
		fmt.Fprintf(w, "server memory: %v\n", rep.memErr)
	case rep.memPeak > 0:
		fmt.Fprintf(w, "server memory: peak RSS %.1f MB, RSS at end %.1f MB (target < %d MB) %s\n",
			mb(rep.memPeak), mb(rep.memLast.RSS), targetRSS>>20, verdict(rep.memPeak < targetRSS))
	default:
		fmt.Fprintln(w, "server memory: not measured (use -spawn, or -pid with -url)")
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func verdict(ok bool) string {
	if ok {
		return "[met]"
	}
	return "[NOT met]"
}
