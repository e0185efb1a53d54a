"""notifications, the email outbox and recurring training

Revision ID: b9e1c4d2a7f0
Revises: c3a8f5e0d6b1
Create Date: 2026-11-23 08:00:00

Notices carry a unique key per event and period, so a reminder is recorded once however many
``notify run`` processes are at work. Assignments can repeat every N months: each round has a
number and a start, and a completion counts in a round only if it happened after the round began.
"""

import sqlalchemy as sa
from alembic import op

revision = "b9e1c4d2a7f0"
down_revision = "c3a8f5e0d6b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("email_state", sa.String(length=10), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_notices_key")),
    )
    op.create_index(op.f("ix_notices_user_id"), "notices", ["user_id"])
    op.create_index(op.f("ix_notices_created_at"), "notices", ["created_at"])
    op.create_index(op.f("ix_notices_email_state"), "notices", ["email_state"])

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_outbox_messages_notice_id_notices"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index(op.f("ix_outbox_messages_notice_id"), "outbox_messages", ["notice_id"])
    op.create_index(op.f("ix_outbox_messages_created_at"), "outbox_messages", ["created_at"])

    op.create_table(
        "email_opt_outs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_opt_outs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_email_opt_outs")),
    )

    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("repeat_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cycle", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("cycle_started_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("course_completions") as batch:
        batch.add_column(sa.Column("last_completed_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("course_completions") as batch:
        batch.drop_column("last_completed_at")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("cycle_started_at")
        batch.drop_column("cycle")
        batch.drop_column("repeat_months")
    op.drop_table("email_opt_outs")
    op.drop_index(op.f("ix_outbox_messages_created_at"), table_name="outbox_messages")
    op.drop_index(op.f("ix_outbox_messages_notice_id"), table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_index(op.f("ix_notices_email_state"), table_name="notices")
    op.drop_index(op.f("ix_notices_created_at"), table_name="notices")
    op.drop_index(op.f("ix_notices_user_id"), table_name="notices")
    op.drop_table("notices")
