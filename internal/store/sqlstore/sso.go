package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- OpenID Connect provider (store/sso.go) ----

func joinLines(ss []string) string { return strings.Join(ss, "\n") }

func splitLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

const ssoClientCols = `system_id, client_id, public, secret_hash, redirect_uris, post_logout_uris, backchannel_uri,
	initiate_login_uri, subject_type, access_ttl_s, id_ttl_s, refresh_ttl_s, created_at, updated_at, disabled_at`

func scanSSOClient(sc scanner) (domain.SSOClient, error) {
	var c domain.SSOClient
	var redirects, logouts string
	var at, it, rt int64
	err := sc.Scan(&c.SystemID, &c.ClientID, &c.Public, bytesCol{&c.SecretHash}, &redirects, &logouts, &c.BackchannelLogoutURI,
		&c.InitiateLoginURI, &c.SubjectType, &at, &it, &rt, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, timeCol{&c.DisabledAt})
	c.RedirectURIs, c.PostLogoutURIs = splitLines(redirects), splitLines(logouts)
	c.AccessTokenTTL, c.IDTokenTTL, c.RefreshTokenTTL = time.Duration(at)*time.Second, time.Duration(it)*time.Second, time.Duration(rt)*time.Second
	return c, err
}

func ssoClientArgs(c *domain.SSOClient) []any {
	return []any{c.SystemID, c.ClientID, c.Public, c.SecretHash, joinLines(c.RedirectURIs), joinLines(c.PostLogoutURIs),
		c.BackchannelLogoutURI, c.InitiateLoginURI, c.SubjectType, int64(c.AccessTokenTTL / time.Second),
		int64(c.IDTokenTTL / time.Second), int64(c.RefreshTokenTTL / time.Second), tv(c.CreatedAt), tv(c.UpdatedAt), tv(c.DisabledAt)}
}

func (q *queries) CreateSSOClient(ctx context.Context, c *domain.SSOClient) error {
	c.CreatedAt = nowOr(c.CreatedAt)
	c.UpdatedAt, c.DisabledAt = c.CreatedAt, norm(c.DisabledAt)
	_, err := q.exec(ctx, `INSERT INTO sso_clients (`+ssoClientCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, ssoClientArgs(c)...)
	if err != nil {
		return fmt.Errorf("create SSO client %q: %w", c.ClientID, err)
	}
	return nil
}

func (q *queries) UpdateSSOClient(ctx context.Context, c *domain.SSOClient) error {
	c.UpdatedAt, c.DisabledAt = nowOr(c.UpdatedAt), norm(c.DisabledAt)
	a := ssoClientArgs(c)
	n, err := q.exec(ctx, `UPDATE sso_clients SET client_id = $2, public = $3, secret_hash = $4, redirect_uris = $5,
		post_logout_uris = $6, backchannel_uri = $7, initiate_login_uri = $8, subject_type = $9, access_ttl_s = $10,
		id_ttl_s = $11, refresh_ttl_s = $12, updated_at = $13, disabled_at = $14 WHERE system_id = $1`,
		append(a[:12:12], a[13:]...)...)
	if err != nil {
		return fmt.Errorf("update SSO client %q: %w", c.ClientID, err)
	}
	if n == 0 {
		return fmt.Errorf("update SSO client of system %d: %w", c.SystemID, store.ErrNotFound)
	}
	return nil
}

func (q *queries) GetSSOClient(ctx context.Context, clientID string) (domain.SSOClient, error) {
	c, err := scanSSOClient(q.row(ctx, "SELECT "+ssoClientCols+" FROM sso_clients WHERE client_id = $1", clientID))
	if err != nil {
		return c, notFound(err, "SSO client %q", clientID)
	}
	return c, nil
}

func (q *queries) GetSSOClientOfSystem(ctx context.Context, systemID int64) (domain.SSOClient, error) {
	c, err := scanSSOClient(q.row(ctx, "SELECT "+ssoClientCols+" FROM sso_clients WHERE system_id = $1", systemID))
	if err != nil {
		return c, notFound(err, "SSO client of system %d", systemID)
	}
	return c, nil
}

func (q *queries) ListSSOClients(ctx context.Context) ([]domain.SSOClient, error) {
	out, err := list(ctx, q, scanSSOClient, "SELECT "+ssoClientCols+" FROM sso_clients ORDER BY client_id")
	if err != nil {
		return nil, fmt.Errorf("list SSO clients: %w", err)
	}
	return out, nil
}

// ---- keys ----

const ssoKeyCols = "kid, alg, private_der, created_at, retire_at, expires_at"

