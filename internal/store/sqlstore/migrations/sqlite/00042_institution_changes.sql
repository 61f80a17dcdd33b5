-- +goose Up
-- Changes of institution (기관 변경, issue 18): confirmed by the new
-- institution's jurisdiction health centre. At most one pending per user.
-- Keep in step with ../postgres/00042_institution_changes.sql.
CREATE TABLE institution_changes (
    id                      INTEGER PRIMARY KEY,
    user_id                 BIGINT NOT NULL REFERENCES users (id),
    from_institution_id     BIGINT NOT NULL REFERENCES institutions (id),
    to_institution_id       BIGINT NOT NULL REFERENCES institutions (id),
    approver_institution_id BIGINT NOT NULL REFERENCES institutions (id),
    status                  TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    created_at              BIGINT NOT NULL,
    decided_at              BIGINT,
    decider_id              BIGINT REFERENCES users (id),
    reason                  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX institution_changes_pending_key ON institution_changes (user_id) WHERE status = 'pending';
CREATE INDEX institution_changes_inbox_idx ON institution_changes (approver_institution_id, status, created_at, id);
CREATE INDEX institution_changes_user_idx ON institution_changes (user_id, created_at, id);

-- +goose Down
DROP TABLE institution_changes;
