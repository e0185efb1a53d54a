"""Each approved card's result per skill: the rows the training effect reads (app/reports/did.py).

The effect needs every card on its own (its visit time against each person's completion), so these are
not sums over a department or a day; they spare the report grouping every answer of every card again
(1.7 million answers into 500,000 rows on the company-scale data, most of the page's four seconds).
A card's rows are recomputed from its answers whenever the card or its answers change, with the same
statement that fills the table; nothing is nudged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, and_, case, delete, event, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.rollups.course_status import _changed, _chunks


class CardSkill(db.Model):
    """Per approved card with a person observed and a visit time, and per skill of its items: the items of
    the skill answered yes or no (``items``) and those answered yes (``passed``); n/a left out."""

    __tablename__ = "card_skills"
    __table_args__ = (
        Index("ix_card_skills_visited_at", "visited_at"),
        Index("ix_card_skills_department_id", "department_id"),
    )

    card_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    visited_at: Mapped[datetime] = mapped_column(DateTime)
    passed: Mapped[int] = mapped_column(Integer)
    items: Mapped[int] = mapped_column(Integer)


COLUMNS = ("card_id", "skill", "employee_id", "department_id", "visited_at", "passed", "items")


def card_skill_select(card_ids=None):
    """The rows of ``card_ids`` (None: of every card), from the cards and their answers."""
    from app.shopping.models import Scorecard, ScorecardAnswer

    stmt = (
        select(
            Scorecard.id,
            ScorecardAnswer.skill,
            Scorecard.employee_id,
            Scorecard.department_id,
            Scorecard.visited_at,
            func.sum(case((ScorecardAnswer.answer == "yes", 1), else_=0)),
            func.count(ScorecardAnswer.id),
        )
        .join(ScorecardAnswer, ScorecardAnswer.card_id == Scorecard.id)
        .where(
            and_(Scorecard.status == "approved", Scorecard.employee_id.is_not(None), Scorecard.visited_at.is_not(None)),
            ScorecardAnswer.skill.is_not(None),
            ScorecardAnswer.answer.in_(("yes", "no")),
        )
        # By card first: a card's answers come together (grouped by skill first, 500,000 groups were sorted).
        .group_by(
            Scorecard.id, ScorecardAnswer.skill, Scorecard.employee_id, Scorecard.department_id, Scorecard.visited_at
        )
    )
    return stmt if card_ids is None else stmt.where(Scorecard.id.in_(card_ids))


def refresh_card_skills(card_ids=None, connection=None) -> None:
    """Recompute the rows of these cards (of every card with ``None``) from their answers."""
    run = (connection or db.session).execute
    if card_ids is None:
        run(delete(CardSkill))
        run(insert(CardSkill).from_select(COLUMNS, card_skill_select()))
        return
    for chunk in _chunks({int(c) for c in card_ids if c is not None}):
        run(delete(CardSkill).where(CardSkill.card_id.in_(chunk)))
        run(insert(CardSkill).from_select(COLUMNS, card_skill_select(chunk)))


@event.listens_for(Session, "after_flush")
def _note_card_changes(session, _flush_context) -> None:
    """Remember the cards a flush may change the rows of: new, moved or removed cards and changed answers.
    (A review changes the status by an UPDATE of its own, which the session does not see: the roll-ups'
    signal handler refreshes the reviewed card.)"""
    from app.shopping.models import Scorecard, ScorecardAnswer

    cards = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Scorecard) and (
            obj in session.new
            or obj in session.deleted
            or _changed(obj, "status", "employee_id", "department_id", "visited_at")
        ):
            cards.add(obj.id)
        elif isinstance(obj, ScorecardAnswer):
            cards.add(obj.card_id)
    cards.discard(None)
    if cards:
        session.info.setdefault("card_skills", set()).update(cards)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_card_skills(session, _flush_context) -> None:
    cards = session.info.pop("card_skills", None)
    if cards:
        refresh_card_skills(cards, session.connection())
