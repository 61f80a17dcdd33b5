package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
)

// SessionEnded is told that the portal session sessionID of userID ended:
// every token issued in it dies. (The hooked store does this by itself
// when the session row is deleted through it.)
func (p *Provider) SessionEnded(ctx context.Context, userID int64, sessionID string) error {
	_, err := p.store.RevokeSSOTokens(ctx, domain.SSOTokenFilter{UserID: userID, SessionID: sessionID}, p.now())
	return err
}

// logoutTTL is a logout token's lifetime: it is made at each delivery
// attempt, so a system that was down gets a fresh one.
const logoutTTL = 2 * time.Minute

// backchannelEvent is the events member of a logout token.
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// LogoutToken returns a signed logout token for userID at client c.
func (p *Provider) LogoutToken(ctx context.Context, c domain.SSOClient, userID int64) (string, error) {
	sub, err := p.subject(ctx, c, userID)
	if err != nil {
		return "", err
	}
	key, _, err := p.keys(ctx)
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims := map[string]any{"iss": p.cfg.Issuer, "aud": c.ClientID, "sub": sub, "iat": now.Unix(),
		"exp": now.Add(logoutTTL).Unix(), "jti": randomID(16), "events": map[string]any{backchannelEvent: map[string]any{}}}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.alg, Key: jose.JSONWebKey{Key: key.private, KeyID: key.id}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Backchannel returns the outbox sender of back-channel logouts: it signs
// a fresh logout token and POSTs it to the client's back-channel URI
// (notify.Dispatcher retries with back-off: a system that is down loses
// nothing). A 4xx answer is permanent; others are retried.
func (p *Provider) Backchannel(client *http.Client) notify.Mailer {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a logout is not redirected
		}}
	}
	return backchannel{p: p, c: client}
}

type backchannel struct {
	p *Provider
	c *http.Client
}

func (b backchannel) Send(ctx context.Context, m domain.OutboxMessage) error {
	var body logoutBody
	if err := json.Unmarshal([]byte(m.Body), &body); err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("logout message: %w", err)}
	}
	c, err := b.p.store.GetSSOClient(ctx, body.ClientID)
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("logout of client %q: %w", body.ClientID, err)}
	}
	if c.BackchannelLogoutURI == "" {
		return nil // unregistered meanwhile: nothing to tell
	}
	tok, err := b.p.LogoutToken(ctx, c, body.UserID)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.BackchannelLogoutURI, strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return &notify.PermanentError{Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode >= 400 && res.StatusCode < 500:
		return &notify.PermanentError{Err: fmt.Errorf("back-channel logout: %s", res.Status)}
	}
	return errors.New("back-channel logout: " + res.Status)
}
