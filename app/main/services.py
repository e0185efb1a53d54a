"""What each role's dashboard shows: one function per dashboard, each returning the page's context."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.core.audit import AuditEntry
from app.extensions import db
from app.people.models import Department, User

# The shopper's to-do list: what needs doing first, then by window.
TODO_ORDER = {"returned": 0, "overdue": 1, "due": 2, "upcoming": 3}


def manager_dashboard(viewer: User) -> dict:
    """HR and admin: people and departments within the viewer's scope, and the latest audit entries they may see."""
    from app.audit.routes import visible_entries
    from app.people.services import scoped

    people = scoped(select(func.count(User.id)).where(User.active.is_(True)), User.department_id, viewer)
    departments = scoped(
        select(func.count(Department.id)).where(Department.archived_at.is_(None)), Department.id, viewer
    )
    recent = db.session.scalars(
        visible_entries(select(AuditEntry), viewer)
        .options(joinedload(AuditEntry.actor).lazyload(User.roles))  # the name is shown, nothing more
        .order_by(AuditEntry.id.desc())
        .limit(5)
    ).all()
    return {
        "people_count": db.session.scalar(people),
        "department_count": db.session.scalar(departments),
        "recent": recent,
        "todo": hr_todo(viewer),
    }


def hr_todo(viewer: User, today: date | None = None) -> dict[str, int]:
    """What waits for HR within the viewer's scope, counted in one statement: cards submitted for review,
    overdue courses (a person's assigned course past its due date, not done in its current round), open
    disputes, late visits (the window has ended and no card was submitted)."""
    from app.people.services import scoped
    from app.rollups import CourseStatusCount
    from app.shopping.models import Dispute, Scorecard, Visit, late_visits

    today = today or date.today()
    review = scoped(
        select(func.count(Scorecard.id)).where(Scorecard.status == "submitted"), Scorecard.department_id, viewer
    )
    overdue = scoped(  # the course status rows per department, counted (one row per due date)
        select(func.sum(CourseStatusCount.n)).where(
            CourseStatusCount.done.is_(False), CourseStatusCount.due_on < today
        ),
        CourseStatusCount.department_id,
        viewer,
    )
    disputes = scoped(
        select(func.count(Dispute.id)).join(Scorecard, Scorecard.id == Dispute.card_id).where(Dispute.status == "open"),
        Scorecard.department_id,
        viewer,
    )
    late = scoped(select(func.count(Visit.id)).where(late_visits(today)), Visit.department_id, viewer)
    counts = db.session.execute(
        select(
            review.scalar_subquery(),
            overdue.scalar_subquery(),
            disputes.scalar_subquery(),
            late.scalar_subquery(),
        )
    ).one()
    return dict(zip(("review", "overdue", "disputes", "late"), (int(n or 0) for n in counts), strict=True))


def employee_dashboard(user: User, today: date | None = None) -> dict:
    """An employee: their assigned courses, their shop average (with the fairness minimum), their team's figures."""
    from app.learning.assigned import assigned_courses
    from app.reports.services import team_figures
    from app.shopping.scores import shop_average

    score = shop_average(user.id)
    return {
        "rows": assigned_courses(user, today, objects=False),  # the page shows due dates and reasons
        "shop_count": score.cards,
        "shop_average": score.average,
        "team": team_figures(user),
        "min_group": current_app.config["MIN_GROUP_SIZE"],
    }


def shopper_dashboard(shopper: User, today: date | None = None) -> dict:
    """A shopper: up to ten visits that need them, returned cards and overdue visits first."""
    from app.shopping.my_visits import visits_to_do

    today = today or date.today()
    # Every visit still to do, not the 200 earliest: once those were all done (1,691 visits of the large
    # demo's shopper), the dashboard said there was nothing to do.
    todo = [(v.state(today), v) for v in visits_to_do(shopper)]
    todo = [(state, v) for state, v in todo if state in TODO_ORDER]
    return {"todo": sorted(todo, key=lambda p: (TODO_ORDER[p[0]], p[1].window_start))[:10]}


def trainer_dashboard() -> dict:
    """A trainer: the published quizzes, and how many courses and cases there are."""
    from app.content.services import published_all

    return {
        "quizzes": published_all("quiz"),
        "course_count": len(published_all("course")),
        "case_count": len(published_all("case")),
    }
