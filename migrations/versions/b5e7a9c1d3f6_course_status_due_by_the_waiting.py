"""course status recomputed: a course is due by the assignments still waiting for a completion

Revision ID: b5e7a9c1d3f6
Revises: a4d6f8b0c2e5
Create Date: 2026-12-07 20:20:00

A person's course used to be due at the earliest date of every assignment reaching them, so a
department assignment they had completed made the course overdue as soon as a recurring assignment
reopened it with a later date. The rule (``course_rounds`` in app/learning/assigned.py) now dates it by
the assignments still waiting for a completion in their round; the stored rows and each department's
counts are recomputed with it. No schema changes: the downgrade leaves the rows as they are.
"""

from alembic import op

revision = "b5e7a9c1d3f6"
down_revision = "a4d6f8b0c2e5"
branch_labels = None
depends_on = None


def upgrade():
    # Both tables recomputed with the rule's one statement (course_status_select), as a rebuild does.
    from app.rollups.course_status import rebuild_course_status

    rebuild_course_status(op.get_bind())


def downgrade():
    pass
