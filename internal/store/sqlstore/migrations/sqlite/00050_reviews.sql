-- +goose Up
-- Periodic access reviews (정기 권한 점검, docs/reviews.md). A campaign
-- lists its roles and jurisdictions (comma-separated IDs) and reminder
-- days; each grant in its scope is one review item, routed to the
-- reviewing institution (reviewer_institution_id) for approver_role_id.
-- review_items has no foreign keys: its rows are written only by the
-- campaign's set-based INSERT ... SELECT from rows that exist, and kept as
-- evidence as they were; a million per-row key checks made that insert
-- take minutes on PostgreSQL.
-- Keep in step with ../postgres/00050_reviews.sql.
CREATE TABLE review_campaigns (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    created_by       BIGINT REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    starts_at        BIGINT NOT NULL,
    deadline         BIGINT NOT NULL,
    role_ids         TEXT NOT NULL DEFAULT '',
    jurisdiction_ids TEXT NOT NULL DEFAULT '',
    reminder_days    TEXT NOT NULL DEFAULT '',
    deadline_action  TEXT NOT NULL CHECK (deadline_action IN ('keep', 'revoke', 'escalate')),
    keep_needs_note  INTEGER NOT NULL DEFAULT 0,
    reminded_day     INTEGER NOT NULL DEFAULT 0,
    closed_at        BIGINT,
    items            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX review_campaigns_created_idx ON review_campaigns (created_at, id);

CREATE TABLE review_items (
    id                      INTEGER PRIMARY KEY,
    campaign_id             BIGINT NOT NULL,
    grant_id                BIGINT NOT NULL,
    user_id                 BIGINT NOT NULL,
    role_id                 BIGINT NOT NULL,
    institution_id          BIGINT,
    reviewer_institution_id BIGINT,
    province_id             BIGINT,
    approver_role_id        BIGINT,
    created_at              BIGINT NOT NULL,
    escalated_at            BIGINT,
    decision                TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'keep', 'revoke')),
    decided_by              BIGINT,
    decided_at              BIGINT,
    note                    TEXT NOT NULL DEFAULT '',
    automatic               INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT review_items_grant_key UNIQUE (campaign_id, grant_id)
);
CREATE INDEX review_items_reviewer_idx ON review_items (campaign_id, reviewer_institution_id, decision);
CREATE INDEX review_items_province_idx ON review_items (campaign_id, province_id, decision);
CREATE INDEX review_items_user_idx ON review_items (user_id);

-- +goose Down
DROP TABLE review_items;
DROP TABLE review_campaigns;
