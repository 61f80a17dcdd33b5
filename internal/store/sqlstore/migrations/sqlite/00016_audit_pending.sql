-- +goose Up
-- Audit events wait here until the sealer chains them (queries.go,
-- SealAudit). An audited write inserts one row into a table without
-- secondary indexes; the sealer moves a batch of events into audit_events
-- with their seq and hashes, and deletes them here, in one transaction.
-- id orders the queue only; the chain's order is seq.
-- Keep in step with ../postgres/00016_audit_pending.sql.
CREATE TABLE audit_pending (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL DEFAULT 0,
    actor       TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    client_addr TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE audit_pending;
