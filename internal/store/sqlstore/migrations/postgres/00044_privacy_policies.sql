-- +goose Up
-- The published privacy policy (개인정보 처리방침, issue 18), every version
-- kept; the newest is in force.
-- Keep in step with ../sqlite/00044_privacy_policies.sql.
CREATE TABLE privacy_policies (
    version    INTEGER PRIMARY KEY,
    text       TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('file', 'admin', 'demo')),
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id)
);

-- +goose Down
DROP TABLE privacy_policies;
