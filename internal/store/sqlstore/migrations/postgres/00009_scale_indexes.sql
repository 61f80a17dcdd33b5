-- +goose Up
-- Indexes for a million users (docs/performance.md, "Million-user data"),
-- keep in step with ../sqlite/00009_scale_indexes.sql.
--
-- User search (ListUsers: lower(name) LIKE '%q%' OR lower(login_id) LIKE
-- '%q%'): trigram GIN indexes let PostgreSQL answer substring searches of
-- three or more characters without reading every user. pg_trgm ships with
-- PostgreSQL (a trusted extension: the database owner may create it); it
-- goes into schema public so that every schema of the database shares it.
-- Extensions are per database while migrations lock per schema: the
-- advisory lock keeps two schemas migrating at once from both creating it.
SELECT pg_advisory_xact_lock(7366827201);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX users_name_trgm_idx ON users USING gin (lower(name) public.gin_trgm_ops);
CREATE INDEX users_login_id_trgm_idx ON users USING gin (lower(login_id) public.gin_trgm_ops);
-- Approval history (ListRequests with Decided, newest first): one
-- health centre's requests in time order, whatever their status.
CREATE INDEX role_requests_approver_time_idx ON role_requests (approver_institution_id, created_at, id);
-- Audit filter by action and period (ListAudit with Action, From, To).
CREATE INDEX audit_events_action_at_idx ON audit_events (action, at);

-- +goose Down
DROP INDEX audit_events_action_at_idx;
DROP INDEX role_requests_approver_time_idx;
DROP INDEX users_login_id_trgm_idx;
DROP INDEX users_name_trgm_idx;
