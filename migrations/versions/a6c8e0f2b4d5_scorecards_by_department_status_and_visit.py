"""scorecards by department, status and visit time

Revision ID: a6c8e0f2b4d5
Revises: e5a7c9b1d3f4
Create Date: 2026-12-02 16:20:00

A report over a period reads the approved cards of a subtree visited on the days at the period's
edges (item failure rates, the training effect). With the visit time in the index those cards
are a range per department; before, every approved card of each department was read and
filtered (a region over six months and 19 edge days: 101 ms down to 40 ms on SQLite). The index
replaces the one on department and status, which is its prefix.
"""

from alembic import op

revision = "a6c8e0f2b4d5"
down_revision = "e5a7c9b1d3f4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_scorecards_department_status_visited", "scorecards", ["department_id", "status", "visited_at"]
    )
    op.drop_index("ix_scorecards_department_status", table_name="scorecards")


def downgrade():
    op.create_index("ix_scorecards_department_status", "scorecards", ["department_id", "status"])
    op.drop_index("ix_scorecards_department_status_visited", table_name="scorecards")
