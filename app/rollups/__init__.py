"""Sums of results per department, per day and per month, recomputed from the base rows as results change.

Reports add these small rows up instead of scanning every attempt, answer and card, so a company
report costs the same with a thousand results or a million. Each figure is defined once, in
:mod:`.figures`, as the SQL that computes it; a full rebuild runs that SQL over everything, and a
change runs it again for the keys it touched (:func:`refresh_card`, :func:`refresh_attempt`,
:func:`refresh_keys`), replacing those rows. Nothing is ever nudged by a difference, so repeats,
retries and races converge on what a rebuild gives.

It learns of changes by signals (:func:`connect_signals`, called by ``create_app``): the services
that make them never import it. The package imports no feature package at import time: the tables
are its own, the figures read the base tables by name, and the course status and training effect
hooks load the models they recompute from only when they run.
"""

from __future__ import annotations

from app.core import signals
from app.extensions import db
from app.learning.assigned import reached_user_ids
from app.rollups.card_skills import CardSkill, refresh_card_skills
from app.rollups.course_status import (
    CourseStatus,
    CourseStatusCount,
    lock_membership,
    rebuild_course_status,
    refresh_course_status,
)
from app.rollups.effect import (
    EFFECT_FIGURES,
    EFFECT_KEYS,
    EffectMonthly,
    EffectPerson,
    course_skill_pairs,
    effect_select,
    refresh_effect,
)
from app.rollups.figures import (
    FIGURES,
    item_rows_between,
    people_counted,
    rebuild_figures,
    refresh_attempt,
    refresh_card,
    refresh_keys,
)
from app.rollups.periods import cover_by_months, dated_rows, period_rows
from app.rollups.tables import (
    MEASURES,
    TIERS,
    ItemMonthly,
    ItemTotal,
    QuizDaily,
    QuizMonthly,
    ShopDaily,
    ShopMonthly,
    SkillDaily,
    SkillMonthly,
    average,
)

__all__ = [
    "EFFECT_FIGURES",
    "EFFECT_KEYS",
    "FIGURES",
    "MEASURES",
    "TIERS",
    "CardSkill",
    "CourseStatus",
    "CourseStatusCount",
    "EffectMonthly",
    "EffectPerson",
    "ItemMonthly",
    "ItemTotal",
    "QuizDaily",
    "QuizMonthly",
    "ShopDaily",
    "ShopMonthly",
    "SkillDaily",
    "SkillMonthly",
    "average",
    "course_skill_pairs",
    "connect_signals",
    "cover_by_months",
    "dated_rows",
    "effect_select",
    "item_rows_between",
    "people_counted",
    "period_rows",
    "rebuild",
    "rebuild_course_status",
    "refresh_attempt",
    "refresh_card",
    "refresh_card_skills",
    "refresh_course_status",
    "refresh_effect",
    "refresh_keys",
]


def rebuild(connection=None) -> None:
    """Recompute every roll-up row from the cards, attempts and assignments (after a bulk load, or to repair)."""
    if connection is None:
        db.session.flush()
        connection = db.session.connection()
    rebuild_figures(connection)
    rebuild_course_status(connection)
    refresh_effect(None, connection)
    refresh_card_skills(None, connection)


def _attempts_regraded(attempts, **_) -> None:
    """Every (department, day) the regraded attempts were finished in, recomputed once for them all."""
    keys = {(a.department_id, a.finished_at.date() if a.finished_at else None) for a in attempts}
    refresh_keys(keys, ("attempt",))


def _card_reviewed(card, **_) -> None:
    """The card's department and day recomputed and, once approved, the training effect of the person
    observed and the card's rows per skill: the review moved the card's status by an UPDATE that the session
    hooks do not see. The person's lock is taken before the department's, as a finished quiz takes them (see
    course_status.PEOPLE_LOCK_SPACE): the other order let the two wait for each other."""
    approved = card.status == "approved"
    if approved and card.employee_id is not None:
        refresh_effect([card.employee_id])
    refresh_card(card)
    if approved:  # a card is reviewed from submitted, which has no rows: a return or rejection leaves none
        refresh_card_skills([card.id])


def _dispute_settled(dispute, **_) -> None:
    if dispute.status == "accepted":  # the card was rescored
        refresh_card(dispute.card)


def _assignments_withdrawn(assignments, **_) -> None:
    lock_membership({a.department_id for a in assignments})  # before reading whom they reached
    refresh_course_status(sorted({uid for a in assignments for uid in reached_user_ids(a)}))


def connect_signals() -> None:
    """Recompute the figures a finished or regraded attempt, a reviewed card (the training effect too), a
    settled dispute or a withdrawn assignment moves."""
    signals.attempt_finished.connect(refresh_attempt)
    signals.attempts_regraded.connect(_attempts_regraded)
    signals.card_reviewed.connect(_card_reviewed)
    signals.dispute_settled.connect(_dispute_settled)
    signals.assignments_withdrawn.connect(_assignments_withdrawn)
