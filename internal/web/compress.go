package web

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// compressMinBytes is the size below which a response is sent as is: gzip's
// header and trailer would eat the gain.
const compressMinBytes = 512

// gzipWriters recycles gzip writers (each holds about 800 KB of state).
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return zw
}}

// compress gzips dynamic HTML and JSON responses for clients that accept
// gzip. Static assets carry their own precompressed bodies (static.go) and a
// Content-Encoding, which this leaves alone, as it does any other type.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// compressWriter decides at the first WriteHeader (or Write) whether to
// compress: only an HTML or JSON body with a status that has a body and no
// Content-Encoding yet. Bodies shorter than compressMinBytes in their first
// write are sent as they are.
type compressWriter struct {
	http.ResponseWriter
	status  int
	decided bool
	zw      *gzip.Writer
	pending []byte // the first bytes, held until compressMinBytes or close
	hold    bool   // still holding (compression chosen, size not yet known)
}

func compressibleResponse(h http.Header, status int) bool {
	if status < 200 || status == http.StatusNoContent || status == http.StatusNotModified || status == http.StatusPartialContent {
		return false
	}
	if h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" {
		return false
	}
	ct := strings.ToLower(h.Get("Content-Type"))
	return strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/json") ||
		strings.HasPrefix(ct, "application/problem+json")
}

func (w *compressWriter) WriteHeader(status int) {
	if w.decided {
		return
	}
	if status >= 100 && status < 200 {
		w.ResponseWriter.WriteHeader(status) // informational: not the response yet
		return
	}
	w.decided, w.status = true, status
	h := w.Header()
	if !compressibleResponse(h, status) {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	h.Add("Vary", "Accept-Encoding")
	w.hold = true // wait for the body to know whether it is worth it
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if !w.decided {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", http.DetectContentType(b))
		}
		w.WriteHeader(http.StatusOK)
	}
	if w.hold {
		w.pending = append(w.pending, b...)
		if len(w.pending) < compressMinBytes {
			return len(b), nil
		}
		w.startGzip()
		if _, err := w.zw.Write(w.pending); err != nil {
			return 0, err
		}
		w.pending = nil
		return len(b), nil
	}
	if w.zw != nil {
		return w.zw.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// startGzip commits to a compressed response.
func (w *compressWriter) startGzip() {
	w.hold = false
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
		h.Set("ETag", "W/"+etag) // the bytes differ from the identity body's
	}
	w.ResponseWriter.WriteHeader(w.status)
	w.zw = gzipWriters.Get().(*gzip.Writer)
	w.zw.Reset(w.ResponseWriter)
}

// flushPending sends a held short body uncompressed.
func (w *compressWriter) flushPending() {
	if !w.hold {
		return
	}
	w.hold = false
	w.ResponseWriter.WriteHeader(w.status)
	if len(w.pending) > 0 {
		w.ResponseWriter.Write(w.pending)
	}
	w.pending = nil
}

// close ends the response: a held short body goes out as is, a gzip stream
// gets its trailer.
func (w *compressWriter) close() {
	if w.zw != nil {
		w.zw.Close()
		w.zw.Reset(io.Discard)
		gzipWriters.Put(w.zw)
		w.zw = nil
		return
	}
	w.flushPending()
}

// Flush sends what is buffered (a streamed response compresses in chunks).
func (w *compressWriter) Flush() {
	if w.hold {
		w.startGzip()
		w.zw.Write(w.pending)
		w.pending = nil
	}
	if w.zw != nil {
		w.zw.Flush()
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes a connection takeover through (nothing is compressed then).
func (w *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, errors.New("web: hijacking not supported")
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
