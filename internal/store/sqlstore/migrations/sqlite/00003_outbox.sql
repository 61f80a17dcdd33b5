-- +goose Up
-- The mail outbox (package notify): every notification is written here in
-- the transaction of the event it reports, and kept until the mail server
-- accepted it (sent_at) or delivery was given up (dead_at). Sent and dead
-- messages are purged after 30 days by default.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         INTEGER,
    dead_at         INTEGER
);
-- The dispatcher's claim: pending messages by due time.
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_sent_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_dead_idx ON outbox (dead_at) WHERE dead_at IS NOT NULL;
CREATE INDEX outbox_recipient_idx ON outbox (recipient, id);

-- +goose Down
DROP TABLE outbox;
