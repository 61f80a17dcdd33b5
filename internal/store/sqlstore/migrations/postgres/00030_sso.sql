-- +goose Up
-- The OpenID Connect provider (issue 16, internal/sso, docs/sso.md):
-- clients (one per portal system), signing keys shared by every process,
-- authorization requests with their single-use codes, and the access and
-- refresh tokens issued (refresh tokens as SHA-256 only).
-- Keep in step with ../sqlite/00030_sso.sql.
CREATE TABLE sso_clients (
    system_id          BIGINT PRIMARY KEY REFERENCES systems (id),
    client_id          TEXT NOT NULL,
    public             BOOLEAN NOT NULL DEFAULT FALSE,
    secret_hash        BYTEA,
    redirect_uris      TEXT NOT NULL DEFAULT '',
    post_logout_uris   TEXT NOT NULL DEFAULT '',
    backchannel_uri    TEXT NOT NULL DEFAULT '',
    initiate_login_uri TEXT NOT NULL DEFAULT '',
    subject_type       TEXT NOT NULL DEFAULT 'pairwise',
    access_ttl_s       BIGINT NOT NULL,
    id_ttl_s           BIGINT NOT NULL,
    refresh_ttl_s      BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    disabled_at        BIGINT
);
CREATE UNIQUE INDEX sso_clients_client_id_key ON sso_clients (client_id);

CREATE TABLE sso_keys (
    kid         TEXT PRIMARY KEY,
    alg         TEXT NOT NULL,
    private_der BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    retire_at   BIGINT,
    expires_at  BIGINT
);

CREATE TABLE sso_secrets (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE sso_auth_requests (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL,
    params          BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    user_id         BIGINT REFERENCES users (id) ON DELETE CASCADE,
    session_id      TEXT NOT NULL DEFAULT '',
    auth_time       BIGINT,
    cert_class      TEXT NOT NULL DEFAULT '',
    amr             TEXT NOT NULL DEFAULT '',
    code_hash       BYTEA,
    code_expires_at BIGINT,
    redeemed_at     BIGINT
);
CREATE UNIQUE INDEX sso_auth_requests_code_key ON sso_auth_requests (code_hash);
CREATE INDEX sso_auth_requests_expires_idx ON sso_auth_requests (expires_at);

CREATE TABLE sso_tokens (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_request_id TEXT NOT NULL DEFAULT '',
    session_id      TEXT NOT NULL DEFAULT '',
    refresh_hash    BYTEA,
    scopes          TEXT NOT NULL DEFAULT '',
    amr             TEXT NOT NULL DEFAULT '',
    cert_class      TEXT NOT NULL DEFAULT '',
    auth_time       BIGINT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE UNIQUE INDEX sso_tokens_refresh_key ON sso_tokens (refresh_hash);
CREATE INDEX sso_tokens_user_idx ON sso_tokens (user_id, client_id);
CREATE INDEX sso_tokens_request_idx ON sso_tokens (auth_request_id);
CREATE INDEX sso_tokens_session_idx ON sso_tokens (session_id);
CREATE INDEX sso_tokens_expires_idx ON sso_tokens (expires_at);

-- +goose Down
DROP TABLE sso_tokens;
DROP TABLE sso_auth_requests;
DROP TABLE sso_secrets;
DROP TABLE sso_keys;
DROP TABLE sso_clients;
