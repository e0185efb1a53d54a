"""the regrade decision of a quiz version

Revision ID: b6741572294b
Revises: c4e6a8b0d2f4
Create Date: 2026-12-07 00:10:00

A version published from files may change the answer key; its regrade is offered (editor and
content import --regrade) until someone applies or declines it, once. The choices made in the
editor before this revision (recorded in the audit log) are carried over.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "b6741572294b"
down_revision = "c4e6a8b0d2f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("content_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regrade", sa.String(length=16), nullable=True))
    conn = op.get_bind()
    decided = conn.execute(
        sa.text(
            "SELECT action, object_id, after FROM audit_log WHERE object_type = 'quiz' "
            "AND action IN ('content.regrade', 'content.regrade_skipped') ORDER BY id"
        )
    ).all()
    for action, slug, after in decided:
        after = json.loads(after) if isinstance(after, str) else after
        number = (after or {}).get("version")
        if number is None:
            continue
        conn.execute(
            sa.text(
                "UPDATE content_versions SET regrade = :regrade WHERE number = :number AND item_id = "
                "(SELECT id FROM content_items WHERE kind = 'quiz' AND slug = :slug)"
            ),
            {"regrade": "applied" if action == "content.regrade" else "kept", "number": number, "slug": slug},
        )


def downgrade():
    with op.batch_alter_table("content_versions", schema=None) as batch_op:
        batch_op.drop_column("regrade")
