"""HR's review queue in index order

Revision ID: c4e6a8b0d2f1
Revises: c3e5a7b9d1f2
Create Date: 2026-12-07 06:00:00

The review queue shows a status's cards newest submission first, 25 at a time. With an index on the
status alone, each request read every card of the status and sorted them: 2.3 ms for the 581 cards to
review on the large demo data (SQLite) and 76 ms for its 99,419 approved ones (28 ms on PostgreSQL).
With (status, submitted_at, id) the page is read in the index's order (0.07 ms). The employee and the
approval time come last so that the counts of the approved cards' states (the employees' copies) read
the index and not the table (78 ms against 318 ms on the same data). The new index serves every query
of the status index, which it replaces.
"""

from alembic import op

revision = "c4e6a8b0d2f1"
down_revision = "c3e5a7b9d1f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scorecards") as batch_op:
        batch_op.create_index(
            "ix_scorecards_status_submitted", ["status", "submitted_at", "id", "employee_id", "approved_at"]
        )
        batch_op.drop_index("ix_scorecards_status")


def downgrade():
    with op.batch_alter_table("scorecards") as batch_op:
        batch_op.create_index("ix_scorecards_status", ["status"])
        batch_op.drop_index("ix_scorecards_status_submitted")
