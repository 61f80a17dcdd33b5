-- +goose Up
-- The approval history (decided requests of a centre, newest first): the
-- page walked role_requests_approver_time_idx backwards past every pending
-- request of the centre (6 130 at 종로구보건소 in the million-user data:
-- 11.7 ms); the decided ones alone make a partial index.
-- Keep in step with ../postgres/00015_history_index.sql.
CREATE INDEX role_requests_history_idx ON role_requests (approver_institution_id, created_at, id) WHERE status <> 'pending';

-- +goose Down
DROP INDEX role_requests_history_idx;
