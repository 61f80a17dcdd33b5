-- +goose Up
-- The jurisdiction tree as a closure table: one row for every institution
-- and each of its ancestors, and one for the institution itself. "Users
-- under 서울특별시" is then a lookup of one ancestor_id, which PostgreSQL's
-- statistics size right (a recursive walk was always estimated at 200
-- institutions: a provincial administrator's user list at a million users,
-- 32 226 institutions under the province, took 2.5–7 s as a nested loop).
-- Triggers keep it in step with institutions.parent_id, whoever writes
-- (the store, bench/gen's COPY); moving an institution under itself or one
-- below it is refused.
-- Keep in step with ../sqlite/00018_institution_tree.sql.
CREATE TABLE institution_tree (
    ancestor_id   BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    descendant_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX institution_tree_descendant_idx ON institution_tree (descendant_id, ancestor_id);

-- UNION (not UNION ALL) ends at a cycle, should the data hold one.
INSERT INTO institution_tree (ancestor_id, descendant_id)
WITH RECURSIVE t (ancestor_id, descendant_id) AS (
    SELECT id, id FROM institutions
    UNION
    SELECT t.ancestor_id, i.id FROM t JOIN institutions i ON i.parent_id = t.descendant_id
)
SELECT ancestor_id, descendant_id FROM t;

-- +goose StatementBegin
CREATE FUNCTION institution_tree_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO institution_tree (ancestor_id, descendant_id)
    SELECT ancestor_id, NEW.id FROM institution_tree WHERE descendant_id = NEW.parent_id
    UNION ALL
    SELECT NEW.id, NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION institution_tree_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM institution_tree WHERE ancestor_id = NEW.id AND descendant_id = NEW.parent_id) THEN
        RAISE EXCEPTION 'institution % cannot be placed under itself or an institution below it', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    -- Unlink the moved subtree from its old ancestors, link it to the new.
    DELETE FROM institution_tree
    WHERE descendant_id IN (SELECT descendant_id FROM institution_tree WHERE ancestor_id = NEW.id)
      AND ancestor_id NOT IN (SELECT descendant_id FROM institution_tree WHERE ancestor_id = NEW.id);
    INSERT INTO institution_tree (ancestor_id, descendant_id)
    SELECT a.ancestor_id, d.descendant_id
    FROM institution_tree a CROSS JOIN institution_tree d
    WHERE a.descendant_id = NEW.parent_id AND d.ancestor_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER institutions_tree_insert AFTER INSERT ON institutions
    FOR EACH ROW EXECUTE FUNCTION institution_tree_insert();
CREATE TRIGGER institutions_tree_move AFTER UPDATE OF parent_id ON institutions
    FOR EACH ROW WHEN (NEW.parent_id IS DISTINCT FROM OLD.parent_id) EXECUTE FUNCTION institution_tree_move();

ANALYZE institution_tree;

-- +goose Down
DROP TRIGGER institutions_tree_move ON institutions;
DROP TRIGGER institutions_tree_insert ON institutions;
DROP FUNCTION institution_tree_move();
DROP FUNCTION institution_tree_insert();
DROP TABLE institution_tree;
