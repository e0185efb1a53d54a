"""course status rows by done and due date, for the company's overdue list

Revision ID: f2c4e6a8b0d3
Revises: e8b0c2d4f6a1
Create Date: 2026-12-07 19:10:00

HR's overdue list (on the assignments page) reads the earliest course status rows not done and past
due; for the whole company that is a range of this index, where it expanded every assignment to the
people it reaches (50,086 overdue pairs on the large demo data: 160-400 ms).
"""

from alembic import op

revision = "f2c4e6a8b0d3"
down_revision = "e8b0c2d4f6a1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_course_status_overdue", "course_status", ["done", "due_on"])


def downgrade():
    op.drop_index("ix_course_status_overdue", table_name="course_status")
