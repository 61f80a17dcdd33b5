-- +goose Up
-- Indexes found missing by the million-user measurements
-- (docs/performance.md, "Million-user measurements"); keep in step with
-- ../sqlite/00012_page_indexes.sql.
--
-- A user's current grants (ListGrants by user, on every logged-in page:
-- menu, approver scope, admin scope). The only index on user_id was the
-- partial role_grants_active_key (WHERE revoked_at IS NULL), which the
-- query's "revoked_at IS NULL OR revoked_at > now" cannot use: every page
-- read all grants.
CREATE INDEX role_grants_user_idx ON role_grants (user_id, granted_at, id);
-- Counts of the approver inbox and history (ListRequests total with
-- approver_institution_id, status and role_id IN (...)): answered from the
-- index alone instead of visiting every counted row.
CREATE INDEX role_requests_approver_status_role_idx ON role_requests (approver_institution_id, status, role_id);

-- +goose Down
DROP INDEX role_requests_approver_status_role_idx;
DROP INDEX role_grants_user_idx;
