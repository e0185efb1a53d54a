"""the people a department's approved cards are about, by department

Revision ID: 4a313178967d
Revises: c9e1a3b5d7f0
Create Date: 2026-12-07 15:20:00

The fairness minimum behind a team's shop average counts the people its approved cards are about,
department by department, one index step per person (app.rollups.people_counted). With only
(department_id, status, visited_at) each step read every approved card of the department.
"""

from alembic import op

revision = "4a313178967d"
down_revision = "c9e1a3b5d7f0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_scorecards_department_status_employee",
        "scorecards",
        ["department_id", "status", "employee_id", "visited_at", "total_percent"],
    )


def downgrade():
    op.drop_index("ix_scorecards_department_status_employee", table_name="scorecards")
