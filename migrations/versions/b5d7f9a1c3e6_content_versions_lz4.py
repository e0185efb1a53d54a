"""content versions compressed with lz4 on PostgreSQL

Revision ID: b5d7f9a1c3e6
Revises: a3c5e7f9b1d4
Create Date: 2026-11-23 15:00:00

A content version carries its source, parsed data and rendered HTML, tens of kilobytes each.
PostgreSQL's default compression (pglz) took half of a 2,000-file import's database time; lz4
stores the same values about twice as fast. Servers built without lz4, and SQLite, are left as they are.
"""

from alembic import op
from sqlalchemy import text

revision = "b5d7f9a1c3e6"
down_revision = "a3c5e7f9b1d4"
branch_labels = None
depends_on = None

COLUMNS = ("source", "data", "html")


def _lz4_available(bind) -> bool:
    if bind.dialect.name != "postgresql":
        return False
    return bool(
        bind.execute(
            text(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
            )
        ).scalar()
    )


def _set(method: str) -> None:
    bind = op.get_bind()
    if _lz4_available(bind):
        for column in COLUMNS:
            op.execute(f"ALTER TABLE content_versions ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade():
    _set("lz4")


def downgrade():
    _set("pglz")
