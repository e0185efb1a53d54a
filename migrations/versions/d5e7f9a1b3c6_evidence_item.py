"""a file of a card may belong to one of its items: a photo where the item is

Revision ID: d5e7f9a1b3c6
Revises: 9b2e4d6f8a1c
Create Date: 2026-12-07 01:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d5e7f9a1b3c6"
down_revision = "9b2e4d6f8a1c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("item_id", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("item_id")
