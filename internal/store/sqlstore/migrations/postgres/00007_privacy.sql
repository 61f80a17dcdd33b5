-- +goose Up
-- Privacy (package privacy, docs/privacy.md).
-- inactive_warnings records when a user was last warned that their unused
-- account will be locked. A warning belongs to the idle period it was sent
-- in: one sent before the user's last login is stale. Locking the account
-- deletes the row, so an account an administrator unlocks is warned again
-- before it is locked again.
-- Keep in step with ../sqlite/00007_privacy.sql.
CREATE TABLE inactive_warnings (
    user_id   BIGINT PRIMARY KEY REFERENCES users (id),
    warned_at BIGINT NOT NULL
);
-- The inactivity job's scan: usable accounts by their last activity.
CREATE INDEX users_activity_idx ON users ((COALESCE(last_login_at, created_at)), id)
    WHERE status IN ('pending', 'active');
-- The login-ID release of withdrawn accounts.
CREATE INDEX users_withdrawn_idx ON users (withdrawn_at, id) WHERE status = 'withdrawn';

-- +goose Down
DROP INDEX users_withdrawn_idx;
DROP INDEX users_activity_idx;
DROP TABLE inactive_warnings;
