"""daily roll-ups for reports

Revision ID: c3a8f5e0d6b1
Revises: 5a7c3e91b2d4
Create Date: 2026-11-23 07:05:00

Reports read these small per-department-per-day sums instead of scanning every
attempt and card; the services keep them current as results arrive.
"""

import sqlalchemy as sa
from alembic import op

revision = "c3a8f5e0d6b1"
down_revision = "5a7c3e91b2d4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shop_daily",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("sum_percent", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("critical", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_shop_daily_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("department_id", "day", name=op.f("pk_shop_daily")),
    )
    op.create_index(op.f("ix_shop_daily_day"), "shop_daily", ["day"])
    op.create_table(
        "quiz_daily",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sum_percent", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_quiz_daily_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("department_id", "day", name=op.f("pk_quiz_daily")),
    )
    op.create_index(op.f("ix_quiz_daily_day"), "quiz_daily", ["day"])
    # An attempt counts for the department its person belonged to when they finished it.
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE quiz_attempts SET department_id = (SELECT u.department_id FROM users u WHERE u.id = quiz_attempts.user_id)"
    )
    # Results recorded before the roll-ups existed.
    day = "date({})" if op.get_bind().dialect.name == "sqlite" else "CAST({} AS DATE)"
    op.execute(
        f"""
        INSERT INTO shop_daily (department_id, day, cards, scored, sum_percent, passed, critical, late)
        SELECT department_id, {day.format("visited_at")}, COUNT(*), COUNT(total_percent), COALESCE(SUM(total_percent), 0),
               SUM(CASE WHEN passed THEN 1 ELSE 0 END), SUM(CASE WHEN critical_failed THEN 1 ELSE 0 END),
               SUM(CASE WHEN late THEN 1 ELSE 0 END)
        FROM scorecards WHERE status = 'approved' AND visited_at IS NOT NULL
        GROUP BY department_id, {day.format("visited_at")}
        """
    )
    op.execute(
        f"""
        INSERT INTO quiz_daily (department_id, day, attempts, sum_percent, passed)
        SELECT a.department_id, {day.format("a.finished_at")}, COUNT(*), COALESCE(SUM(a.percent), 0),
               SUM(CASE WHEN a.passed THEN 1 ELSE 0 END)
        FROM quiz_attempts a
        WHERE a.status = 'finished' AND a.finished_at IS NOT NULL AND a.department_id IS NOT NULL
        GROUP BY a.department_id, {day.format("a.finished_at")}
        """
    )


def downgrade():
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.drop_column("department_id")
    op.drop_index(op.f("ix_quiz_daily_day"), table_name="quiz_daily")
    op.drop_table("quiz_daily")
    op.drop_index(op.f("ix_shop_daily_day"), table_name="shop_daily")
    op.drop_table("shop_daily")
