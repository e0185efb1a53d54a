"""notices: withdrawn_at, when what a notice announced was taken back

Revision ID: 8ea40201e7aa
Revises: b6741572294b
Create Date: 2026-12-07 00:20:00

A course the training loop assigned after a failed shop item is withdrawn when the item is
overturned (a dispute accepted); the notice that announced it stays, marked withdrawn, and a new
notice says so. The person's stored language is the existing ``users.locale``.
"""

import sqlalchemy as sa
from alembic import op

revision = "8ea40201e7aa"
down_revision = "b6741572294b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("withdrawn_at")
