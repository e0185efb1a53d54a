"""the regrade decision of a quiz version

Revision ID: b6741572294b
Revises: c4e6a8b0d2f4
Create Date: 2026-12-07 00:10:00

A version published from files may change the answer key; its regrade is offered (editor and
content import --regrade) until someone applies or declines it, once.
"""

import sqlalchemy as sa
from alembic import op

revision = "b6741572294b"
down_revision = "c4e6a8b0d2f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("content_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regrade", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("content_versions", schema=None) as batch_op:
        batch_op.drop_column("regrade")
