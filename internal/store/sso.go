package store

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// SSOStore is the storage of the OpenID Connect provider (package sso,
// docs/sso.md): clients, signing keys, authorization requests and tokens.
type SSOStore interface {
	// Clients. CreateSSOClient returns ErrAlreadyExists when the client ID
	// or the system already has one; ErrNotFound for an unknown system.
	CreateSSOClient(ctx context.Context, c *domain.SSOClient) error
	UpdateSSOClient(ctx context.Context, c *domain.SSOClient) error
	GetSSOClient(ctx context.Context, clientID string) (domain.SSOClient, error)
	GetSSOClientOfSystem(ctx context.Context, systemID int64) (domain.SSOClient, error)
	ListSSOClients(ctx context.Context) ([]domain.SSOClient, error)

	// Signing keys. ListSSOKeys returns the keys still published at t
	// (ExpiresAt zero or after t), newest first. RetireSSOKeys stops every
	// current key but keep from signing at retire and unpublishes it at
	// expire, returning how many it retired.
	AddSSOKey(ctx context.Context, k *domain.SSOKey) error
	ListSSOKeys(ctx context.Context, t time.Time) ([]domain.SSOKey, error)
	RetireSSOKeys(ctx context.Context, keep string, retire, expire time.Time) (int, error)
	// SSOSecret returns the secret stored under name, storing candidate
	// first when there is none: every process gets the same value.
	SSOSecret(ctx context.Context, name string, candidate []byte) ([]byte, error)

	// Authorization requests. CompleteSSOAuthRequest records who
	// authenticated (ErrConflict when someone already did); SetSSOAuthCode
	// gives it its code once (ErrConflict after); RedeemSSOAuthCode marks
	// the code used at t, once (ErrConflict for a second redemption).
	CreateSSOAuthRequest(ctx context.Context, a *domain.SSOAuthRequest) error
	GetSSOAuthRequest(ctx context.Context, id string) (domain.SSOAuthRequest, error)
	GetSSOAuthRequestByCode(ctx context.Context, codeHash []byte) (domain.SSOAuthRequest, error)
	CompleteSSOAuthRequest(ctx context.Context, a *domain.SSOAuthRequest) error
	SetSSOAuthCode(ctx context.Context, id string, codeHash []byte, expires time.Time) error
	RedeemSSOAuthCode(ctx context.Context, id string, t time.Time) error
	DeleteExpiredSSOAuthRequests(ctx context.Context, before time.Time) (int, error)

	// Tokens. RevokeSSOToken returns ErrConflict for a token already
	// revoked; RevokeSSOTokens revokes the live tokens f selects and
	// returns how many. ListSSOTokens lists the tokens f selects that are
	// unrevoked and unexpired at t.
	CreateSSOToken(ctx context.Context, t *domain.SSOToken) error
	GetSSOToken(ctx context.Context, id string) (domain.SSOToken, error)
	GetSSOTokenByRefreshHash(ctx context.Context, hash []byte) (domain.SSOToken, error)
	RevokeSSOToken(ctx context.Context, id string, t time.Time) error
	RevokeSSOTokens(ctx context.Context, f domain.SSOTokenFilter, t time.Time) (int, error)
	ListSSOTokens(ctx context.Context, f domain.SSOTokenFilter, t time.Time) ([]domain.SSOToken, error)
	DeleteExpiredSSOTokens(ctx context.Context, before time.Time) (int, error)

	// GrantOwner returns the user and the role's system of grant id (what
	// a revoked grant ends access to).
	GrantOwner(ctx context.Context, grantID int64) (userID, systemID int64, err error)
}
