package web

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pageBudget is the most a first visit to the home (login), signup and
// signup-certificate pages may transfer: the HTML and every asset it
// loads, gzipped as served. A size is deterministic, unlike a timing.
const pageBudget = 300 << 10

var (
	htmlRef      = regexp.MustCompile(`<(?:link|script|img)\b[^>]*?\s(?:href|src)="(/static/[^"]+)"`)
	cssRef       = regexp.MustCompile(`url\(\s*['"]?([^'")]+)['"]?\s*\)`)
	fontFaceRule = regexp.MustCompile(`@font-face\s*\{([^}]*)\}`)
	fontSrc      = regexp.MustCompile(`src:\s*url\(([^)]+)\)`)
	unicodeRange = regexp.MustCompile(`unicode-range:\s*([^;}]+)`)
)

// weigher fetches what a browser with an empty cache would fetch for a
// page and adds up the bytes on the wire.
type weigher struct {
	h     http.Handler
	seen  map[string]bool
	total int
	lines []string
	text  strings.Builder // every character the page can show
}

func (wg *weigher) fetch(t *testing.T, u string) string {
	t.Helper()
	r := httptest.NewRequest("GET", u, nil)
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	w := httptest.NewRecorder()
	wg.h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("GET %s: %d", u, w.Code)
	}
	wg.total += w.Body.Len()
	wg.lines = append(wg.lines, fmt.Sprintf("%7d %s", w.Body.Len(), u))
	return decoded(t, w.Result())
}

func decoded(t *testing.T, res *http.Response) string {
	t.Helper()
	var rd io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	}
	b, _ := io.ReadAll(rd)
	return string(b)
}

// asset loads u and what it refers to; fonts wait until the page's text
// is known (asset returns the @font-face rules).
func (wg *weigher) asset(t *testing.T, u string, faces *[]string) {
	if wg.seen[u] {
		return
	}
	wg.seen[u] = true
	body := wg.fetch(t, u)
	switch path.Ext(u) {
	case ".js":
		wg.text.WriteString(body)
		for _, m := range moduleImport.FindAllStringSubmatch(body, -1) {
			wg.asset(t, path.Join(path.Dir(u), m[3]), faces)
		}
	case ".css":
		for _, f := range fontFaceRule.FindAllStringSubmatch(body, -1) {
			src := fontSrc.FindStringSubmatch(f[1])
			if src == nil {
				t.Fatalf("%s: @font-face without src: %s", u, f[0])
			}
			*faces = append(*faces, path.Join(path.Dir(u), src[1])+"\x00"+f[1])
		}
		rest := fontFaceRule.ReplaceAllString(body, "")
		for _, m := range cssRef.FindAllStringSubmatch(rest, -1) {
			if strings.HasPrefix(m[1], "data:") {
				continue
			}
			// Counted whether or not the page uses the rule: an upper bound.
			wg.asset(t, path.Join(path.Dir(u), m[1]), faces)
		}
	}
}

// inRange reports whether a CSS unicode-range covers any rune of text.
func inRange(ranges string, text string) bool {
	if ranges == "" {
		return true
	}
	type span struct{ a, b rune }
	var spans []span
	for _, p := range strings.Split(ranges, ",") {
		p = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(p)), "U+")
		a, b, ok := strings.Cut(p, "-")
		if !ok {
			b = a
		}
		x, _ := strconv.ParseUint(a, 16, 32)
		y, _ := strconv.ParseUint(b, 16, 32)
		spans = append(spans, span{rune(x), rune(y)})
	}
	for _, r := range text {
		for _, s := range spans {
			if r >= s.a && r <= s.b {
				return true
			}
		}
	}
	return false
}

// weigh returns the first-visit bytes of the page at p for client c.
func weigh(t *testing.T, c *client, p string) (int, []string) {
	t.Helper()
	wg := &weigher{h: c.e.s.Handler(), seen: map[string]bool{}}
	r := httptest.NewRequest("GET", p, nil)
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	res := c.browser.do(r)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", p, res.StatusCode)
	}
	raw, _ := io.ReadAll(res.Body)
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("GET %s is not gzipped", p)
	}
	wg.total += len(raw)
	wg.lines = append(wg.lines, fmt.Sprintf("%7d %s (HTML)", len(raw), p))
	res.Body = io.NopCloser(strings.NewReader(string(raw)))
	html := decoded(t, res)
	wg.text.WriteString(html)
	var faces []string
	for _, m := range htmlRef.FindAllStringSubmatch(html, -1) {
		wg.asset(t, m[1], &faces)
	}
	// A font file is fetched only when the page shows a character of its
	// unicode-range (both weights counted: the pages use bold).
	text := wg.text.String()
	for _, f := range faces {
		u, rule, _ := strings.Cut(f, "\x00")
		rg := ""
		if m := unicodeRange.FindStringSubmatch(rule); m != nil {
			rg = m[1]
		}
		if inRange(rg, text) && !wg.seen[u] {
			wg.seen[u] = true
			wg.fetch(t, u)
		}
	}
	return wg.total, wg.lines
}

// TestFirstVisitWeight fails when a first visit to the home (login) page,
// the signup consent page or the signup certificate page (with the
// certificate dialog) transfers more than pageBudget, in either language.
func TestFirstVisitWeight(t *testing.T) {
	e := newSeededEnv(t, nil)
	for _, lang := range []string{"ko", "en"} {
		c := e.client()
		c.getPage("/?lang=" + lang)
		for _, p := range []string{"/", "/signup", "/signup/cert"} {
			if p == "/signup/cert" {
				c.consent()
			}
			n, lines := weigh(t, c, p)
			t.Logf("%s %s: %d bytes\n%s", lang, p, n, strings.Join(lines, "\n"))
			if n > pageBudget {
				t.Errorf("first visit to %s (%s) transfers %d bytes, over the %d budget:\n%s", p, lang, n, pageBudget, strings.Join(lines, "\n"))
			}
			if strings.Contains(strings.Join(lines, "\n"), "-extra.") {
				t.Errorf("%s (%s) needs the extra Hangul font: re-run scripts/vendor-krds.sh after changing the UI text", p, lang)
			}
		}
	}
	// Only the pages with a certificate button load the dialog.
	c := e.client()
	_, home := c.getPage("/")
	_, consent := c.getPage("/signup")
	if !strings.Contains(home, "cert/dialog.") || !strings.Contains(home, `id="gm-cert-dialog"`) {
		t.Error("the home page does not load the certificate dialog")
	}
	if strings.Contains(consent, "cert/dialog.") || strings.Contains(consent, "gm-cert-dialog") {
		t.Error("signup step 01 loads the certificate dialog it cannot open")
	}
}
