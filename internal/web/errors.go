package web

import (
	"encoding/json"
	"errors"
	"github.com/gwanmun/gwanmun/internal/access"
	"net/http"
	"strings"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// httpStatus maps an error code to its HTTP status.
func httpStatus(code string) int {
	switch code {
	case domain.EINVALID:
		return http.StatusBadRequest
	case domain.ENOTFOUND:
		return http.StatusNotFound
	case domain.ECONFLICT:
		return http.StatusConflict
	case domain.EFORBIDDEN, "csrf", codeTokenIssuerNoAdmin, access.CodeConfirmRequired:
		return http.StatusForbidden
	case domain.EUNAUTH, codeTokenIssuerGone:
		return http.StatusUnauthorized
	case "rate_limited":
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// errorCode returns the code of err: a domain.Error's own, not_found and
// conflict for the store's sentinels, else internal.
func errorCode(err error) string {
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return de.Code
	case errors.Is(err, store.ErrNotFound):
		return domain.ENOTFOUND
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrAlreadyExists):
		return domain.ECONFLICT
	}
	return domain.EINTERNAL
}

// error answers a request that failed with err. A domain.Error shows its
// own message; any other error is logged with the request id and shown as a
// generic message with that id.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := errorCode(err)
	if code == domain.EINTERNAL {
		s.serverError(w, r, err)
		return
	}
	msg := ""
	var de *domain.Error
	if errors.As(err, &de) {
		msg = de.Message
	}
	s.renderError(w, r, httpStatus(code), code, msg)
}

// serverError logs err with the request id and answers 500, or 503 when
// the database could not be reached (unavailable.go).
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if isUnavailable(err) {
		s.unavailable(w, r, err)
		return
	}
	s.log.Error("internal error", "id", state(r).id, "method", r.Method, "path", r.URL.Path, "err", err)
	s.renderError(w, r, http.StatusInternalServerError, domain.EINTERNAL, "")
}

// wantsJSON reports whether the client gets JSON errors: API paths and
// requests that accept JSON (fetch calls).
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// errorPage is the data of the error template.
type errorPage struct {
	Status  int
	Code    string
	Title   string
	Message string
}

// renderError answers with status and the error code as JSON
// {"error":{"code":...,"message":...}} or as an HTML page in the UI
// language. An empty msg uses the code's standard message.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	st := state(r)
	if msg == "" {
		msg = translate(st.lang, "error."+code+".message")
		if code == domain.EINTERNAL {
			msg += " " + translate(st.lang, "error.request_id") + ": " + st.id
		}
	}
	if wantsJSON(r) {
		writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
		return
	}
	s.render(w, r, status, "error", errorPage{Status: status, Code: code,
		Title: translate(st.lang, "error."+code+".title"), Message: msg})
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
