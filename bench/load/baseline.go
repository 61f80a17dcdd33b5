package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gwanmun/gwanmun/internal/pki"
)

// baselineServer is the yardstick of a login: an HTTP server that does
// only what no login can avoid, on the same request: parse the JSON body,
// decode the certificate and signature, parse the certificate for its key,
// and verify one RSA-2048 PKCS#1 v1.5 SHA-256 signature over the challenge
// message. It keeps no state: no nonce store, no database, no session.
// GET / and POST /auth/challenge exist so the login scenario can drive it
// unchanged.
type baselineServer struct {
	URL    string // http://127.0.0.1:PORT
	srv    *http.Server
	origin string
}

// maxLoginBody bounds the login request body, as a real server would.
const maxLoginBody = 64 << 10

// startBaseline starts the baseline server on a free loopback port.
func startBaseline() (*baselineServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &baselineServer{URL: "http://" + ln.Addr().String()}
	b.origin = b.URL
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", b.home)
	mux.HandleFunc("POST /auth/challenge", b.challenge)
	mux.HandleFunc("POST /login", b.login)
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	return b, nil
}

// Close stops the server.
func (b *baselineServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return b.srv.Shutdown(ctx)
}

func (b *baselineServer) home(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: csrfCookieName, Value: "baseline-csrf-seed-0123456789abcdef", Path: "/"})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><meta name="csrf-token" content="baseline-token"><title>baseline</title>`)
}

func (b *baselineServer) challenge(w http.ResponseWriter, r *http.Request) {
	nonce, err := pki.NewNonce()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal")
		return
	}
	writeJSON(w, http.StatusOK, challengeResponse{
		Nonce: nonce, Purpose: pki.PurposeLogin, Origin: b.origin,
		Message:   string(pki.ChallengeMessage(pki.PurposeLogin, b.origin, nonce)),
		ExpiresAt: time.Now().Add(pki.ChallengeTTL).UTC(),
	})
}

func (b *baselineServer) login(w http.ResponseWriter, r *http.Request) {
	if code := verifyLogin(http.MaxBytesReader(w, r.Body, maxLoginBody), b.origin); code != "" {
		writeError(w, http.StatusBadRequest, code)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": "/menu"})
}

// verifyLogin parses a login body and verifies its signature over the
// login message of origin, returning "" or an error code.
func verifyLogin(body io.Reader, origin string) string {
	var req pki.SignedResponse
	if err := json.NewDecoder(body).Decode(&req); err != nil {
		return "bad_request"
	}
	if req.Nonce == "" {
		return "nonce_unknown"
	}
	der, err1 := base64.StdEncoding.DecodeString(req.Certificate)
	sig, err2 := base64.StdEncoding.DecodeString(req.Signature)
	if err := errors.Join(err1, err2); err != nil {
		return "bad_request"
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "cert_malformed"
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "cert_unsupported_key"
	}
	d := sha256.Sum256(pki.ChallengeMessage(pki.PurposeLogin, origin, req.Nonce))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig) != nil {
		return "signature_invalid"
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": code}})
}
