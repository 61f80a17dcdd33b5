-- +goose Up
-- The audit chain's anchor after a purge (docs/reviews.md, retention):
-- the seq and hash of the last purged event, where verification starts.
-- One row; seq 0 and an empty hash until the first purge. The purge's
-- own audit.purge event repeats both, so the anchor cannot be edited
-- unseen.
-- Keep in step with ../postgres/00051_audit_anchor.sql.
CREATE TABLE audit_anchor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       BIGINT NOT NULL,
    hash      BLOB NOT NULL,
    purged_at BIGINT
);
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, X'');

-- +goose Down
DROP TABLE audit_anchor;
