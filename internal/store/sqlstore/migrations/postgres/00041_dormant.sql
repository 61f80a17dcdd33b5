-- +goose Up
-- Accounts locked for inactivity (휴면, issue 18), which their owners may
-- reopen themselves with a fresh signature of their registered
-- certificate; accounts locked by an administrator are not here. The
-- inactivity lock (LockInactiveUser) adds the row; any later change of the
-- account's status (reopened, unlocked or locked by an administrator,
-- withdrawn) removes it.
-- Keep in step with ../sqlite/00041_dormant.sql.
CREATE TABLE dormant_accounts (
    user_id   BIGINT PRIMARY KEY REFERENCES users (id),
    locked_at BIGINT NOT NULL
);
-- +goose StatementBegin
CREATE FUNCTION dormant_accounts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dormant_accounts WHERE user_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_dormant_clear AFTER UPDATE OF status ON users
    FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status) EXECUTE FUNCTION dormant_accounts_clear();

-- +goose Down
DROP TRIGGER users_dormant_clear ON users;
DROP FUNCTION dormant_accounts_clear();
DROP TABLE dormant_accounts;
