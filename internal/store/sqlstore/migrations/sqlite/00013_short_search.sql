-- +goose Up
-- User search of one or two characters (SearchUsers with a short Query,
-- docs/performance.md "Million-user measurements"); keep in step with
-- ../postgres/00013_short_search.sql.
--
-- A short query matches the start of the lower-cased name, of the given
-- name (the name without its first syllable) or of the login ID, said as
-- ranges (e >= q AND e < q || U+10FFFF) that these expression indexes
-- answer (EXPLAIN QUERY PLAN: MULTI-INDEX OR over the three). SQLite
-- compares text in BINARY collation, byte order, as the ranges need.
CREATE INDEX users_name_prefix_idx ON users (lower(name));
CREATE INDEX users_given_name_prefix_idx ON users (substr(lower(name), 2));
CREATE INDEX users_login_id_prefix_idx ON users (lower(login_id));

-- +goose Down
DROP INDEX users_login_id_prefix_idx;
DROP INDEX users_given_name_prefix_idx;
DROP INDEX users_name_prefix_idx;
