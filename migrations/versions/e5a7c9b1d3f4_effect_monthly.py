"""the training effect per person, skill and month, for the training effect over a period

Revision ID: e5a7c9b1d3f4
Revises: d3f5b7c9e1a2
Create Date: 2026-12-02 14:00:00

Filled here from the approved cards and the course completions (with effect_person, recomputed
alongside); from then on app/rollups/ keeps both as cards, disputes and completions arrive.
"""

import sqlalchemy as sa
from alembic import op

revision = "e5a7c9b1d3f4"
down_revision = "d3f5b7c9e1a2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "effect_monthly",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("before_items", sa.Integer(), nullable=False),
        sa.Column("before_passed", sa.Integer(), nullable=False),
        sa.Column("after_items", sa.Integer(), nullable=False),
        sa.Column("after_passed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("employee_id", "department_id", "skill", "day", name=op.f("pk_effect_monthly")),
    )
    op.create_index("ix_effect_monthly_department_day", "effect_monthly", ["department_id", "day"])
    from app.rollups import refresh_effect

    refresh_effect(None, op.get_bind())


def downgrade():
    op.drop_index("ix_effect_monthly_department_day", table_name="effect_monthly")
    op.drop_table("effect_monthly")
