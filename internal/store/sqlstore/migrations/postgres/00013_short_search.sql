-- +goose Up
-- User search of one or two characters (SearchUsers with a short Query,
-- docs/performance.md "Million-user measurements"); keep in step with
-- ../sqlite/00013_short_search.sql.
--
-- Trigram indexes (00009) need three characters, so a two-character
-- search read every user (0.5-2 s at a million). A short query now matches
-- the start of the lower-cased name, of the given name (the name without
-- its first syllable) or of the login ID, said as ranges
-- (e >= q AND e < q || U+10FFFF) that these B-tree indexes answer. They
-- compare in collation "C" (byte order, which is code point order in
-- UTF-8): in the database's own collation a range need not be a prefix.
CREATE INDEX users_name_prefix_idx ON users ((lower(name)) COLLATE "C");
CREATE INDEX users_given_name_prefix_idx ON users ((substr(lower(name), 2)) COLLATE "C");
CREATE INDEX users_login_id_prefix_idx ON users ((lower(login_id)) COLLATE "C");
-- Statistics of the new index expressions: without them the planner
-- guesses 0.5 % of the users per range and, for the name order, walks
-- users_name_idx filtering row by row (measured: q=민준 123 ms p50 right
-- after this migration at a million users, 14 ms after ANALYZE). Autovacuum
-- would analyze only after 10 % of the rows changed. A sample: ~1 s there.
ANALYZE users;

-- +goose Down
DROP INDEX users_login_id_prefix_idx;
DROP INDEX users_given_name_prefix_idx;
DROP INDEX users_name_prefix_idx;
