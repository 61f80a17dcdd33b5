-- +goose Up
-- The signup wizard's server-side drafts (package signup). No account
-- exists until the last step; an expired draft is deleted by the janitor.
CREATE TABLE signup_drafts (
    id         TEXT PRIMARY KEY,
    step       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX signup_drafts_expires_idx ON signup_drafts (expires_at);

-- +goose Down
DROP TABLE signup_drafts;
