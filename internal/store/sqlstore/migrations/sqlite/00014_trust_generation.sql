-- +goose Up
-- The trust store's reload generation (issue 7): [다시 읽기] under
-- /admin/trust adds one; every process compares it with the generation it
-- last loaded (every 30 s) and reloads its trust when it grew. One row,
-- absent until the first reload (generation 0).
CREATE TABLE trust_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    changed_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE trust_generation;
