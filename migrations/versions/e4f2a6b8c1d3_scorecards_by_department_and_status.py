"""scorecards by department and status

Revision ID: e4f2a6b8c1d3
Revises: b9e1c4d2a7f0
Create Date: 2026-11-23 12:00:00

Department pages read the approved cards of one subtree (item failure rates, the training
effect); with this index they no longer walk every approved card of the company.
"""

from alembic import op

revision = "e4f2a6b8c1d3"
down_revision = "b9e1c4d2a7f0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_scorecards_department_status", "scorecards", ["department_id", "status"])


def downgrade():
    op.drop_index("ix_scorecards_department_status", table_name="scorecards")
