"""A list of people with their figures: each person's shop average (with the fairness minimum, by the one
rule in app.shopping.scores) and their training completion, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select

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
    done = CourseStatus.done.is_(True)
    rows = db.session.execute(
        select(
            CourseStatus.user_id,
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((and_(~done, CourseStatus.due_on < today), 1), else_=0)),
        )
        .where(CourseStatus.user_id.in_(ids))
        .group_by(CourseStatus.user_id)
    )
    for uid, assigned, completed, overdue in rows:
        figures = out[uid]
        figures.assigned, figures.completed, figures.overdue = int(assigned), int(completed or 0), int(overdue or 0)
    return out
