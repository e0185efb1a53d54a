"""A list of people with their figures: each person's shop average (with the fairness minimum, by the one
rule in app.shopping.scores) and their training completion, one page of them in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Date, and_, bindparam, case, func, select

from app.core.inputs import paginate_rows
from app.people.models import User
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


@dataclass
class PersonRow:
    id: int
    name: str
    figures: PersonFigures


_DONE = CourseStatus.done.is_(True)


def _courses(people):
    """SQL: per person of ``people`` (an IN operand), their assigned courses now, those done in the current
    round and those overdue (due before the bound ``today``)."""
    return (
        select(
            CourseStatus.user_id,
            func.count().label("assigned"),
            func.sum(case((_DONE, 1), else_=0)).label("completed"),
            func.sum(case((and_(~_DONE, CourseStatus.due_on < bindparam("today", type_=Date)), 1), else_=0)).label(
                "overdue"
            ),
        )
        .where(CourseStatus.user_id.in_(people))
        .group_by(CourseStatus.user_id)
    )


@lru_cache(maxsize=32)
def _page_statement(start, end):
    """One page of the active people of the departments bound as ``departments``, by name, ``limit`` and
    ``offset`` bound, each with their approved cards visited from ``start`` and before ``end`` and their
    courses: one statement, built once per period (building it took longer than running it)."""
    from app.shopping.scores import averages_select

    listed = (
        select(User.id, User.name)
        .where(User.department_id.in_(bindparam("departments", expanding=True)), User.active.is_(True))
        .order_by(User.name, User.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .cte("listed")
    )
    ids = select(listed.c.id)
    shop = averages_select(start, end, ids).subquery("shop")
    courses = _courses(ids).subquery("courses")
    return (
        select(
            listed.c.id,
            listed.c.name,
            shop.c.cards,
            shop.c.scored,
            shop.c.average,
            courses.c.assigned,
            courses.c.completed,
            courses.c.overdue,
        )
        .outerjoin(shop, shop.c.employee_id == listed.c.id)
        .outerjoin(courses, courses.c.user_id == listed.c.id)
        .order_by(listed.c.name, listed.c.id)
    )


def people_page(department_ids, total: int, period, page: int, per_page: int, today: date | None = None) -> Pagination:
    """Page ``page`` of the active people of ``department_ids`` by name, each with their approved cards in
    ``period`` and their average (hidden below MIN_CARDS_FOR_SCORE), and their assigned courses now: how
    many, done in the current round, overdue; ``total`` is how many people there are in all (the
    departments' headcount). One statement; a page past the end is a 404."""
    from app.shopping.scores import shown_average

    start, end = (None, None) if period is None else (period.start_dt, period.end_dt)
    params = {"departments": sorted(department_ids), "today": today or date.today()}
    listed = paginate_rows(_page_statement(start, end), None, params, page, per_page, total=total)
    minimum = current_app.config["MIN_CARDS_FOR_SCORE"]
    people = []
    for uid, name, cards, scored, average, assigned, completed, overdue in listed.items:
        score = shown_average(cards, scored, average, minimum)
        figures = PersonFigures(score.cards, score.average, int(assigned or 0), int(completed or 0))
        figures.overdue = int(overdue or 0)
        people.append(PersonRow(uid, name, figures))
    listed.items = people
    return listed
