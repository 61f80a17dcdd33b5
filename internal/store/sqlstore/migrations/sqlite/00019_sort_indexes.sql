-- +goose Up
-- The admin user list's status order gets an index whose forward and
-- backward scans are its two directions (status, then name); it replaces
-- the index on status alone. The last-login order's index stays as it is:
-- SQLite sorts NULL first in ascending order, which is now the order
-- asked for (never-logged-in first when oldest first, last when newest
-- first).
-- Keep in step with ../postgres/00019_sort_indexes.sql.
CREATE INDEX users_status_order_idx ON users (status, name, id);
DROP INDEX users_status_idx;

-- +goose Down
CREATE INDEX users_status_idx ON users (status);
DROP INDEX users_status_order_idx;
