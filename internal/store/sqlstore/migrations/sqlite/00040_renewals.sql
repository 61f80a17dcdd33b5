-- +goose Up
-- Grant renewals (권한 연장, issue 18): a renewal is a role request linked
-- to the grant it renews. One pending renewal per grant follows from
-- role_requests_pending_key (one pending request per user and role) and
-- role_grants_active_key (one unrevoked grant per user and role).
-- Keep in step with ../postgres/00040_renewals.sql.
CREATE TABLE grant_renewals (
    request_id       BIGINT PRIMARY KEY REFERENCES role_requests (id),
    grant_id         BIGINT NOT NULL REFERENCES role_grants (id),
    grant_expires_at BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX grant_renewals_grant_idx ON grant_renewals (grant_id, created_at);

-- Expiry notices sent (grants and certificates): one row per subject,
-- expiry and threshold, so that each notice goes out once.
CREATE TABLE expiry_notices (
    kind       TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    days       INTEGER NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (kind, subject_id, expires_at, days)
);

-- The expiry-notice sweeps read unrevoked grants and current certificates
-- by expiry.
CREATE INDEX role_grants_expiring_idx ON role_grants (expires_at, id) WHERE revoked_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX certificates_expiring_idx ON certificates (not_after, id) WHERE replaced_at IS NULL AND removed_at IS NULL;

-- +goose Down
DROP INDEX certificates_expiring_idx;
DROP INDEX role_grants_expiring_idx;
DROP TABLE expiry_notices;
DROP TABLE grant_renewals;
