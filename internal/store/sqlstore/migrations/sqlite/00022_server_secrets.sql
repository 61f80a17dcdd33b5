-- +goose Up
-- Secrets every process sharing the database must agree on, made once by
-- whichever process asks first (issue 15): "session-token" hides the
-- creation time that leads a session's store key inside its cookie token,
-- so that the key keeps its index locality while the cookie stays opaque.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE server_secrets;
