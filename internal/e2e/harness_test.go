package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// Bounds on everything the tests wait for.
const (
	buildTimeout   = 3 * time.Minute  // go build of cmd/gwanmun (cached: seconds)
	startTimeout   = 60 * time.Second // demo seeding and the first "serving on" line
	browserTimeout = 30 * time.Second // Chromium start
	stepTimeout    = 20 * time.Second // one page step of a story
)

// demoServer is a running `gwanmun demo`.
type demoServer struct {
	URL  string     // e.g. http://127.0.0.1:41234
	Data string     // the --data folder: ca/ and certs/
	Set  pki.DevSet // certs/manifest.json: the newcomer certificates and their password

	mu     sync.Mutex
	stderr bytes.Buffer
}

// Log returns what the server wrote to stderr so far.
func (s *demoServer) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

func (s *demoServer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.Write(p)
}

// Cert returns the newcomer certificate with the given id (personal,
// expired, ...) of the demo's set.
func (s *demoServer) Cert(t testing.TB, id string) pki.DevSetCert {
	t.Helper()
	for _, c := range s.Set.Certs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("the demo's certificate set has no %q certificate", id)
	return pki.DevSetCert{}
}

// NPKIFiles returns the paths of signCert.der and signPri.key of a
// newcomer certificate, and the certificate itself.
func (s *demoServer) NPKIFiles(t testing.TB, id string) (certPath, keyPath string, cert *x509.Certificate) {
	t.Helper()
	dir := filepath.Join(s.Data, "certs", filepath.FromSlash(s.Cert(t, id).NPKIDir))
	certPath, keyPath = filepath.Join(dir, "signCert.der"), filepath.Join(dir, "signPri.key")
	der, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatalf("%s: %v", certPath, err)
	}
	if _, err := os.Stat(keyPath); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath, cert
}

// startDemo builds cmd/gwanmun and runs `gwanmun demo` on a free loopback
// port with its database and data in a temporary folder. The server is
// interrupted (graceful shutdown) when the test ends. The binary is built
// with -race when the tests are.
func startDemo(t *testing.T) *demoServer {
	t.Helper()
	goBin := testenv.Command(t, "go")
	dir := t.TempDir()
	bin := filepath.Join(dir, "gwanmun")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.CommandContext(ctx, goBin, append(args, "github.com/gwanmun/gwanmun/cmd/gwanmun")...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/gwanmun: %v\n%s", err, out)
	}

	s := &demoServer{Data: filepath.Join(dir, "demo")}
	cmd := exec.Command(bin, "demo", "--addr", "127.0.0.1:0", "--data", s.Data, "--db", filepath.Join(dir, "demo.db"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GWANMUN_LOG_FORMAT=text")
	cmd.Stderr = s
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("gwanmun demo did not exit cleanly: %v\n%s", err, tail(s.Log(), 20))
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("gwanmun demo did not stop within 15s of an interrupt; killed")
		}
	})

	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "gwanmun: serving on "); ok {
				urlc <- strings.TrimSpace(u)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case s.URL = <-urlc:
	case err := <-exited:
		t.Fatalf("gwanmun demo exited before serving: %v\n%s", err, tail(s.Log(), 30))
	case <-time.After(startTimeout):
		t.Fatalf("gwanmun demo did not print its URL within %s\n%s", startTimeout, tail(s.Log(), 30))
	}

	manifest, err := os.ReadFile(filepath.Join(s.Data, "certs", "manifest.json"))
	if err != nil {
		t.Fatalf("the demo's certificate manifest: %v", err)
	}
	if err := json.Unmarshal(manifest, &s.Set); err != nil {
		t.Fatalf("the demo's certificate manifest: %v", err)
	}
	if s.Set.Password == "" {
		t.Fatal("the demo's certificate manifest has no password")
	}
	return s
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// newBrowser starts a headless Chromium for the whole test and returns its
// chromedp context. Tabs made from it with newTab share the process.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := testenv.Chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "ko-KR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 960),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser() // closes Chromium and waits for it
		cancelAlloc()
	})
	if err := first(bctx, cancelBrowser); err != nil {
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	return bctx
}

// newTab opens a tab in a fresh browser context (its own cookies and
// storage), closed when the test ends.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := first(ctx, cancel); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// first makes the first chromedp call on ctx, which starts the browser or
// opens the tab. That call must not have a deadline of its own (the browser
// or tab would end with it), so it is bounded here by cancelling ctx when
// it takes longer than browserTimeout.
func first(ctx context.Context, cancel context.CancelFunc) error {
	timer := time.AfterFunc(browserTimeout, cancel)
	err := chromedp.Do(ctx)
	if !timer.Stop() {
		return fmt.Errorf("not ready within %s: %w", browserTimeout, err)
	}
	return err
}

// run runs chromedp actions in order within stepTimeout; what names the
// step in the failure.
func run(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	get(t, tab, what, chromedp.Steps(actions...))
}

// get runs one chromedp action within stepTimeout and returns its value.
func get[T any](t *testing.T, tab context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		lctx, cancel := context.WithTimeout(tab, 2*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(lctx, chromedp.Location())
		t.Fatalf("%s (page %s): %v", what, loc, err)
	}
	return v
}

// visible is a JavaScript condition: the first element matching the CSS
// selector is rendered.
func visible(sel string) string {
	return fmt.Sprintf(`((e) => !!e && e.checkVisibility())(document.querySelector(%q))`, sel)
}

// waitFor waits until the JavaScript condition holds in the tab's page,
// within stepTimeout. It evaluates the condition itself, every 50ms,
// instead of using chromedp's DOM queries, whose node ids go stale when a
// page is replaced by a form post; an evaluation that fails mid-navigation
// is retried.
func waitFor(t *testing.T, tab context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	expr := `document.readyState === 'complete' && (` + cond + `)`
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tab, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if ok && err == nil {
			return
		}
		if tab.Err() != nil {
			break
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	lctx, cancel := context.WithTimeout(tab, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(lctx, chromedp.Location())
	t.Fatalf("%s: timed out after %s waiting for %s (page %s; last error: %v)", what, stepTimeout, cond, loc, last)
}

// clickTo clicks the element matching sel, which loads a new page, and
// waits until that page has loaded and the element matching next is
// visible on it.
func clickTo(t *testing.T, tab context.Context, what, sel, next string) {
	t.Helper()
	get(t, tab, what+": mark the page", chromedp.Evaluate[bool](`window.__e2eOld = true`))
	run(t, tab, what, chromedp.Click(chromedp.CSS(sel)))
	waitFor(t, tab, what, `!window.__e2eOld && `+visible(next))
}

// screenshots saves numbered full-page screenshots of a story.
type screenshots struct {
	dir string
	n   int
}

// newScreenshots returns a screenshot folder: $GWANMUN_E2E_SCREENSHOTS/<test>
// when that is set (kept), else a temporary folder. Its path is logged
// when the test fails.
func newScreenshots(t *testing.T) *screenshots {
	dir := t.TempDir()
	if root := os.Getenv("GWANMUN_E2E_SCREENSHOTS"); root != "" {
		dir = filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screenshots: %s (set GWANMUN_E2E_SCREENSHOTS=<folder> to keep them)", dir)
		}
	})
	return &screenshots{dir: dir}
}

// take saves a screenshot of the tab as NN-name.png. A failure to take
// one is logged, not fatal: the story matters more than its pictures.
func (s *screenshots) take(t *testing.T, tab context.Context, name string) {
	t.Helper()
	s.n++
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}
