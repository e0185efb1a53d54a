"""question skills for per-skill reports

Revision ID: 5a7c3e91b2d4
Revises: d19eb940a62c
Create Date: 2026-11-23 07:10:00

"""

import json

import sqlalchemy as sa
from alembic import op

revision = "5a7c3e91b2d4"
down_revision = "d19eb940a62c"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "question_skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=16), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["content_versions.id"], name=op.f("fk_question_skills_version_id_content_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_skills")),
        sa.UniqueConstraint("version_id", "question_key", name=op.f("uq_question_skills_version_id")),
    )
    op.create_index(op.f("ix_question_skills_version_id"), "question_skills", ["version_id"])
    op.create_index(op.f("ix_question_skills_skill"), "question_skills", ["skill"])
    # Quiz versions stored before this table existed get their rows from the stored question data.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT v.id, v.data FROM content_versions v JOIN content_items i ON i.id = v.item_id WHERE i.kind = 'quiz'"
        )
    ).all()
    values = []
    for version_id, data in rows:
        if isinstance(data, str):
            data = json.loads(data)
        for question in (data or {}).get("questions", []):
            if question.get("skill"):
                values.append({"version_id": version_id, "question_key": question["key"], "skill": question["skill"]})
    if values:
        op.bulk_insert(table, values)


def downgrade():
    op.drop_index(op.f("ix_question_skills_skill"), table_name="question_skills")
    op.drop_index(op.f("ix_question_skills_version_id"), table_name="question_skills")
    op.drop_table("question_skills")
