package web

import (
	"context"
	"errors"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Error codes of a token whose issuer may no longer do what it does.
const (
	codeTokenIssuerGone    = "token_issuer_inactive"  // 401: withdrawn, locked, deleted, or must re-register
	codeTokenIssuerNoAdmin = "token_issuer_not_admin" // 403: no longer an administrator
)

// apiTokenIssuer returns the administrator who issued tok and their
// administration scope now. A token is bounded by its issuer: when the
// issuer is gone, locked, withdrawn, forced to re-register their
// certificate, no longer holds an administration role or no longer has a
// current personal certificate (which the role needs), the token is
// refused, on every use (a revocation is not needed for that, though the
// console offers one). The scope a token acts in is the issuer's current
// one.
func (s *Server) apiTokenIssuer(ctx context.Context, tok domain.APIToken) (domain.User, access.AdminScope, error) {
	var sc access.AdminScope
	u, err := s.store.GetUser(ctx, tok.CreatedBy)
	if errors.Is(err, store.ErrNotFound) || err == nil && (u.Status != domain.UserActive || u.MustReregisterCert) {
		return u, sc, domain.Errorf(codeTokenIssuerGone, "이 API 토큰을 발급한 관리자의 계정이 더 이상 유효하지 않아 토큰을 쓸 수 없습니다. 새 토큰을 발급받으세요.")
	} else if err != nil {
		return u, sc, err
	}
	if sc, err = access.AdminScopeOf(ctx, s.store, u, s.now()); err != nil {
		return u, sc, err
	}
	if !sc.Any() {
		return u, sc, domain.Errorf(codeTokenIssuerNoAdmin, "이 API 토큰을 발급한 관리자가 더 이상 관리자 권한을 보유하지 않아 토큰을 쓸 수 없습니다.")
	}
	// An administrator uses the role only with a personal certificate
	// (session_certrule.go); so does their token.
	if ok, err := access.HasPersonalCert(ctx, s.store, u.ID, s.now()); err != nil {
		return u, sc, err
	} else if !ok {
		return u, sc, domain.Errorf(codeTokenIssuerNoAdmin, "이 API 토큰을 발급한 관리자에게 유효한 개인 공동인증서가 없어 토큰을 쓸 수 없습니다.")
	}
	return u, sc, nil
}

func init() {
	for k, v := range map[string]message{
		"error.token_issuer_inactive.title":    {"API 토큰을 쓸 수 없습니다", "API token not usable"},
		"error.token_issuer_inactive.message":  {"이 API 토큰을 발급한 관리자의 계정이 더 이상 유효하지 않습니다.", "The administrator who issued this API token can no longer use the portal."},
		"error.token_issuer_not_admin.title":   {"API 토큰을 쓸 수 없습니다", "API token not usable"},
		"error.token_issuer_not_admin.message": {"이 API 토큰을 발급한 관리자가 더 이상 관리자 권한을 보유하지 않습니다.", "The administrator who issued this API token is no longer an administrator."},
	} {
		messages[k] = v
	}
}
