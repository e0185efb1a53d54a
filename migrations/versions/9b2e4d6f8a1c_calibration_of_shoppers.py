"""calibration of shoppers (exercises, the expert's reference, the shoppers' blind answers), and the
employee's receipt of each approved card about them, and the managers' actions after failed cards

Revision ID: 9b2e4d6f8a1c
Revises: a9d4e2c7f1b8
Create Date: 2026-12-07 00:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9b2e4d6f8a1c"
down_revision = "a9d4e2c7f1b8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("checklist_version_id", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checklist_version_id"],
            ["content_versions.id"],
            name=op.f("fk_calibrations_checklist_version_id_content_versions"),
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_calibrations_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibrations")),
    )
    op.create_index(op.f("ix_calibrations_checklist_version_id"), "calibrations", ["checklist_version_id"])
    op.create_index(op.f("ix_calibrations_created_at"), "calibrations", ["created_at"])
    op.create_table(
        "calibration_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calibration_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("answer", sa.String(length=3), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["calibration_id"],
            ["calibrations.id"],
            name=op.f("fk_calibration_references_calibration_id_calibrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_references")),
        sa.UniqueConstraint("calibration_id", "item_id", name=op.f("uq_calibration_references_calibration_id")),
    )
    op.create_index(op.f("ix_calibration_references_calibration_id"), "calibration_references", ["calibration_id"])
    op.create_table(
        "calibration_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calibration_id", sa.Integer(), nullable=False),
        sa.Column("shopper_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calibration_id"],
            ["calibrations.id"],
            name=op.f("fk_calibration_responses_calibration_id_calibrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["shopper_id"], ["users.id"], name=op.f("fk_calibration_responses_shopper_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_responses")),
        sa.UniqueConstraint("calibration_id", "shopper_id", name=op.f("uq_calibration_responses_calibration_id")),
    )
    op.create_index(op.f("ix_calibration_responses_calibration_id"), "calibration_responses", ["calibration_id"])
    op.create_index(op.f("ix_calibration_responses_shopper_id"), "calibration_responses", ["shopper_id"])
    op.create_index(op.f("ix_calibration_responses_submitted_at"), "calibration_responses", ["submitted_at"])
    op.create_table(
        "calibration_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("answer", sa.String(length=3), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["calibration_responses.id"],
            name=op.f("fk_calibration_answers_response_id_calibration_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_answers")),
        sa.UniqueConstraint("response_id", "item_id", name=op.f("uq_calibration_answers_response_id")),
    )
    op.create_index(op.f("ix_calibration_answers_response_id"), "calibration_answers", ["response_id"])

    op.create_table(
        "card_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["scorecards.id"], name=op.f("fk_card_acknowledgements_card_id_scorecards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["employee_id"], ["users.id"], name=op.f("fk_card_acknowledgements_employee_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_acknowledgements")),
        sa.UniqueConstraint("card_id", name=op.f("uq_card_acknowledgements_card_id")),
    )
    op.create_index(op.f("ix_card_acknowledgements_employee_id"), "card_acknowledgements", ["employee_id"])

    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["scorecards.id"], name=op.f("fk_actions_card_id_scorecards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_actions_closed_by_id_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_actions_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint("card_id", name=op.f("uq_actions_card_id")),
    )
    op.create_index(op.f("ix_actions_department_id"), "actions", ["department_id"])
    op.create_index(op.f("ix_actions_due_on"), "actions", ["due_on"])
    op.create_index(op.f("ix_actions_status"), "actions", ["status"])


def downgrade():
    op.drop_index(op.f("ix_actions_status"), table_name="actions")
    op.drop_index(op.f("ix_actions_due_on"), table_name="actions")
    op.drop_index(op.f("ix_actions_department_id"), table_name="actions")
    op.drop_table("actions")
    op.drop_index(op.f("ix_card_acknowledgements_employee_id"), table_name="card_acknowledgements")
    op.drop_table("card_acknowledgements")
    op.drop_index(op.f("ix_calibration_answers_response_id"), table_name="calibration_answers")
    op.drop_table("calibration_answers")
    op.drop_index(op.f("ix_calibration_responses_submitted_at"), table_name="calibration_responses")
    op.drop_index(op.f("ix_calibration_responses_shopper_id"), table_name="calibration_responses")
    op.drop_index(op.f("ix_calibration_responses_calibration_id"), table_name="calibration_responses")
    op.drop_table("calibration_responses")
    op.drop_index(op.f("ix_calibration_references_calibration_id"), table_name="calibration_references")
    op.drop_table("calibration_references")
    op.drop_index(op.f("ix_calibrations_created_at"), table_name="calibrations")
    op.drop_index(op.f("ix_calibrations_checklist_version_id"), table_name="calibrations")
    op.drop_table("calibrations")
