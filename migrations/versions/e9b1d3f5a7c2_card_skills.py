"""each approved card's result per skill, for the training effect

Revision ID: e9b1d3f5a7c2
Revises: d7a9b1c3e5f8
Create Date: 2026-12-07 23:30:00

Filled here from the approved cards and their answers; from then on app/rollups/ recomputes a card's
rows whenever the card is reviewed or its answers change.
"""

import sqlalchemy as sa
from alembic import op

revision = "e9b1d3f5a7c2"
down_revision = "d7a9b1c3e5f8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_skills",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("visited_at", sa.DateTime(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["scorecards.id"], name=op.f("fk_card_skills_card_id_scorecards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("card_id", "skill", name=op.f("pk_card_skills")),
    )
    op.create_index("ix_card_skills_visited_at", "card_skills", ["visited_at"])
    op.create_index("ix_card_skills_department_id", "card_skills", ["department_id"])
    from app.rollups import refresh_card_skills

    refresh_card_skills(None, op.get_bind())


def downgrade():
    op.drop_index("ix_card_skills_department_id", table_name="card_skills")
    op.drop_index("ix_card_skills_visited_at", table_name="card_skills")
    op.drop_table("card_skills")
