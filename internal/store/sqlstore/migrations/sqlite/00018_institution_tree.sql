-- +goose Up
-- The jurisdiction tree as a closure table: one row for every institution
-- and each of its ancestors, and one for the institution itself, so that
-- "under institution X" is a lookup of one ancestor_id instead of a
-- recursive walk. Triggers keep it in step with institutions.parent_id;
-- moving an institution under itself or one below it is refused.
-- Keep in step with ../postgres/00018_institution_tree.sql.
CREATE TABLE institution_tree (
    ancestor_id   BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    descendant_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    PRIMARY KEY (ancestor_id, descendant_id)
) WITHOUT ROWID;
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
CREATE TRIGGER institutions_tree_insert AFTER INSERT ON institutions
BEGIN
    INSERT INTO institution_tree (ancestor_id, descendant_id)
    SELECT ancestor_id, NEW.id FROM institution_tree WHERE descendant_id = NEW.parent_id
    UNION ALL
    SELECT NEW.id, NEW.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER institutions_tree_move AFTER UPDATE OF parent_id ON institutions
WHEN NEW.parent_id IS NOT OLD.parent_id
BEGIN
    SELECT RAISE(ABORT, 'institution cannot be placed under itself or an institution below it')
    WHERE EXISTS (SELECT 1 FROM institution_tree WHERE ancestor_id = NEW.id AND descendant_id = NEW.parent_id);
    -- Unlink the moved subtree from its old ancestors, link it to the new.
    DELETE FROM institution_tree
    WHERE descendant_id IN (SELECT descendant_id FROM institution_tree WHERE ancestor_id = NEW.id)
      AND ancestor_id NOT IN (SELECT descendant_id FROM institution_tree WHERE ancestor_id = NEW.id);
    INSERT INTO institution_tree (ancestor_id, descendant_id)
    SELECT a.ancestor_id, d.descendant_id
    FROM institution_tree a CROSS JOIN institution_tree d
    WHERE a.descendant_id = NEW.parent_id AND d.ancestor_id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER institutions_tree_move;
DROP TRIGGER institutions_tree_insert;
DROP TABLE institution_tree;
