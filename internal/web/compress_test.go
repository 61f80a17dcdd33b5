package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestCompressDynamic checks that HTML pages and JSON answers are gzipped
// for a client that accepts gzip, decompress to the identity body, and that
// short bodies, HEAD and clients without gzip get identity.
func TestCompressDynamic(t *testing.T) {
	e := newTestEnv(t, nil)
	b := e.browser()
	b.get("/") // the CSRF cookie, so both pages carry the same token
	get := func(path, ae string) (*http.Response, []byte) {
		r := httptest.NewRequest("GET", path, nil)
		if ae != "" {
			r.Header.Set("Accept-Encoding", ae)
		}
		res := b.do(r)
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	res, plain := get("/", "")
	if res.Header.Get("Content-Encoding") != "" {
		t.Fatalf("identity request answered with %q", res.Header.Get("Content-Encoding"))
	}
	res, zbody := get("/", "gzip, deflate, br")
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") ||
		res.Header.Get("Content-Length") != "" {
		t.Fatalf("home page with gzip: %v", res.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(string(zbody)))
	if err != nil {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	// Each rendering masks the CSRF token anew (csrf_mask.go).
	masked := regexp.MustCompile(`m1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
	if masked.ReplaceAllString(string(unz), "TOKEN") != masked.ReplaceAllString(string(plain), "TOKEN") {
		t.Errorf("the gzipped home page differs from the identity one")
	}
	if len(zbody)*2 > len(plain) {
		t.Errorf("home page: %d bytes gzipped of %d: less than half expected", len(zbody), len(plain))
	}

	// JSON of some size: the ID check answers short JSON, sent as is.
	res, body := get("/signup/check-id?id=abc", "gzip")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("check-id: %s %s", ct, body)
	}
	if len(body) < compressMinBytes && res.Header.Get("Content-Encoding") != "" {
		t.Errorf("a %d-byte JSON body was compressed", len(body))
	}

	// HEAD and gzip;q=0 are identity.
	if res, _ := get("/", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	r := httptest.NewRequest("HEAD", "/", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	if res := b.do(r); res.Header.Get("Content-Encoding") != "" {
		t.Error("HEAD got gzip")
	}
	// A static asset keeps its own precompressed body (not gzipped twice).
	u, _ := e.s.assets.url("css/app.css")
	res, zbody = get(u, "gzip")
	zr, err = gzip.NewReader(strings.NewReader(string(zbody)))
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !strings.Contains(string(css), ".gw-hero") {
		t.Errorf("static asset: not app.css after one gunzip (%v)", res.Header)
	}
}

// TestCompressWriterLarge streams a large JSON body in small writes.
func TestCompressWriterLarge(t *testing.T) {
	h := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"abc"`)
		w.WriteHeader(http.StatusCreated)
		for i := 0; i < 1000; i++ {
			io.WriteString(w, `{"k":"v"},`)
		}
	}))
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	if res.StatusCode != http.StatusCreated || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("ETag") != `W/"abc"` {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if len(b) != 10000 {
		t.Errorf("decompressed %d bytes, want 10000", len(b))
	}
	// A short body stays identity, with its status.
	h = compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<p>not found</p>")
	}))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 404 || w.Header().Get("Content-Encoding") != "" || w.Body.String() != "<p>not found</p>" {
		t.Errorf("short body: %d %v %q", w.Code, w.Header(), w.Body.String())
	}
}
