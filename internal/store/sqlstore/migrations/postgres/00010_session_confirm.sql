-- +goose Up
-- When the session's user last re-signed a fresh challenge (purpose
-- "confirm") before a sensitive action.
ALTER TABLE sessions ADD COLUMN confirmed_at BIGINT;

-- +goose Down
ALTER TABLE sessions DROP COLUMN confirmed_at;
