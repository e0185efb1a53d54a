"""daily practice: each learner's FSRS schedule per practice item, and every practice answer

Revision ID: a9d4e2c7f1b8
Revises: 8ea40201e7aa
Create Date: 2026-12-07 00:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a9d4e2c7f1b8"
down_revision = "8ea40201e7aa"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "practice_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=140), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=True),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("last_review", sa.DateTime(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_practice_cards_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_cards")),
        sa.UniqueConstraint("user_id", "item_key", name=op.f("uq_practice_cards_user_id")),
    )
    op.create_index(op.f("ix_practice_cards_user_id"), "practice_cards", ["user_id"])
    op.create_index(op.f("ix_practice_cards_skill"), "practice_cards", ["skill"])
    op.create_index("ix_practice_cards_user_due", "practice_cards", ["user_id", "due"])
    op.create_table(
        "practice_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["practice_cards.id"],
            name=op.f("fk_practice_reviews_card_id_practice_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_practice_reviews_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_reviews")),
        sa.UniqueConstraint("user_id", "token", name=op.f("uq_practice_reviews_user_id")),
    )
    op.create_index(op.f("ix_practice_reviews_card_id"), "practice_reviews", ["card_id"])
    op.create_index("ix_practice_reviews_skill_reviewed", "practice_reviews", ["skill", "reviewed_at"])
    op.create_index("ix_practice_reviews_user_reviewed", "practice_reviews", ["user_id", "reviewed_at"])


def downgrade():
    op.drop_table("practice_reviews")
    op.drop_table("practice_cards")
