"""person and status indexes

Revision ID: f7a1c3e5b9d2
Revises: e4f2a6b8c1d3
Create Date: 2026-11-23 12:30:00

A person's finished attempts and approved cards are read on every dashboard and employee report.
With only the status index SQLite walked every finished attempt of the company to find them.
"""

from alembic import op

revision = "f7a1c3e5b9d2"
down_revision = "e4f2a6b8c1d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_quiz_attempts_user_status", "quiz_attempts", ["user_id", "status"])
    op.create_index("ix_scorecards_employee_status", "scorecards", ["employee_id", "status"])


def downgrade():
    op.drop_index("ix_scorecards_employee_status", table_name="scorecards")
    op.drop_index("ix_quiz_attempts_user_status", table_name="quiz_attempts")
