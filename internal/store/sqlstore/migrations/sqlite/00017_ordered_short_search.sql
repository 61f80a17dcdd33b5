-- +goose Up
-- User search of one or two characters in name order (SearchUsers with a
-- short Query and no other filter, docs/performance.md "Million-user
-- measurements"); keep in step with ../postgres/00017_ordered_short_search.sql.
--
-- Each condition of such a search is an equality on the first one or two
-- characters (substr(e, 1, k) = q, k the query's length), the leading key
-- of one of these indexes, followed by the page order (ORDER BY name,
-- login_id, id), so that each branch of the search reads its first
-- offset+limit users in order instead of sorting every match. The indexes
-- of 00013 stay, for a short query with other filters or in another order.
CREATE INDEX users_name_prefix1_idx ON users (substr(lower(name), 1, 1), name, login_id, id);
CREATE INDEX users_name_prefix2_idx ON users (substr(lower(name), 1, 2), name, login_id, id);
CREATE INDEX users_given_name_prefix1_idx ON users (substr(lower(name), 2, 1), name, login_id, id);
CREATE INDEX users_given_name_prefix2_idx ON users (substr(lower(name), 2, 2), name, login_id, id);
CREATE INDEX users_login_id_prefix1_idx ON users (substr(lower(login_id), 1, 1), name, login_id, id);
CREATE INDEX users_login_id_prefix2_idx ON users (substr(lower(login_id), 1, 2), name, login_id, id);

-- +goose Down
DROP INDEX users_login_id_prefix2_idx;
DROP INDEX users_login_id_prefix1_idx;
DROP INDEX users_given_name_prefix2_idx;
DROP INDEX users_given_name_prefix1_idx;
DROP INDEX users_name_prefix2_idx;
DROP INDEX users_name_prefix1_idx;
