-- +goose Up
-- Accounts locked for inactivity (휴면, issue 18), which their owners may
-- reopen themselves with a fresh signature of their registered
-- certificate; accounts locked by an administrator are not here. The
-- inactivity lock (LockInactiveUser) adds the row; any later change of the
-- account's status (reopened, unlocked or locked by an administrator,
-- withdrawn) removes it.
-- Keep in step with ../postgres/00041_dormant.sql.
CREATE TABLE dormant_accounts (
    user_id   BIGINT PRIMARY KEY REFERENCES users (id),
    locked_at BIGINT NOT NULL
);
-- +goose StatementBegin
CREATE TRIGGER users_dormant_clear AFTER UPDATE OF status ON users
WHEN NEW.status IS NOT OLD.status
BEGIN
    DELETE FROM dormant_accounts WHERE user_id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_dormant_clear;
DROP TABLE dormant_accounts;
