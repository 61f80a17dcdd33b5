package sso

import (
	"context"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// LogoutSender sends back-channel logout tokens to the systems (OpenID
// Back-Channel Logout 1.0). Implementations queue them durably.
type LogoutSender interface {
	SendLogout(ctx context.Context, clientID, uri, logoutToken string) error
}

// SessionEnded is told that the portal session sessionID of userID ended
// (logout, timeout, RP-initiated logout): every token issued in it dies.
func (p *Provider) SessionEnded(ctx context.Context, userID int64, sessionID string) error {
	_, err := p.store.RevokeSSOTokens(ctx, domain.SSOTokenFilter{UserID: userID, SessionID: sessionID}, p.now())
	return err
}
