package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// challengeCreate handles POST /auth/challenge: a fresh single-use nonce for
// the certificate dialog (docs/auth-protocol.md).
func (s *Server) challengeCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Purpose string `json:"purpose"`
	}
	if isJSON(r) {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&in); err != nil {
			s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
			return
		}
	} else {
		in.Purpose = r.PostFormValue("purpose")
	}
	if (in.Purpose == pki.PurposeCertChange || in.Purpose == pki.PurposeConfirm) && userFrom(r.Context()) == nil {
		s.renderError(w, r, http.StatusUnauthorized, domain.EUNAUTH, "")
		return
	}
	ch, err := s.auth.NewChallenge(r.Context(), in.Purpose)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"nonce":     ch.Nonce,
		"purpose":   ch.Purpose,
		"origin":    ch.Origin,
		"message":   ch.Message,
		"expiresAt": ch.ExpiresAt.Format(time.RFC3339),
	})
}

// isJSON reports whether the request body is JSON.
func isJSON(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return len(ct) >= 16 && ct[:16] == "application/json"
}

// bodyBufs holds buffers for signed responses' JSON bodies.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// signedResponse reads the dialog's answer from a JSON body or a form.
func signedResponse(w http.ResponseWriter, r *http.Request) (pki.SignedResponse, error) {
	var sr pki.SignedResponse
	if isJSON(r) {
		// Read into a pooled buffer: a decoder grows a fresh one for
		// every login's few kilobytes of certificate.
		buf := bodyBufs.Get().(*bytes.Buffer)
		defer func() {
			if buf.Cap() <= 64<<10 {
				buf.Reset()
				bodyBufs.Put(buf)
			}
		}()
		if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, 512<<10)); err != nil {
			return sr, err
		}
		err := json.Unmarshal(buf.Bytes(), &sr)
		return sr, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 512<<10)
	if err := r.ParseForm(); err != nil {
		return sr, err
	}
	sr.Nonce = r.PostFormValue("nonce")
	sr.Certificate = r.PostFormValue("certificate")
	sr.Signature = r.PostFormValue("signature")
	sr.CMS = r.PostFormValue("cms")
	return sr, nil
}

// certFailure answers a refused certificate, signature or login: JSON for
// fetch calls, else the page that explains it. It returns false when err is
// not such a refusal (the caller handles it).
func (s *Server) certFailure(w http.ResponseWriter, r *http.Request, err error, page string, data func(code, msg string) any) bool {
	lang := state(r).lang
	var code, msg string
	status := http.StatusUnauthorized
	var ce *pki.CertError
	var le *auth.LoginError
	switch {
	case errors.As(err, &ce):
		code, msg = ce.Code, certMessage(ce, lang, page) // cert_refusal.go
		if code == pki.CodeRevocationUnavailable {
			status = http.StatusServiceUnavailable
		}
	case errors.As(err, &le):
		code, msg = le.Code, le.Message(lang)
		if code == auth.CodeAccountLocked {
			status = http.StatusForbidden
		}
	default:
		return false
	}
	s.log.Info("certificate refused", "id", state(r).id, "code", code, "err", err)
	if wantsJSON(r) {
		writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
		return true
	}
	s.render(w, r, status, page, data(code, msg))
	return true
}
