"""monthly and per-skill roll-ups, course status

Revision ID: a3c5e7f9b1d4
Revises: f7a1c3e5b9d2
Create Date: 2026-11-23 14:19:49

A company report summed a row per department and day, a skills heatmap read every answer of
every attempt, and assigned/completed/overdue expanded every department assignment per request.
Monthly and all-time roll-ups, per-skill roll-ups, item failure totals, the training effect per person and a maintained row per (person, assigned course) replace
that; the upgrade fills them from the base tables.
"""

import sqlalchemy as sa
from alembic import op

revision = "a3c5e7f9b1d4"
down_revision = 'f7a1c3e5b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_status',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_item_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'course_item_id', name=op.f('pk_course_status'))
    )
    with op.batch_alter_table('course_status', schema=None) as batch_op:
        batch_op.create_index('ix_course_status_department', ['department_id', 'done', 'due_on'], unique=False)

    op.create_table('quiz_monthly',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sum_percent', sa.Float(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_quiz_monthly_department_id_departments')),
    sa.PrimaryKeyConstraint('department_id', 'day', name=op.f('pk_quiz_monthly'))
    )
    with op.batch_alter_table('quiz_monthly', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_monthly_day'), ['day'], unique=False)

    op.create_table('shop_monthly',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('cards', sa.Integer(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('sum_percent', sa.Float(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('critical', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_shop_monthly_department_id_departments')),
    sa.PrimaryKeyConstraint('department_id', 'day', name=op.f('pk_shop_monthly'))
    )
    with op.batch_alter_table('shop_monthly', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_monthly_day'), ['day'], unique=False)

    op.create_table('skill_daily',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('skill', sa.String(length=100), nullable=False),
    sa.Column('quiz_answers', sa.Integer(), nullable=False),
    sa.Column('quiz_correct', sa.Integer(), nullable=False),
    sa.Column('shop_items', sa.Integer(), nullable=False),
    sa.Column('shop_passed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_skill_daily_department_id_departments')),
    sa.PrimaryKeyConstraint('department_id', 'day', 'skill', name=op.f('pk_skill_daily'))
    )
    with op.batch_alter_table('skill_daily', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_daily_day'), ['day'], unique=False)

    op.create_table('skill_monthly',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('skill', sa.String(length=100), nullable=False),
    sa.Column('quiz_answers', sa.Integer(), nullable=False),
    sa.Column('quiz_correct', sa.Integer(), nullable=False),
    sa.Column('shop_items', sa.Integer(), nullable=False),
    sa.Column('shop_passed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_skill_monthly_department_id_departments')),
    sa.PrimaryKeyConstraint('department_id', 'day', 'skill', name=op.f('pk_skill_monthly'))
    )
    with op.batch_alter_table('skill_monthly', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_monthly_day'), ['day'], unique=False)

    op.create_table(
        "shop_total",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("sum_percent", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("critical", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_shop_total_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_shop_total")),
    )
    op.create_table(
        "quiz_total",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sum_percent", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_quiz_total_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_quiz_total")),
    )
    op.create_table(
        "skill_total",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.Column("quiz_answers", sa.Integer(), nullable=False),
        sa.Column("quiz_correct", sa.Integer(), nullable=False),
        sa.Column("shop_items", sa.Integer(), nullable=False),
        sa.Column("shop_passed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_skill_total_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("department_id", "skill", name=op.f("pk_skill_total")),
    )
    op.create_table(
        "item_total",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("applicable", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_item_total_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("department_id", "item_id", "skill", name=op.f("pk_item_total")),
    )
    op.create_table(
        "effect_person",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("before_items", sa.Integer(), nullable=False),
        sa.Column("before_passed", sa.Integer(), nullable=False),
        sa.Column("after_items", sa.Integer(), nullable=False),
        sa.Column("after_passed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("employee_id", "department_id", "skill", name=op.f("pk_effect_person")),
    )
    op.create_index("ix_effect_person_department", "effect_person", ["department_id"])
    # The new tables are filled by revision c4e6a8b0d2f4, which recomputes every roll-up with the
    # figures' one definition (app/rollups/figures.py) once all of its tables exist.


def downgrade():
    op.drop_index("ix_effect_person_department", table_name="effect_person")
    op.drop_table("effect_person")
    op.drop_table("item_total")
    op.drop_table("skill_total")
    op.drop_table("quiz_total")
    op.drop_table("shop_total")
    with op.batch_alter_table('skill_monthly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skill_monthly_day'))

    op.drop_table('skill_monthly')
    with op.batch_alter_table('skill_daily', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skill_daily_day'))

    op.drop_table('skill_daily')
    with op.batch_alter_table('shop_monthly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_monthly_day'))

    op.drop_table('shop_monthly')
    with op.batch_alter_table('quiz_monthly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_monthly_day'))

    op.drop_table('quiz_monthly')
    with op.batch_alter_table('course_status', schema=None) as batch_op:
        batch_op.drop_index('ix_course_status_department')

    op.drop_table('course_status')
