"""a department's active people, in one index

Revision ID: b8d0f2a4c6e9
Revises: a7c9e1b3d5f8
Create Date: 2026-12-07 04:15:00

Every report counts the active people of each department (the company report: all of them). The index
on department_id found the rows, then each row was read from the table for ``active``: 5.3 ms on the
large demo data (SQLite). With ``active`` in the index the count is read from the index alone (1.3 ms).
The new index serves every query of the old one, which it replaces.
"""

from alembic import op

revision = "b8d0f2a4c6e9"
down_revision = "a7c9e1b3d5f8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.create_index("ix_users_department_active", ["department_id", "active"])
        batch_op.drop_index("ix_users_department_id")


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.create_index("ix_users_department_id", ["department_id"])
        batch_op.drop_index("ix_users_department_active")
