-- +goose Up
-- The periodic sweep (access.Sweep) reads only the pending requests it has
-- to act on: not yet reminded and old enough, not yet escalated and old
-- enough, and the routes (approving institution, role) of those not yet
-- escalated. Partial indexes hold just those requests; the sweep's
-- conditions name them with literals so that the planners match them.
-- Before, it read the 500 oldest pending requests and acted on those only:
-- once they were reminded and escalated, no newer request ever was.
-- Keep in step with ../postgres/00021_sweep_indexes.sql.
CREATE INDEX role_requests_unreminded_idx ON role_requests (created_at, id)
    WHERE status = 'pending' AND reminded_at IS NULL;
CREATE INDEX role_requests_unescalated_idx ON role_requests (created_at, id)
    WHERE status = 'pending' AND escalated_at IS NULL;
CREATE INDEX role_requests_unescalated_route_idx ON role_requests (approver_institution_id, role_id, created_at, id)
    WHERE status = 'pending' AND escalated_at IS NULL;

-- +goose Down
DROP INDEX role_requests_unescalated_route_idx;
DROP INDEX role_requests_unescalated_idx;
DROP INDEX role_requests_unreminded_idx;
