// Package api holds what the JSON API under /api/v1 shares beyond its HTTP
// handlers (which live in package web, beside the session and CSRF
// middleware they rely on): the OpenAPI 3 document served at
// /api/openapi.json, the scopes an API token may carry, and the format of
// token secrets. See docs/api.md.
package api

import (
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"strings"
)

// OpenAPI is the OpenAPI 3.0 document of the API. A test in package web
// checks that it lists exactly the registered /api/v1 routes.
//
//go:embed openapi.json
var OpenAPI []byte

// Scopes of API tokens.
const (
	ScopeInstitutionsRead = "institutions:read" // search institutions, jurisdiction
	ScopeSystemsRead      = "systems:read"      // systems and their roles
	ScopeUsersRead        = "users:read"        // search and read users (personal data: logged)
	ScopeUsersWrite       = "users:write"       // lock and unlock users
	ScopeGrantsRead       = "grants:read"       // who holds which role
	ScopeAuditRead        = "audit:read"        // the audit log
	ScopeBoardsRead       = "boards:read"       // boards (게시판): posts and attachments
	ScopeBoardsWrite      = "boards:write"      // write posts and attachments of every board
	ScopeReviewsRead      = "reviews:read"      // access review campaigns, progress and items
)

// Scopes lists every scope in display order.
var Scopes = []string{ScopeGrantsRead, ScopeUsersRead, ScopeUsersWrite, ScopeInstitutionsRead, ScopeSystemsRead, ScopeAuditRead, ScopeBoardsRead, ScopeBoardsWrite, ScopeReviewsRead}

// ValidScope reports whether s is a known scope.
func ValidScope(s string) bool {
	for _, x := range Scopes {
		if s == x {
			return true
		}
	}
	return false
}

// TokenPrefix starts every token secret, so that leaked secrets are easy
// to recognise (e.g. by secret scanners).
const TokenPrefix = "gwm_"

// NewToken returns a new random secret (TokenPrefix and 43 base64url
// characters: 256 bits), its SHA-256 for the store, and the secret's first
// characters for lists.
func NewToken() (secret string, hash []byte, display string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret), secret[:len(TokenPrefix)+6]
}

// HashToken returns the SHA-256 of a secret, the key under which the store
// keeps a token.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header value, and whether the header is of the Bearer scheme at all.
// The scheme is case-insensitive (RFC 9110); the token is not checked.
func BearerToken(header string) (token string, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}
