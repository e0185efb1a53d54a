"""trust: a per-person session version, HR's department scope, the body an Idempotency-Key was used with

Revision ID: a19e3c5b7d90
Revises: b7d9f1a3c5e6
Create Date: 2026-12-06 21:10:00

- users.session_version: every session cookie carries the version it was signed in at; sign-out,
  a password change or reset, deactivation and "sign out everywhere" move it, which ends every
  session of that person at once.
- users.scope_department_id: an HR person limited to one department subtree (NULL: the whole company).
- scorecards.idempotency_fingerprint: a hash of the body first sent with an Idempotency-Key, so the
  same key with a different body is refused instead of replaying the first card.
"""

import sqlalchemy as sa
from alembic import op

revision = "a19e3c5b7d90"
down_revision = "b7d9f1a3c5e6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("scope_department_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_users_scope_department_id_departments"), "departments", ["scope_department_id"], ["id"]
        )
    with op.batch_alter_table("scorecards") as batch:
        batch.add_column(sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("scorecards") as batch:
        batch.drop_column("idempotency_fingerprint")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("fk_users_scope_department_id_departments"), type_="foreignkey")
        batch.drop_column("scope_department_id")
        batch.drop_column("session_version")
