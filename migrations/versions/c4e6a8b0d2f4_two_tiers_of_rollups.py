"""roll-ups recomputed: drop the weekly shop, quiz and skill tables and the all-time shop and quiz ones

Revision ID: c4e6a8b0d2f4
Revises: c8d2e4f6a1b3
Create Date: 2026-12-06 22:10:00

Shop and quiz figures are kept per day and per month only: a report over all time adds up the
monthly rows, one over a period whole months and the days at its edges. Skill figures keep their
all-time table too (skill_total): summing every monthly skill row made the skills heatmap 6-12
times slower on the large data. Every roll-up is then
recomputed from the base tables with the figures' one definition (app/rollups/figures.py),
which also fills the tables that earlier revisions created and left empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "c4e6a8b0d2f4"
down_revision = "c8d2e4f6a1b3"
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
    for kind in FIGURES:
        op.drop_index(op.f(f"ix_{kind}_weekly_day"), table_name=f"{kind}_weekly")
        op.drop_table(f"{kind}_weekly")
        if kind != "skill":  # the skills heatmap over all time keeps its all-time rows
            op.drop_table(f"{kind}_total")
    # The roll-ups of this revision, each recomputed with its one definition; not rollups.rebuild(),
    # which also fills tables that later revisions add (course_status_counts).
    from app.rollups import refresh_effect
    from app.rollups.course_status import fill_course_status
    from app.rollups.figures import rebuild_figures

    bind = op.get_bind()
    rebuild_figures(bind)
    fill_course_status(bind)
    refresh_effect(None, bind)


def downgrade():
    dialect = op.get_bind().dialect.name
    monday = (
        "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')"
        if dialect == "sqlite"
        else "day - (CAST(EXTRACT(ISODOW FROM day) AS INTEGER) - 1)"
    )
    for kind, figures in FIGURES.items():
        skill = ["skill"] if kind == "skill" else []
        skill_column = [sa.Column("skill", sa.String(length=100), nullable=False)] if skill else []
        measures = [name for name, _type in figures]
        sums = ", ".join(f"SUM({m})" for m in measures)
        for tier, keys, source in (
            ("weekly", ["department_id", "day", *skill], f"{monday}"),
            *([("total", ["department_id", *skill], None)] if kind != "skill" else []),
        ):
            table = f"{kind}_{tier}"
            op.create_table(
                table,
                sa.Column("department_id", sa.Integer(), nullable=False),
                *([sa.Column("day", sa.Date(), nullable=False)] if tier == "weekly" else []),
                *skill_column,
                *(sa.Column(name, type_, nullable=False) for name, type_ in figures),
                sa.ForeignKeyConstraint(
                    ["department_id"], ["departments.id"], name=op.f(f"fk_{table}_department_id_departments")
                ),
                sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{table}")),
            )
            group = ", ".join(["department_id", *([source] if source else []), *skill])
            columns = ", ".join(keys)
            origin = f"{kind}_daily" if tier == "weekly" else f"{kind}_monthly"
            op.execute(f"INSERT INTO {table} ({columns}, {', '.join(measures)}) SELECT {group}, {sums} FROM {origin} GROUP BY {group}")
        op.create_index(op.f(f"ix_{kind}_weekly_day"), f"{kind}_weekly", ["day"])
