package web

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/edge"
)

// Request bodies (docs/web.md, "Request bodies"). Every request's body is
// bounded before anything reads it: routes that take no upload get at most
// maxFormBody bytes and never a multipart body (415, refused before a byte
// of it is read); the few routes that take files are registered through
// (*Server).upload, which parses their multipart form with the route's
// own limit only after authentication, checks the CSRF token the form
// carries, and removes the form's temporary files when the handler
// returns.

// maxFormBody bounds the body of every request to a route that takes no
// upload (a url-encoded form or a JSON document; handlers bound their JSON
// tighter).
const maxFormBody = 1 << 20

// uploadMemory is how much of a multipart form is kept in memory; larger
// files go to temporary files, removed after the request.
const uploadMemory = 1 << 20

// isMultipartBody reports whether r declares a multipart body, however
// the header is spelt.
func isMultipartBody(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return false
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && strings.HasPrefix(mt, "multipart/") {
		return true
	}
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/")
}

// upload records that the route pattern takes multipart bodies of up to
// limitOf() bytes and returns h behind the parser of such bodies. Mount it
// inside the route's authentication (requireLogin, requireAdmin, the API
// guard): nothing of the body is read before the caller is known.
func (s *Server) upload(pattern string, limitOf func() int64, h http.Handler) http.Handler {
	if s.uploads == nil {
		s.uploads = map[string]func() int64{}
	}
	s.uploads[pattern] = limitOf
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := limitOf()
		if !isMultipartBody(r) {
			h.ServeHTTP(w, r)
			return
		}
		st := state(r)
		lang := st.lang
		if r.ContentLength > limit {
			s.renderError(w, r, http.StatusRequestEntityTooLarge, domain.EINVALID, translate(lang, "edge.too_large"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err := r.ParseMultipartForm(uploadMemory)
		if r.MultipartForm != nil {
			// The server removes the temporary files of the request it
			// made, not of the copies the middleware hands on: remove them
			// here, whatever the handler does.
			defer r.MultipartForm.RemoveAll()
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				s.renderError(w, r, http.StatusRequestEntityTooLarge, domain.EINVALID, translate(lang, "edge.too_large"))
			} else {
				s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, translate(lang, "edge.bad_multipart"))
			}
			return
		}
		if st.csrfPending {
			got := r.Header.Get(csrfHeader)
			if got == "" {
				if v := r.MultipartForm.Value[csrfField]; len(v) > 0 {
					got = v[0]
				}
			}
			if !csrfMatches(got, st.csrf) { // plain or masked (csrf_mask.go)
				s.renderError(w, r, http.StatusForbidden, "csrf", "")
				return
			}
			st.csrfPending = false
		}
		if bad, ok := edge.ValidValues(r.MultipartForm.Value); !ok {
			s.refuseText(w, r, bad)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// boundBody bounds r's body before anything reads it. A multipart body is
// refused (415) unless r's route takes uploads, and then only bounded by
// the route's limit: it reports multipart true, and the route's upload
// parser reads it after authentication. Any other body is bounded by
// maxFormBody. It reports ok false when it has answered.
func (s *Server) boundBody(w http.ResponseWriter, r *http.Request) (multipart, ok bool) {
	lang := state(r).lang
	if isMultipartBody(r) {
		_, pattern := s.mux.Handler(r)
		limitOf, takes := s.uploads[pattern]
		if !takes {
			s.renderError(w, r, http.StatusUnsupportedMediaType, domain.EINVALID, translate(lang, "edge.multipart_refused"))
			return false, false
		}
		limit := limitOf()
		if r.ContentLength > limit {
			s.renderError(w, r, http.StatusRequestEntityTooLarge, domain.EINVALID, translate(lang, "edge.too_large"))
			return false, false
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		return true, true
	}
	if r.ContentLength > maxFormBody {
		s.renderError(w, r, http.StatusRequestEntityTooLarge, domain.EINVALID, translate(lang, "edge.too_large"))
		return false, false
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	}
	return false, true
}

// parseURLEncoded reads a url-encoded body (bounded by boundBody) into
// r.PostForm; a body too large answers 413, a malformed one 400. It
// reports false when it has answered.
func (s *Server) parseURLEncoded(w http.ResponseWriter, r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return true
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.renderError(w, r, http.StatusRequestEntityTooLarge, domain.EINVALID, translate(state(r).lang, "edge.too_large"))
		} else {
			s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		}
		return false
	}
	return true
}
