"""drop page_generation: the whole-page cache is gone

Revision ID: b20f4d6e8a12
Revises: a19e3c5b7d90
Create Date: 2026-12-06 21:30:00

Pages are rendered afresh on every request; nothing reads or moves the page generation any more.
"""

import sqlalchemy as sa
from alembic import op

revision = "b20f4d6e8a12"
down_revision = "a19e3c5b7d90"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("page_generation")


def downgrade():
    table = op.create_table(
        "page_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "n": 0}])
