-- +goose Up
-- Indexes for a million users (docs/performance.md, "Million-user data"),
-- keep in step with ../postgres/00009_scale_indexes.sql. SQLite has no
-- trigram index: its user search by substring reads every user (see the
-- document for the measured cost).
-- Approval history (ListRequests with Decided, newest first): one
-- health centre's requests in time order, whatever their status.
CREATE INDEX role_requests_approver_time_idx ON role_requests (approver_institution_id, created_at, id);
-- Audit filter by action and period (ListAudit with Action, From, To).
CREATE INDEX audit_events_action_at_idx ON audit_events (action, at);

-- +goose Down
DROP INDEX audit_events_action_at_idx;
DROP INDEX role_requests_approver_time_idx;
