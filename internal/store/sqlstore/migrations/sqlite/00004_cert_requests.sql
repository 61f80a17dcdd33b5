-- +goose Up
-- Certificate re-registration requests: a user whose registered
-- certificates can no longer be used (the only one expired) signs with a
-- new certificate, which waits here until the health centre with
-- jurisdiction (approver_institution_id) confirms or rejects it. The
-- certificate columns are those of the certificates row it becomes.
-- Keep in step with ../postgres/00004_cert_requests.sql.
CREATE TABLE cert_requests (
    id                      INTEGER PRIMARY KEY,
    user_id                 BIGINT NOT NULL REFERENCES users (id),
    approver_institution_id BIGINT NOT NULL REFERENCES institutions (id),
    status                  TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    subject_dn              TEXT NOT NULL DEFAULT '',
    issuer_dn               TEXT NOT NULL DEFAULT '',
    serial                  TEXT NOT NULL DEFAULT '',
    key_hash                BLOB NOT NULL,
    not_before              BIGINT,
    not_after               BIGINT,
    policy_oid              TEXT NOT NULL DEFAULT '',
    class                   TEXT NOT NULL DEFAULT 'unknown',
    der                     BLOB,
    created_at              BIGINT NOT NULL,
    decided_at              BIGINT,
    decider_id              BIGINT REFERENCES users (id),
    reason                  TEXT NOT NULL DEFAULT ''
);
-- At most one pending request per user, and per certificate key.
CREATE UNIQUE INDEX cert_requests_pending_user_key ON cert_requests (user_id) WHERE status = 'pending';
CREATE UNIQUE INDEX cert_requests_pending_hash_key ON cert_requests (key_hash) WHERE status = 'pending';
-- The health centre's queue.
CREATE INDEX cert_requests_inbox_idx ON cert_requests (approver_institution_id, status, created_at, id);
CREATE INDEX cert_requests_user_idx ON cert_requests (user_id, created_at, id);

-- +goose Down
DROP TABLE cert_requests;
