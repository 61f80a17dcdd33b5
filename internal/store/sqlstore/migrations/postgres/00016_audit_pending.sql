-- +goose Up
-- Audit events wait here until the sealer chains them (queries.go,
-- SealAudit). An audited write inserts one row and touches no shared row,
-- so audited transactions no longer queue on the chain head's row lock;
-- the sealer takes that lock once per batch of events, moves them into
-- audit_events with their seq and hashes, and deletes them here, in one
-- transaction. id orders the queue only; the chain's order is seq.
-- Keep in step with ../sqlite/00016_audit_pending.sql.
CREATE TABLE audit_pending (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
-- Events still waiting are chained by a newer gwanmun only: refuse to
-- drop them.
-- +goose StatementBegin
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM audit_pending) THEN
        RAISE EXCEPTION 'audit_pending holds events that are not chained yet; run a gwanmun with migration 16 to seal them first';
    END IF;
END $$;
-- +goose StatementEnd
DROP TABLE audit_pending;
