package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/edge"
)

// textCheck refuses, with 400 and a message naming the field, a request
// whose text is not valid UTF-8 or holds NUL (edge.ValidText): its path
// (and so every path value), its query, its url-encoded form or its JSON
// body (bounded by boundBody; multipart forms are checked by the upload
// parser). PostgreSQL refuses such text with an error, which answered
// 500 on 22 routes; now no handler sees it, on either database.
func (s *Server) textCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !edge.ValidText(r.URL.Path) {
			s.refuseText(w, r, "path")
			return
		}
		// The User-Agent is kept with a session: storable text, cut at a
		// character boundary (a byte cut could split one and fail on
		// PostgreSQL at login).
		if ua := r.Header.Get("User-Agent"); ua != "" {
			if clean := edge.CleanText(ua, maxUserAgent); clean != ua {
				r.Header.Set("User-Agent", clean)
			}
		}
		if r.URL.RawQuery != "" {
			if bad, ok := edge.ValidValues(r.URL.Query()); !ok {
				s.refuseText(w, r, bad)
				return
			}
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			next.ServeHTTP(w, r)
			return
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch {
		case mt == "application/x-www-form-urlencoded":
			if !s.parseURLEncoded(w, r) {
				return
			}
			if bad, ok := edge.ValidValues(r.PostForm); !ok {
				s.refuseText(w, r, bad)
				return
			}
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			if r.Body == nil || r.Body == http.NoBody {
				break
			}
			var buf bytes.Buffer
			if r.ContentLength > 0 {
				buf.Grow(int(r.ContentLength))
			}
			if _, err := buf.ReadFrom(r.Body); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					s.renderError(w, r, http.StatusRequestEntityTooLarge, domain.EINVALID, translate(state(r).lang, "edge.too_large"))
				} else {
					s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
				}
				return
			}
			if !edge.ValidJSONText(buf.Bytes()) {
				s.refuseText(w, r, "body")
				return
			}
			r.Body = io.NopCloser(&buf)
		}
		next.ServeHTTP(w, r)
	})
}

// maxUserAgent is how much of a User-Agent header a session keeps.
const maxUserAgent = 256

// refuseText answers 400: the field's text is not valid (a Korean or
// English page, or {"error":{"code":"invalid","message","field"}}).
func (s *Server) refuseText(w http.ResponseWriter, r *http.Request, field string) {
	if len(field) > 64 {
		field = field[:64]
	}
	field = strings.ToValidUTF8(field, "")
	msg := fmt.Sprintf(translate(state(r).lang, "edge.invalid_text"), field)
	if wantsJSON(r) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{
			"code": domain.EINVALID, "message": msg, "field": field}})
		return
	}
	s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, msg)
}
