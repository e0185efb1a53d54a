"""item failures per department and month, for item failure rates over a period

Revision ID: d3f5b7c9e1a2
Revises: c7e9a1b3d5f7
Create Date: 2026-12-02 01:10:00

Filled here from the approved cards' answers; from then on app/rollups/ keeps it as
cards are approved, disputed and regraded.
"""

import sqlalchemy as sa
from alembic import op

revision = "d3f5b7c9e1a2"
down_revision = "c7e9a1b3d5f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_monthly",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("applicable", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_item_monthly_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("department_id", "day", "item_id", "skill", name=op.f("pk_item_monthly")),
    )
    if op.get_bind().dialect.name == "sqlite":
        month = "date(s.visited_at, 'start of month')"
    else:
        month = "CAST(date_trunc('month', s.visited_at) AS DATE)"
    op.execute(
        f"""
        INSERT INTO item_monthly (department_id, day, item_id, skill, failed, applicable)
        SELECT s.department_id, {month}, a.item_id, COALESCE(a.skill, ''),
               SUM(CASE WHEN a.answer = 'no' THEN 1 ELSE 0 END), COUNT(*)
        FROM scorecards s JOIN scorecard_answers a ON a.card_id = s.id
        WHERE s.status = 'approved' AND s.visited_at IS NOT NULL AND a.answer IN ('yes', 'no')
        GROUP BY s.department_id, {month}, a.item_id, COALESCE(a.skill, '')
        """
    )


def downgrade():
    op.drop_table("item_monthly")
