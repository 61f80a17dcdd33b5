-- +goose Up
-- User search of one or two characters in name order (SearchUsers with a
-- short Query and no other filter, docs/performance.md "Million-user
-- measurements"); keep in step with ../sqlite/00017_ordered_short_search.sql.
--
-- With 00013 alone a short query was three prefix ranges answered by a
-- BitmapOr: every match was read from the heap and sorted for ORDER BY
-- name, login_id, id, so a broad query (one syllable: ~12 000 matches of
-- q=김 at a million users; a login-ID prefix every user shares) took
-- 50-130 ms. Now each condition is an equality on the first one or two
-- characters (substr(e, 1, k) = q, k the query's length), the leading key
-- of one of these indexes, followed by the page order: each branch hands
-- back its first offset+limit users already in name order, and the capped
-- count is an index only scan. Equality needs no COLLATE "C": in a
-- deterministic collation it is byte equality; name follows in the
-- column's own collation, the one ORDER BY uses.
--
-- The indexes of 00013 stay: a short query with other filters (an
-- institution subtree, a status) or in another order is still said as
-- their ranges.
CREATE INDEX users_name_prefix1_idx ON users (substr(lower(name), 1, 1), name, login_id, id);
CREATE INDEX users_name_prefix2_idx ON users (substr(lower(name), 1, 2), name, login_id, id);
CREATE INDEX users_given_name_prefix1_idx ON users (substr(lower(name), 2, 1), name, login_id, id);
CREATE INDEX users_given_name_prefix2_idx ON users (substr(lower(name), 2, 2), name, login_id, id);
CREATE INDEX users_login_id_prefix1_idx ON users (substr(lower(login_id), 1, 1), name, login_id, id);
CREATE INDEX users_login_id_prefix2_idx ON users (substr(lower(login_id), 1, 2), name, login_id, id);
-- Statistics of the new index expressions, as in 00013 (without them the
-- planner guesses the share of each prefix).
ANALYZE users;

-- +goose Down
DROP INDEX users_login_id_prefix2_idx;
DROP INDEX users_login_id_prefix1_idx;
DROP INDEX users_given_name_prefix2_idx;
DROP INDEX users_given_name_prefix1_idx;
DROP INDEX users_name_prefix2_idx;
DROP INDEX users_name_prefix1_idx;
