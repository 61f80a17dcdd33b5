-- +goose Up
-- PostgreSQL adds trigram indexes for the institution search here (see
-- ../postgres/00020_institution_search.sql). SQLite has no trigram index;
-- its institution search reads the institutions table, which is small
-- next to users. The version exists so both dialects number alike.
SELECT 1;

-- +goose Down
SELECT 1;
