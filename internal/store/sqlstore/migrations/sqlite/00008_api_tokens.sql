-- +goose Up
-- API tokens of integrating systems (JSON API, docs/api.md). Only the
-- SHA-256 of the secret is stored; prefix is its first characters, shown
-- in the token list. scopes is a space-separated list.
-- Keep in step with ../postgres/00008_api_tokens.sql.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL DEFAULT '',
    token_hash   BLOB NOT NULL,
    prefix       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    created_by   BIGINT REFERENCES users (id),
    expires_at   BIGINT,
    revoked_at   BIGINT,
    revoked_by   BIGINT REFERENCES users (id),
    last_used_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_created_idx ON api_tokens (created_at, id);

-- +goose Down
DROP TABLE api_tokens;
