-- +goose Up
-- Pop-up notices (팝업 공지, issue 18).
-- Keep in step with ../postgres/00045_popups.sql.
CREATE TABLE popups (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    audience   TEXT NOT NULL CHECK (audience IN ('all', 'logged_in', 'role')),
    role_id    BIGINT REFERENCES roles (id),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    updated_at BIGINT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK ((audience = 'role') = (role_id IS NOT NULL))
);
CREATE INDEX popups_period_idx ON popups (ends_at, starts_at);

-- +goose Down
DROP TABLE popups;
