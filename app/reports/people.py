"""A list of people with their figures: each person's shop average (with the fairness minimum, by the one
rule in app.shopping.scores) and their training completion, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, and_, bindparam, case, func, select

from app.extensions import db
from app.rollups import CourseStatus


@dataclass
class PersonFigures:
    shop_cards: int = 0
    shop_average: float | None = None  # None below the fairness minimum
    assigned: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.assigned if self.assigned else None


_DONE = CourseStatus.done.is_(True)
# Per person: assigned courses, done in the current round, overdue; built once (the people and today bound).
_COURSES = (
    select(
        CourseStatus.user_id,
        func.count(),
        func.sum(case((_DONE, 1), else_=0)),
        func.sum(case((and_(~_DONE, CourseStatus.due_on < bindparam("today", type_=Date)), 1), else_=0)),
    )
    .where(CourseStatus.user_id.in_(bindparam("ids", expanding=True)))
    .group_by(CourseStatus.user_id)
)


def people_figures(user_ids, period=None, today: date | None = None) -> dict[int, PersonFigures]:
    """Per person: approved cards in ``period`` and their average (hidden below MIN_CARDS_FOR_SCORE), and
    their assigned courses now: how many, done in the current round, overdue. Two queries."""
    from app.shopping.scores import shop_averages

    today = today or date.today()
    ids = sorted(set(user_ids))
    out = {uid: PersonFigures() for uid in ids}
    if not ids:
        return out
    for uid, score in shop_averages(ids, period).items():
        out[uid].shop_cards, out[uid].shop_average = score.cards, score.average
    rows = db.session.execute(_COURSES, {"ids": ids, "today": today})
    for uid, assigned, completed, overdue in rows:
        figures = out[uid]
        figures.assigned, figures.completed, figures.overdue = int(assigned), int(completed or 0), int(overdue or 0)
    return out
