"""the items each content version names, for "where is this used"

Revision ID: e8b0c2d4f6a1
Revises: 4a313178967d
Create Date: 2026-12-07 19:00:00

The trainer's content list showed where each item is used by reading every published course and case
(2,000 items: 1.2 s a page). A version's links (a course's cases, a case's quiz) are now written with it,
as its question skills are, and the list reads those of its page's items only.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "e8b0c2d4f6a1"
down_revision = "4a313178967d"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "content_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["content_versions.id"], name=op.f("fk_content_links_version_id_content_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_links")),
    )
    op.create_index(op.f("ix_content_links_version_id"), "content_links", ["version_id"])
    op.create_index("ix_content_links_target", "content_links", ["kind", "slug"])
    # Versions stored before this table existed get their links from their stored data.
    rows = op.get_bind().execute(
        sa.text(
            "SELECT v.id, i.kind, v.data FROM content_versions v JOIN content_items i ON i.id = v.item_id"
            " WHERE i.kind IN ('course', 'case')"
        )
    )
    values = []
    for version_id, kind, data in rows:
        if isinstance(data, str):
            data = json.loads(data)
        data = data or {}
        named = [("case", slug) for slug in data.get("cases") or []] if kind == "course" else []
        if kind == "case" and data.get("quiz"):
            named.append(("quiz", data["quiz"]))
        values += [{"version_id": version_id, "kind": k, "slug": s} for k, s in dict.fromkeys(named)]
    if values:
        op.bulk_insert(table, values)


def downgrade():
    op.drop_index("ix_content_links_target", table_name="content_links")
    op.drop_index(op.f("ix_content_links_version_id"), table_name="content_links")
    op.drop_table("content_links")
