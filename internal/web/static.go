package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one static file, ready to serve.
type asset struct {
	body  []byte
	gz    []byte // gzip of body, nil when it would not help
	ctype string
	etag  string
}

// assets serves the embedded static files under /static/. Each file is
// served under its content-hashed name (css/app.3f2a91c0de.css) with a
// year-long immutable cache, and under its plain name with revalidation.
// The url() references of CSS and the relative imports of ES modules are
// rewritten to hashed names (static_modules.go), so a page that loads
// hashed entry points loads only hashed, immutable files.
type assets struct {
	byName map[string]*asset // "css/app.3f2a91c0de.css" and "css/app.css"
	hashed map[string]string // "css/app.css" -> "css/app.3f2a91c0de.css"
	immut  map[string]bool   // hashed names
	// deps lists, per JavaScript module, the hashed URLs of every module
	// it imports, directly or not (for <link rel="modulepreload">).
	deps map[string][]string
}

// cssURL matches url(...) references in CSS.
var cssURL = regexp.MustCompile(`url\(\s*(['"]?)([^'")]+)(['"]?)\s*\)`)

// loadAssets reads every file under static/ in fsys, rewrites the url()
// references in CSS to the hashed names, hashes and compresses.
func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{byName: map[string]*asset{}, hashed: map[string]string{}, immut: map[string]bool{}, deps: map[string][]string{}}
	var css, js []string
	add := func(name string, body []byte) {
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:5])
		ext := path.Ext(name)
		hn := strings.TrimSuffix(name, ext) + "." + h + ext
		ct := contentType(ext)
		as := &asset{body: body, ctype: ct, etag: `"` + h + `"`}
		if compressible(ct) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			if buf.Len() < len(body) {
				as.gz = buf.Bytes()
			}
		}
		a.byName[name], a.byName[hn], a.hashed[name], a.immut[hn] = as, as, hn, true
	}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		if strings.HasSuffix(name, ".test.mjs") || strings.Contains(name, "/testdata/") ||
			path.Base(name) == "README.md" || strings.HasPrefix(name, "js/cert/demo.") {
			return nil // tests and notes are not served
		}
		if path.Ext(name) == ".css" {
			css = append(css, name)
			return nil
		}
		if path.Ext(name) == ".js" {
			js = append(js, name)
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		add(name, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	if err := a.addModules(fsys, js, add); err != nil {
		return nil, err
	}
	for _, name := range css {
		b, err := fs.ReadFile(fsys, "static/"+name)
		if err != nil {
			return nil, fmt.Errorf("web: static assets: %w", err)
		}
		var missing []string
		b = cssURL.ReplaceAllFunc(b, func(m []byte) []byte {
			sub := cssURL.FindSubmatch(m)
			ref := string(sub[2])
			if strings.HasPrefix(ref, "data:") || strings.Contains(ref, "://") || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "#") {
				return m
			}
			clean := ref
			if i := strings.IndexAny(clean, "?#"); i >= 0 {
				clean = clean[:i]
			}
			target := path.Join(path.Dir(name), clean)
			hn, ok := a.hashed[target]
			if !ok {
				missing = append(missing, ref)
				return m
			}
			return []byte("url(" + path.Join(path.Dir(clean), path.Base(hn)) + ")")
		})
		if len(missing) > 0 {
			return nil, fmt.Errorf("web: static/%s refers to missing files: %s", name, strings.Join(missing, ", "))
		}
		add(name, b)
	}
	return a, nil
}

// contentType returns the media type for a file extension.
func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".woff2":
		return "font/woff2"
	case ".txt", ".md":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "image/svg") || strings.Contains(ctype, "json")
}

// url returns the hashed URL of the asset name ("css/app.css").
func (a *assets) url(name string) (string, error) {
	hn, ok := a.hashed[name]
	if !ok {
		return "", fmt.Errorf("web: no static asset %q", name)
	}
	return "/static/" + hn, nil
}

// has reports whether the asset exists.
func (a *assets) has(name string) bool { _, ok := a.hashed[name]; return ok }

// ServeHTTP serves GET /static/<name>.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	as, ok := a.byName[name]
	if !ok {
		http.Error(w, "404 not found", http.StatusNotFound)
		return
	}
	h := w.Header()
	if a.immut[name] {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Content-Type", as.ctype)
	h.Set("ETag", as.etag)
	body := as.body
	if as.gz != nil {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body = as.gz
		}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, as.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: named
// with a non-zero q, or allowed by "*".
func acceptsGzip(ae string) bool {
	star := false
	for _, part := range strings.Split(ae, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		ok := true
		if q, found := strings.CutPrefix(strings.ReplaceAll(strings.TrimSpace(params), " ", ""), "q="); found {
			ok = strings.Trim(q, "0.") != ""
		}
		switch coding {
		case "gzip", "x-gzip":
			return ok
		case "*":
			star = ok
		}
	}
	return star
}
