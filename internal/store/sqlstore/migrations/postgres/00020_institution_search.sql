-- +goose Up
-- Trigram indexes for the institution search (by name or code, any part),
-- as 00009 made for users. They also give PostgreSQL statistics on
-- lower(name) and lower(code): without them it estimated any
-- "lower(name) LIKE '%…%'" at a handful of institutions, so the admin user
-- list filtered by institution name ("의원", 40 051 of 40 100 institutions
-- in bench/gen's data) ran as a nested loop over nearly every user and
-- sorted them: 2.3 s at a million users, 0.5 ms with the estimate right.
-- Keep in step with ../sqlite/00020_institution_search.sql.
CREATE INDEX institutions_name_trgm_idx ON institutions USING gin (lower(name) public.gin_trgm_ops);
CREATE INDEX institutions_code_trgm_idx ON institutions USING gin (lower(code) public.gin_trgm_ops);
ANALYZE institutions;

-- +goose Down
DROP INDEX institutions_code_trgm_idx;
DROP INDEX institutions_name_trgm_idx;
