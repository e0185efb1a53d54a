"""page generation: one number that moves with every writing transaction

Revision ID: c7e9a1b3d5f7
Revises: b5d7f9a1c3e6
Create Date: 2026-12-02 01:00:00

Kept pages (app/core/pagecache.py) are current while this number has not moved since they were
rendered; every transaction that writes moves it as it commits.
"""

import sqlalchemy as sa
from alembic import op

revision = "c7e9a1b3d5f7"
down_revision = "b5d7f9a1c3e6"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "page_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "n": 0}])


def downgrade():
    op.drop_table("page_generation")
