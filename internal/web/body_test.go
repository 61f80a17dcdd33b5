package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// countingBody is a request body that counts what was read of it.
type countingBody struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// zeros is an endless source of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// bigMultipart returns a multipart body with one file of size bytes,
// generated as it is read, and its content type.
func bigMultipart(size int64, token string) (*countingBody, string) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	if token != "" {
		mw.WriteField(csrfField, token)
	}
	mw.CreateFormFile("files", "big.bin")
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	return &countingBody{r: io.MultiReader(&head, io.LimitReader(zeros{}, size), strings.NewReader(tail))}, mw.FormDataContentType()
}

// tempUploads isolates the temporary directory of the process (where
// mime/multipart puts large form files) for t and returns a function
// listing the multipart files left there.
func tempUploads(t *testing.T) func() []string {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	return func() []string {
		left, _ := filepath.Glob(filepath.Join(dir, "multipart-*"))
		return left
	}
}

// TestMultipartRefusedBeforeReading: the review's three anonymous 100 MB
// uploads to /login left 300 MB of temporary files for good. A route that
// takes no upload refuses a multipart body before reading any of it, an
// upload route answers an anonymous caller before reading any of it, and
// no temporary file is left.
func TestMultipartRefusedBeforeReading(t *testing.T) {
	left := tempUploads(t)
	e := newSeededEnv(t, nil)
	anon := e.client()
	for _, tc := range []struct {
		method, path string
		declared     bool
		want         int
	}{
		{"POST", "/login", false, http.StatusUnsupportedMediaType},
		{"POST", "/login", true, http.StatusUnsupportedMediaType},
		{"POST", "/auth/challenge", false, http.StatusUnsupportedMediaType},
		{"POST", "/api/v1/auth/login", false, http.StatusUnsupportedMediaType},
		{"POST", "/signup/info", false, http.StatusUnsupportedMediaType},
		{"GET", "/notices", false, http.StatusUnsupportedMediaType},
		{"POST", "/notices", false, http.StatusUnauthorized},
		{"POST", "/api/v1/notices", false, http.StatusUnauthorized},
		{"POST", "/admin/institutions/import", false, http.StatusUnauthorized},
	} {
		body, ct := bigMultipart(40<<20, anon.token)
		r := httptest.NewRequest(tc.method, tc.path, body)
		r.RemoteAddr = anon.addr + ":1"
		r.Header.Set("Content-Type", ct)
		if tc.declared {
			r.ContentLength = 40<<20 + 300
		}
		res := anon.do(r)
		if res.StatusCode != tc.want {
			t.Errorf("%s %s (declared length %v): status %d, want %d", tc.method, tc.path, tc.declared, res.StatusCode, tc.want)
		}
		if n := body.n.Load(); n > 0 {
			t.Errorf("%s %s: %d bytes of the body read before refusing it", tc.method, tc.path, n)
		}
	}
	// A body larger than the route's limit, declared, is refused at once.
	admin, aid := e.demoAccount("admin")
	ad := e.signedIn(admin, aid)
	body, ct := bigMultipart(e.s.cfg.Boards.uploadLimit()+1, ad.token)
	r := httptest.NewRequest("POST", "/notices", body)
	r.RemoteAddr = ad.addr + ":1"
	r.Header.Set("Content-Type", ct)
	r.ContentLength = e.s.cfg.Boards.uploadLimit() + 400
	if res := ad.do(r); res.StatusCode != http.StatusRequestEntityTooLarge || body.n.Load() > 0 {
		t.Errorf("declared too-large upload: status %d after reading %d bytes, want 413 before reading", res.StatusCode, body.n.Load())
	}
	if l := left(); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

// TestUploadLeavesNoTemporaryFile: a legitimate 10 MB notice attachment
// went to a temporary file that was never removed. Uploads that succeed,
// fail their CSRF check or run over the limit while streaming all leave
// nothing behind.
func TestUploadLeavesNoTemporaryFile(t *testing.T) {
	left := tempUploads(t)
	e := newSeededEnv(t, nil)
	admin, aid := e.demoAccount("admin")
	ad := e.signedIn(admin, aid)
	big := append(append([]byte("%PDF-1.7\n"), make([]byte, 10<<20)...), "\n%%EOF\n"...)

	res, body := ad.postMultipart("/notices", url.Values{"title": {"큰 첨부"}}, file{"큰 파일.pdf", big})
	wantStatus(t, "10 MB notice", res, body, http.StatusSeeOther)
	if l := left(); len(l) > 0 {
		t.Errorf("after a successful upload, temporary files left: %v", l)
	}

	// The same upload without the form's token: refused after parsing, files removed.
	token := ad.token
	ad.token = "forged"
	res, body = ad.postMultipart("/notices", url.Values{"title": {"위조"}}, file{"큰 파일.pdf", big})
	ad.token = token
	wantStatus(t, "upload without token", res, body, http.StatusForbidden)
	if l := left(); len(l) > 0 {
		t.Errorf("after a forged upload, temporary files left: %v", l)
	}

	// Through the API with the session's header token, and into a post's attachments.
	res, body = ad.apiMultipart("POST", "/api/v1/notices", url.Values{"title": {"API 첨부"}}, file{"a.pdf", big})
	wantStatus(t, "API upload", res, body, http.StatusCreated)
	if l := left(); len(l) > 0 {
		t.Errorf("after an API upload, temporary files left: %v", l)
	}

	// Streaming past the limit without a declared length: 413, nothing left.
	bodyR, ct := bigMultipart(e.s.cfg.Boards.uploadLimit()+1, ad.token)
	r := httptest.NewRequest("POST", "/notices", bodyR)
	r.RemoteAddr = ad.addr + ":1"
	r.Header.Set("Content-Type", ct)
	if res := ad.do(r); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed too-large upload: status %d, want 413", res.StatusCode)
	}
	if l := left(); len(l) > 0 {
		t.Errorf("after a too-large upload, temporary files left: %v", l)
	}
}

// TestBodyLimitOnFormRoutes: a route that takes no upload reads at most
// maxFormBody bytes of a url-encoded form or JSON document.
func TestBodyLimitOnFormRoutes(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	c := e.client()
	huge := strings.Repeat("a", maxFormBody+1)
	res, body := c.postForm("/login", url.Values{"nonce": {huge}})
	wantStatus(t, "url-encoded form over the limit", res, body, http.StatusRequestEntityTooLarge)

	// Undeclared length: the bounded reader stops it.
	form := url.Values{csrfField: {c.token}, "nonce": {huge}}.Encode()
	r := httptest.NewRequest("POST", "/signup/consent", io.MultiReader(strings.NewReader(form)))
	r.RemoteAddr = c.addr + ":1"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := c.do(r); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed url-encoded form over the limit: status %d, want 413", res.StatusCode)
	}
	res, body = c.send("POST", "/api/v1/auth/login", strings.NewReader(`{"nonce":"`+huge+`"}`),
		http.Header{"Content-Type": {"application/json"}, csrfHeader: {c.token}})
	wantStatus(t, "JSON over the limit", res, body, http.StatusRequestEntityTooLarge)

	// A form within the limit still works (the token is read from it).
	res, body = c.postForm("/signup/consent", url.Values{"agree": {"1"}, "pad": {strings.Repeat("b", 500<<10)}})
	if res.StatusCode == http.StatusRequestEntityTooLarge || res.StatusCode == http.StatusForbidden {
		t.Errorf("form of 500 KB: status %d: %s", res.StatusCode, body)
	}
}