func scanSSOKey(sc scanner) (domain.SSOKey, error) {
	var k domain.SSOKey
	err := sc.Scan(&k.ID, &k.Alg, bytesCol{&k.Private}, timeCol{&k.CreatedAt}, timeCol{&k.RetireAt}, timeCol{&k.ExpiresAt})
	return k, err
}

func (q *queries) AddSSOKey(ctx context.Context, k *domain.SSOKey) error {
	k.CreatedAt, k.RetireAt, k.ExpiresAt = nowOr(k.CreatedAt), norm(k.RetireAt), norm(k.ExpiresAt)
	_, err := q.exec(ctx, "INSERT INTO sso_keys ("+ssoKeyCols+") VALUES ($1, $2, $3, $4, $5, $6)",
		k.ID, k.Alg, k.Private, tv(k.CreatedAt), tv(k.RetireAt), tv(k.ExpiresAt))
	if err != nil {
		return fmt.Errorf("add SSO key %q: %w", k.ID, err)
	}
	return nil
}

func (q *queries) ListSSOKeys(ctx context.Context, t time.Time) ([]domain.SSOKey, error) {
	out, err := list(ctx, q, scanSSOKey, "SELECT "+ssoKeyCols+
		" FROM sso_keys WHERE expires_at IS NULL OR expires_at > $1 ORDER BY created_at DESC, kid", tv(nowOr(t)))
	if err != nil {
		return nil, fmt.Errorf("list SSO keys: %w", err)
	}
	return out, nil
}

func (q *queries) RetireSSOKeys(ctx context.Context, keep string, retire, expire time.Time) (int, error) {
	n, err := q.exec(ctx, "UPDATE sso_keys SET retire_at = $2, expires_at = $3 WHERE kid <> $1 AND retire_at IS NULL",
		keep, tv(nowOr(retire)), tv(nowOr(expire)))
	if err != nil {
		return 0, fmt.Errorf("retire SSO keys: %w", err)
	}
	return int(n), nil
}

func (q *queries) SSOSecret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	if len(candidate) == 0 {
		return nil, domain.Errorf(domain.EINVALID, "SSO secret %q: empty candidate", name)
	}
	if _, err := q.exec(ctx, "INSERT INTO sso_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, candidate); err != nil {
		return nil, fmt.Errorf("store SSO secret %q: %w", name, err)
	}
	var v []byte
	// Read through the writer: the row may be this statement's own.
	if err := q.w.QueryRowContext(ctx, "SELECT value FROM sso_secrets WHERE name = $1", name).Scan(bytesCol{&v}); err != nil {
		return nil, notFound(err, "SSO secret %q", name)
	}
	return v, nil
}

// ---- authorization requests ----

const ssoAuthCols = `id, client_id, params, created_at, expires_at, user_id, session_id, auth_time, cert_class, amr,
	code_hash, code_expires_at, redeemed_at`

func scanSSOAuth(sc scanner) (domain.SSOAuthRequest, error) {
	var a domain.SSOAuthRequest
	var class, amr string
	err := sc.Scan(&a.ID, &a.ClientID, bytesCol{&a.Params}, timeCol{&a.CreatedAt}, timeCol{&a.ExpiresAt}, idCol{&a.UserID},
		&a.SessionID, timeCol{&a.AuthTime}, &class, &amr, bytesCol{&a.CodeHash}, timeCol{&a.CodeExpiresAt}, timeCol{&a.RedeemedAt})
	a.CertClass, a.AMR = domain.CertClass(class), strings.Fields(amr)
	return a, err
}

