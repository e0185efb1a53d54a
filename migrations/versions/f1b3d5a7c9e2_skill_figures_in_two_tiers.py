"""skill figures in two tiers: drop skill_total, sum skill_monthly through a covering index

Revision ID: f1b3d5a7c9e2
Revises: d5e7f9a1b3c6
Create Date: 2026-12-07 03:00:00

Issue 20 allows no figure more than two tiers. Skills had three (day, month, all time); the all-time
rows were only ever the sums of the monthly ones, so the skills heatmap over all time now adds up
skill_monthly per department and skill. The index holds every column of skill_monthly in the order
of that sum, so SQLite reads it alone, without a sort or a visit to the table. Nothing is lost: the
downgrade fills skill_total again from the months.
"""

import sqlalchemy as sa
from alembic import op

revision = "f1b3d5a7c9e2"
down_revision = "d5e7f9a1b3c6"
branch_labels = None
depends_on = None

MEASURES = ("quiz_answers", "quiz_correct", "shop_items", "shop_passed")


def upgrade():
    op.drop_table("skill_total")
    op.create_index("ix_skill_monthly_sums", "skill_monthly", ["department_id", "skill", "day", *MEASURES])


def downgrade():
    op.drop_index("ix_skill_monthly_sums", table_name="skill_monthly")
    op.create_table(
        "skill_total",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_skill_total_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("department_id", "skill", name=op.f("pk_skill_total")),
    )
    sums = ", ".join(f"SUM({m})" for m in MEASURES)
    op.execute(
        f"INSERT INTO skill_total (department_id, skill, {', '.join(MEASURES)}) "
        f"SELECT department_id, skill, {sums} FROM skill_monthly GROUP BY department_id, skill"
    )
