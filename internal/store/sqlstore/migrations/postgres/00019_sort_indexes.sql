-- +goose Up
-- The admin user list's last-login and status orders at a million users
-- sorted every user (233 and 147 ms; docs/performance.md). Each order now
-- has an index whose forward and backward scans are the two directions:
-- last login oldest first with the never-logged-in first (NULLS FIRST), or
-- newest first with them last; status, then name. They replace the
-- indexes they extend, so a user row keeps the same number of indexes.
-- Keep in step with ../sqlite/00019_sort_indexes.sql.
CREATE INDEX users_last_login_order_idx ON users (last_login_at ASC NULLS FIRST, id);
DROP INDEX users_last_login_idx;
CREATE INDEX users_status_order_idx ON users (status, name, id);
DROP INDEX users_status_idx;
ANALYZE users;

-- +goose Down
CREATE INDEX users_status_idx ON users (status);
DROP INDEX users_status_order_idx;
CREATE INDEX users_last_login_idx ON users (last_login_at, id);
DROP INDEX users_last_login_order_idx;