func (q *queries) CreateSSOAuthRequest(ctx context.Context, a *domain.SSOAuthRequest) error {
	a.CreatedAt, a.ExpiresAt = nowOr(a.CreatedAt), norm(a.ExpiresAt)
	_, err := q.exec(ctx, `INSERT INTO sso_auth_requests (id, client_id, params, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, a.ID, a.ClientID, a.Params, tv(a.CreatedAt), tv(a.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create SSO auth request: %w", err)
	}
	return nil
}

func (q *queries) GetSSOAuthRequest(ctx context.Context, id string) (domain.SSOAuthRequest, error) {
	a, err := scanSSOAuth(q.row(ctx, "SELECT "+ssoAuthCols+" FROM sso_auth_requests WHERE id = $1", id))
	if err != nil {
		return a, notFound(err, "SSO auth request")
	}
	return a, nil
}

func (q *queries) GetSSOAuthRequestByCode(ctx context.Context, codeHash []byte) (domain.SSOAuthRequest, error) {
	if len(codeHash) == 0 {
		return domain.SSOAuthRequest{}, fmt.Errorf("SSO auth request by code: %w", store.ErrNotFound)
	}
	a, err := scanSSOAuth(q.row(ctx, "SELECT "+ssoAuthCols+" FROM sso_auth_requests WHERE code_hash = $1", codeHash))
	if err != nil {
		return a, notFound(err, "SSO auth request by code")
	}
	return a, nil
}

// conflictOrMissing tells a conditional update that changed nothing
// apart: ErrNotFound when the row is absent, else ErrConflict.
func (q *queries) conflictOrMissing(ctx context.Context, table, id, what string) error {
	var one int
	err := q.w.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE id = $1", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, store.ErrConflict)
}

func (q *queries) CompleteSSOAuthRequest(ctx context.Context, a *domain.SSOAuthRequest) error {
	if a.UserID == 0 {
		return domain.Errorf(domain.EINVALID, "complete SSO auth request: no user")
	}
	a.AuthTime = norm(a.AuthTime)
	n, err := q.exec(ctx, `UPDATE sso_auth_requests SET user_id = $2, session_id = $3, auth_time = $4, cert_class = $5, amr = $6
		WHERE id = $1 AND user_id IS NULL`, a.ID, a.UserID, a.SessionID, tv(a.AuthTime), string(a.CertClass), strings.Join(a.AMR, " "))
	if err != nil {
		return fmt.Errorf("complete SSO auth request: %w", err)
	}
	if n == 0 {
		return q.conflictOrMissing(ctx, "sso_auth_requests", a.ID, "complete SSO auth request")
	}
	return nil
}

func (q *queries) SetSSOAuthCode(ctx context.Context, id string, codeHash []byte, expires time.Time) error {
	n, err := q.exec(ctx, `UPDATE sso_auth_requests SET code_hash = $2, code_expires_at = $3
		WHERE id = $1 AND code_hash IS NULL AND user_id IS NOT NULL`, id, codeHash, tv(nowOr(expires)))
	if err != nil {
		return fmt.Errorf("set SSO auth code: %w", err)
	}
	if n == 0 {
		return q.conflictOrMissing(ctx, "sso_auth_requests", id, "set SSO auth code")
	}
	return nil
}

func (q *queries) RedeemSSOAuthCode(ctx context.Context, id string, t time.Time) error {
	n, err := q.exec(ctx, `UPDATE sso_auth_requests SET redeemed_at = $2 WHERE id = $1 AND redeemed_at IS NULL AND code_hash IS NOT NULL`,
		id, tv(nowOr(t)))
	if err != nil {
		return fmt.Errorf("redeem SSO auth code: %w", err)
	}
	if n == 0 {
		return q.conflictOrMissing(ctx, "sso_auth_requests", id, "redeem SSO auth code")
	}
	return nil
}

func (q *queries) DeleteExpiredSSOAuthRequests(ctx context.Context, before time.Time) (int, error) {
	n, err := q.exec(ctx, "DELETE FROM sso_auth_requests WHERE expires_at < $1", tv(nowOr(before)))
	if err != nil {
		return 0, fmt.Errorf("delete expired SSO auth requests: %w", err)
	}
	return int(n), nil
}

// ---- tokens ----

const ssoTokenCols = `id, kind, client_id, user_id, auth_request_id, session_id, refresh_hash, scopes, amr, cert_class,
	auth_time, created_at, expires_at, revoked_at`

func scanSSOToken(sc scanner) (domain.SSOToken, error) {
	var t domain.SSOToken
	var scopes, amr, class string
	err := sc.Scan(&t.ID, &t.Kind, &t.ClientID, &t.UserID, &t.AuthRequestID, &t.SessionID, bytesCol{&t.RefreshHash}, &scopes,
		&amr, &class, timeCol{&t.AuthTime}, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.RevokedAt})
	t.Scopes, t.AMR, t.CertClass = strings.Fields(scopes), strings.Fields(amr), domain.CertClass(class)
	return t, err
}

func (q *queries) CreateSSOToken(ctx context.Context, t *domain.SSOToken) error {
	if t.Kind != "access" && t.Kind != "refresh" {
		return domain.Errorf(domain.EINVALID, "SSO token kind %q", t.Kind)
	}
	t.CreatedAt, t.ExpiresAt, t.AuthTime, t.RevokedAt = nowOr(t.CreatedAt), norm(t.ExpiresAt), norm(t.AuthTime), time.Time{}
	var hash any
	if len(t.RefreshHash) > 0 {
		hash = t.RefreshHash
	}
	_, err := q.exec(ctx, `INSERT INTO sso_tokens (id, kind, client_id, user_id, auth_request_id, session_id, refresh_hash,
		scopes, amr, cert_class, auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		t.ID, t.Kind, t.ClientID, t.UserID, t.AuthRequestID, t.SessionID, hash, strings.Join(t.Scopes, " "),
		strings.Join(t.AMR, " "), string(t.CertClass), tv(t.AuthTime), tv(t.CreatedAt), tv(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create SSO token: %w", err)
	}
	return nil
}

func (q *queries) GetSSOToken(ctx context.Context, id string) (domain.SSOToken, error) {
	t, err := scanSSOToken(q.row(ctx, "SELECT "+ssoTokenCols+" FROM sso_tokens WHERE id = $1", id))
	if err != nil {
		return t, notFound(err, "SSO token")
	}
	return t, nil
}

func (q *queries) GetSSOTokenByRefreshHash(ctx context.Context, hash []byte) (domain.SSOToken, error) {
	if len(hash) == 0 {
		return domain.SSOToken{}, fmt.Errorf("SSO refresh token: %w", store.ErrNotFound)
	}
	t, err := scanSSOToken(q.row(ctx, "SELECT "+ssoTokenCols+" FROM sso_tokens WHERE refresh_hash = $1", hash))
	if err != nil {
		return t, notFound(err, "SSO refresh token")
	}
	return t, nil
}

func (q *queries) RevokeSSOToken(ctx context.Context, id string, t time.Time) error {
	n, err := q.exec(ctx, "UPDATE sso_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", id, tv(nowOr(t)))
	if err != nil {
		return fmt.Errorf("revoke SSO token: %w", err)
	}
	if n == 0 {
		return q.conflictOrMissing(ctx, "sso_tokens", id, "revoke SSO token")
	}
	return nil
}

func ssoTokenWhere(f domain.SSOTokenFilter) (where, error) {
	var w where
	if f.UserID != 0 {
		w.add("user_id = ?", f.UserID)
	}
	if f.ClientID != "" {
		w.add("client_id = ?", f.ClientID)
	}
	if f.AuthRequestID != "" {
		w.add("auth_request_id = ?", f.AuthRequestID)
	}
	if f.SessionID != "" {
		w.add("session_id = ?", f.SessionID)
	}
	if len(w.conds) == 0 {
		return w, domain.Errorf(domain.EINVALID, "SSO token filter selects every token")
	}
	return w, nil
}

func (q *queries) RevokeSSOTokens(ctx context.Context, f domain.SSOTokenFilter, t time.Time) (int, error) {
	w, err := ssoTokenWhere(f)
	if err != nil {
		return 0, err
	}
	w.add("revoked_at IS NULL")
	args := append([]any{tv(nowOr(t))}, w.args...)
	cond := renumber(strings.Join(w.conds, " AND "), 1)
	n, err := q.exec(ctx, "UPDATE sso_tokens SET revoked_at = $1 WHERE "+cond, args...)
	if err != nil {
		return 0, fmt.Errorf("revoke SSO tokens: %w", err)
	}
	return int(n), nil
}

func (q *queries) ListSSOTokens(ctx context.Context, f domain.SSOTokenFilter, t time.Time) ([]domain.SSOToken, error) {
	w, err := ssoTokenWhere(f)
	if err != nil {
		return nil, err
	}
	w.add("revoked_at IS NULL AND expires_at > ?", tv(nowOr(t)))
	out, err := list(ctx, q, scanSSOToken, "SELECT "+ssoTokenCols+" FROM sso_tokens WHERE "+strings.Join(w.conds, " AND ")+
		" ORDER BY created_at, id", w.args...)
	if err != nil {
		return nil, fmt.Errorf("list SSO tokens: %w", err)
	}
	return out, nil
}

func (q *queries) DeleteExpiredSSOTokens(ctx context.Context, before time.Time) (int, error) {
	n, err := q.exec(ctx, "DELETE FROM sso_tokens WHERE expires_at < $1", tv(nowOr(before)))
	if err != nil {
		return 0, fmt.Errorf("delete expired SSO tokens: %w", err)
	}
	return int(n), nil
}

func (q *queries) GrantOwner(ctx context.Context, grantID int64) (int64, int64, error) {
	var userID, systemID int64
	err := q.row(ctx, `SELECT g.user_id, r.system_id FROM role_grants g JOIN roles r ON r.id = g.role_id
		WHERE g.id = $1`, grantID).Scan(&userID, &systemID)
	if err != nil {
		return 0, 0, notFound(err, "grant %d", grantID)
	}
	return userID, systemID, nil
}
