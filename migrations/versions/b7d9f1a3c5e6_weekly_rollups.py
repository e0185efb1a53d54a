"""weekly roll-ups of shop, quiz and skill figures

Revision ID: b7d9f1a3c5e6
Revises: a6c8e0f2b4d5
Create Date: 2026-12-02 16:05:00

A report over a period that starts or ends inside a month reads up to half a month of daily rows
at each edge; the whole weeks among those days now come from a weekly row instead of seven daily
ones. Filled here from the daily tables; from then on app/rollups/ keeps them with the
others as results arrive.
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d9f1a3c5e6"
down_revision = "a6c8e0f2b4d5"
branch_labels = None
depends_on = None

FIGURES = {
    "shop": [
        ("cards", sa.Integer()),
        ("scored", sa.Integer()),
        ("sum_percent", sa.Float()),
        ("passed", sa.Integer()),
        ("critical", sa.Integer()),
        ("late", sa.Integer()),
    ],
    "quiz": [("attempts", sa.Integer()), ("sum_percent", sa.Float()), ("passed", sa.Integer())],
    "skill": [
        ("quiz_answers", sa.Integer()),
        ("quiz_correct", sa.Integer()),
        ("shop_items", sa.Integer()),
        ("shop_passed", sa.Integer()),
    ],
}


def upgrade():
    for kind, figures in FIGURES.items():
        table = f"{kind}_weekly"
        keys = ["department_id", "day", *(["skill"] if kind == "skill" else [])]
        op.create_table(
            table,
            sa.Column("department_id", sa.Integer(), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            *([sa.Column("skill", sa.String(length=100), nullable=False)] if kind == "skill" else []),
            *(sa.Column(name, kind_, nullable=False) for name, kind_ in figures),
            sa.ForeignKeyConstraint(
                ["department_id"], ["departments.id"], name=op.f(f"fk_{table}_department_id_departments")
            ),
            sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_day"), table, ["day"])
    # Left empty: revision c4e6a8b0d2f4 drops these tables again (reports read the daily and monthly tiers).


def downgrade():
    for kind in FIGURES:
        op.drop_index(op.f(f"ix_{kind}_weekly_day"), table_name=f"{kind}_weekly")
        op.drop_table(f"{kind}_weekly")
