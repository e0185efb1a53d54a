"""The SQL that fills the department tree from departments.parent_id (both engines); the migration
that made the table holds its own copy."""

# Only departments reachable from a top-level one are walked, so a cycle of parents written past the
# services cannot make the walk endless: its departments keep their own row (depth 0) and their name.
FILL_TREE = """
WITH RECURSIVE reach(id) AS (
    SELECT id FROM departments WHERE parent_id IS NULL
    UNION SELECT d.id FROM departments d JOIN reach r ON d.parent_id = r.id
), tree(ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM departments
    UNION ALL
    SELECT t.ancestor_id, d.id, t.depth + 1 FROM tree t
    JOIN departments d ON d.parent_id = t.descendant_id
    WHERE d.id IN (SELECT id FROM reach)
)
INSERT INTO department_tree (ancestor_id, descendant_id, depth) SELECT ancestor_id, descendant_id, depth FROM tree
"""
FILL_PATHS = """
WITH RECURSIVE walk(id, path) AS (
    SELECT id, CAST(name AS TEXT) FROM departments WHERE parent_id IS NULL
    UNION ALL SELECT d.id, w.path || '/' || d.name FROM departments d JOIN walk w ON d.parent_id = w.id
)
UPDATE departments SET path = COALESCE((SELECT w.path FROM walk w WHERE w.id = departments.id), name)
"""
