"""department tree: a closure table and each department's path

Revision ID: c8d2e4f6a1b3
Revises: b20f4d6e8a12
Create Date: 2026-12-06 22:00:00

The department tree was walked in Python, from session caches, in seven ways. It is now one table the
database can join on, department_tree(ancestor_id, descendant_id, depth), and a path column, both
written only by the people services; here they are filled from departments.parent_id.
"""

import sqlalchemy as sa
from alembic import op

revision = "c8d2e4f6a1b3"
down_revision = "b20f4d6e8a12"
branch_labels = None
depends_on = None

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


def upgrade():
    op.create_table(
        "department_tree",
        sa.Column("ancestor_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("descendant_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ancestor_id", "descendant_id"),
    )
    op.create_index("ix_department_tree_descendant_id", "department_tree", ["descendant_id"])
    op.add_column("departments", sa.Column("path", sa.Text(), nullable=False, server_default=""))
    op.execute(FILL_TREE)
    op.execute(FILL_PATHS)


def downgrade():
    op.drop_index("ix_department_tree_descendant_id", table_name="department_tree")
    op.drop_table("department_tree")
    op.execute("ALTER TABLE departments DROP COLUMN path")  # both engines (SQLite 3.35+), no table rebuild
