"""Time-based notices, computed by ``notify run`` from the state of the database at a given moment.

Each notice's key names its period (a cycle of a recurring course, an ISO week, a visit), so running
as often as you like — or from several hosts at once — records each reminder once; after downtime the
next run sends the reminders due now, not the ones missed.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select, update

from app import rollups
from app.content import services as content
from app.core.permissions import Role
from app.extensions import db
from app.learning.assigned import assigned_pairs, completed_in_round, join_completion, reached_user_ids
from app.learning.models import Assignment
from app.notify import events
from app.notify.services import Pending, path_for, record
from app.people.models import Department, User, UserRole
from app.shopping.models import Dispute, Scorecard, Visit

NEWCOMER_DAYS = 14  # people who join a department get its open assignments announced for this long
DIGEST_DEPARTMENTS = 10


def local_today(now: datetime) -> date:
    """The calendar day at ``now`` (naive UTC) in the display time zone, which due dates are written in."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return now.replace(tzinfo=UTC).astimezone(zone).date()


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def add_months(value, months: int):
    """The same day ``months`` later (the last day of the month when it is shorter), for dates and datetimes."""
    month = value.month - 1 + months
    year, month = value.year + month // 12, month % 12 + 1
    return value.replace(year=year, month=month, day=min(value.day, calendar.monthrange(year, month)[1]))


def cycle_at(assignment: Assignment, now: datetime) -> int:
    """Which round of a recurring assignment is running at ``now`` (1 for the first period)."""
    step = assignment.repeat_months
    start = assignment.created_at
    elapsed = max(0, (now.year - start.year) * 12 + now.month - start.month) // step
    while elapsed and add_months(start, elapsed * step) > now:
        elapsed -= 1
    while add_months(start, (elapsed + 1) * step) <= now:
        elapsed += 1
    return elapsed + 1


# ---------------------------------------------------------------- learners
def reopen_recurring(now: datetime) -> int:
    """Start the next round of every recurring assignment whose period has ended, and tell its people.

    The round number moves forward with a conditional UPDATE, so of several runs at once only one
    reopens it; the round's start is the period boundary, so downtime does not shift later rounds.
    """
    created = 0
    for a in db.session.scalars(
        select(Assignment).where(Assignment.repeat_months.is_not(None), Assignment.cancelled_at.is_(None))
    ).all():
        if not a.repeat_months or a.repeat_months < 1:
            continue
        cycle = cycle_at(a, now)
        if cycle <= a.cycle:
            continue
        step = a.repeat_months
        values = {
            "cycle": cycle,
            "cycle_started_at": add_months(a.created_at, (cycle - 1) * step),
            "due_on": add_months(a.due_on, (cycle - a.cycle) * step) if a.due_on else None,
        }
        won = db.session.execute(
            update(Assignment).where(Assignment.id == a.id, Assignment.cycle == a.cycle).values(**values)
        ).rowcount
        if won != 1:  # another run reopened it first
            continue
        db.session.refresh(a)
        reached = reached_user_ids(a)
        rollups.refresh_course_status(reached)  # the UPDATE went past the session, so its hooks did not see it
        params = events.assignment_params(a)
        link = path_for("learning.course", slug=a.course_item.slug)
        created += record(
            "reopened",
            (Pending(uid, f"reopen:{a.id}:{cycle}:{uid}", params, link) for uid in reached),
            now,
        )
    return created


def announce_to_newcomers(now: datetime) -> int:
    """People who joined a department after it was given a course hear about it as a new assignment."""
    today = local_today(now)
    pairs = assigned_pairs()
    rows = db.session.execute(
        select(pairs.c.assignment_id, pairs.c.user_id)
        .join(Assignment, Assignment.id == pairs.c.assignment_id)
        .join(User, User.id == pairs.c.user_id)
        .where(
            Assignment.department_id.is_not(None),
            User.active.is_(True),
            User.created_at > Assignment.created_at,
            User.created_at >= now - timedelta(days=NEWCOMER_DAYS),
            or_(Assignment.due_on.is_(None), Assignment.due_on >= today),
        )
    ).all()
    by_assignment: dict[int, list[int]] = {}
    for assignment_id, user_id in rows:
        by_assignment.setdefault(assignment_id, []).append(user_id)
    created = 0
    for assignment_id, user_ids in by_assignment.items():
        a = db.session.get(Assignment, assignment_id)
        params = events.assignment_params(a)
        link = path_for("learning.course", slug=a.course_item.slug)
        created += record("assignment", (Pending(uid, f"assign:{a.id}:{uid}", params, link) for uid in user_ids), now)
    return created


def learning_reminders(now: datetime) -> int:
    """'Due in three days' once per round, and 'overdue' at most once per ISO week, for each person and
    course not completed in the current round (one reminder per course, for its earliest due date)."""
    today = local_today(now)
    days = current_app.config["NOTIFY_DUE_SOON_DAYS"]
    pairs = assigned_pairs()
    stmt = (
        select(
            pairs.c.user_id,
            Assignment.id,
            Assignment.course_item_id,
            Assignment.due_on,
            Assignment.cycle,
            func.coalesce(Assignment.cycle_started_at, Assignment.created_at),
        )
        .select_from(pairs)
        .join(Assignment, Assignment.id == pairs.c.assignment_id)
        .join(User, User.id == pairs.c.user_id)
    )
    stmt = join_completion(stmt, pairs.c.user_id).where(
        User.active.is_(True),
        Assignment.due_on.is_not(None),
        Assignment.due_on <= today + timedelta(days=days),
        ~completed_in_round(),
    )
    courses = {v.item_id: v for v in content.published_all("course")}
    first: dict[tuple[int, int], tuple] = {}
    for row in db.session.execute(stmt.order_by(pairs.c.user_id, Assignment.due_on, Assignment.id)):
        first.setdefault((row[0], row[2]), row)
    due_soon: list[Pending] = []
    overdue: list[Pending] = []
    for (user_id, course_id), (_uid, assignment_id, _cid, due_on, cycle, started) in first.items():
        version = courses.get(course_id)
        if version is None:
            continue
        params = {"course": version.title, "due": due_on.isoformat()}
        link = path_for("learning.course", slug=version.item.slug)
        if due_on < today:
            overdue.append(Pending(user_id, f"overdue:{assignment_id}:{user_id}:{iso_week(today)}", params, link))
        elif started.date() < due_on - timedelta(days=days):
            # Only for courses given well before the due date; otherwise the assignment notice said it.
            due_soon.append(Pending(user_id, f"due:{assignment_id}:{cycle}:{user_id}", params, link))
    return record("due_soon", due_soon, now) + record("overdue", overdue, now)


# ---------------------------------------------------------------- shoppers
def visit_reminders(now: datetime) -> int:
    """Remind the shopper the day before a visit's window closes, unless its card is already in."""
    today = local_today(now)
    visits = db.session.scalars(
        select(Visit)
        .join(User, User.id == Visit.shopper_id)
        .outerjoin(Scorecard, Scorecard.visit_id == Visit.id)
        .where(
            Visit.cancelled_at.is_(None),
            Visit.window_end >= today,
            Visit.window_end <= today + timedelta(days=1),
            Visit.created_at < now - timedelta(hours=12),
            User.active.is_(True),
            or_(Scorecard.id.is_(None), Scorecard.status.in_(("draft", "returned"))),
        )
    ).all()
    pending = [
        Pending(
            v.shopper_id,
            f"visit_due:{v.id}:{v.shopper_id}",
            {"department": v.department.name, "start": v.window_start.isoformat(), "end": v.window_end.isoformat()},
            path_for("shopping.card_form", visit_id=v.id),
        )
        for v in visits
    ]
    return record("visit_due", pending, now)


# ---------------------------------------------------------------- managers
def action_reminders(now: datetime) -> int:
    """Remind the managers who lead a department of its overdue open actions, at most once a week."""
    from app.coaching.models import Action
    from app.people.services import managers_of

    today = local_today(now)
    week = iso_week(today)
    actions = db.session.scalars(select(Action).where(Action.status == "open", Action.due_on < today)).all()
    pending = []
    for action in actions:
        params = {"department": action.department.path, "due": action.due_on.isoformat()}
        link = path_for("coaching.action", action_id=action.id)
        for manager in managers_of(action.department_id):
            pending.append(Pending(manager.id, f"action_overdue:{action.id}:{manager.id}:{week}", params, link))
    return record("action_overdue", pending, now)


# ---------------------------------------------------------------- HR
def digest_figures(now: datetime, departments: set[int] | None = None) -> dict:
    """The weekly summary's figures for a scope (a set of department ids; None is the whole company)."""
    today = local_today(now)
    pairs = assigned_pairs()
    late_people = (
        join_completion(
            select(pairs.c.user_id, Assignment.course_item_id)
            .select_from(pairs)
            .join(Assignment, Assignment.id == pairs.c.assignment_id)
            .join(User, User.id == pairs.c.user_id),
            pairs.c.user_id,
        )
        .where(User.active.is_(True), Assignment.due_on < today, ~completed_in_round())
        .group_by(pairs.c.user_id, Assignment.course_item_id)
        .subquery("late_people")
    )
    per_department = (
        select(User.department_id, func.count())
        .select_from(late_people)
        .join(User, User.id == late_people.c.user_id)
        .group_by(User.department_id)
        .order_by(func.count().desc(), User.department_id)
    )
    if departments is not None:
        per_department = per_department.where(User.department_id.in_(departments))
    counts = db.session.execute(per_department).all()
    names = {
        d.id: d.path
        for d in db.session.scalars(
            select(Department).where(Department.id.in_([c[0] for c in counts[:DIGEST_DEPARTMENTS] if c[0]]))
        )
    }

    def scoped(stmt, column):
        return stmt if departments is None else stmt.where(column.in_(departments))

    count = func.count
    return {
        "overdue": [[names.get(dept_id, "—"), n] for dept_id, n in counts[:DIGEST_DEPARTMENTS]],
        "more_departments": max(0, len(counts) - DIGEST_DEPARTMENTS),
        "to_review": db.session.scalar(
            scoped(select(count(Scorecard.id)).where(Scorecard.status == "submitted"), Scorecard.department_id)
        ),
        "disputes": db.session.scalar(
            scoped(
                select(count(Dispute.id))
                .join(Scorecard, Scorecard.id == Dispute.card_id)
                .where(Dispute.status == "open"),
                Scorecard.department_id,
            )
        ),
        "late_cards": db.session.scalar(
            scoped(
                select(count(Scorecard.id)).where(
                    Scorecard.late.is_(True), Scorecard.submitted_at >= now - timedelta(days=7)
                ),
                Scorecard.department_id,
            )
        ),
        "late_visits": db.session.scalar(
            scoped(
                select(count(Visit.id))
                .outerjoin(Scorecard, Scorecard.visit_id == Visit.id)
                .where(
                    Visit.cancelled_at.is_(None),
                    Visit.window_end < today,
                    or_(Scorecard.id.is_(None), Scorecard.status.in_(("draft", "returned"))),
                ),
                Visit.department_id,
            )
        ),
    }


def digest_scope(user: User) -> set[int] | None:
    """The departments a person's digest covers: a scoped HR person's subtree, else the whole company (None)."""
    from app.people.services import scope_ids

    return scope_ids(user)


def weekly_digests(now: datetime) -> int:
    """One summary per HR person and administrator per ISO week, when there is anything to report."""
    week = iso_week(local_today(now))
    people = (
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_((Role.HR.value, Role.ADMIN.value)), User.active.is_(True))
            .order_by(User.id)
        )
        .unique()
        .all()
    )
    figures: dict = {}
    link = path_for("reports.departments")
    created = 0
    for person in people:
        scope = digest_scope(person)
        key = None if scope is None else frozenset(scope)
        if key not in figures:
            figures[key] = digest_figures(now, scope)
        params = figures[key]
        if not (
            params["overdue"]
            or params["to_review"]
            or params["disputes"]
            or params["late_cards"]
            or params["late_visits"]
        ):
            continue
        created += record("digest", [Pending(person.id, f"digest:{person.id}:{week}", params, link)], now)
    return created


# Run in this order by ``notify run``, each step committed on its own.
STEPS: list[tuple[str, Callable[[datetime], int]]] = [
    ("recurring courses reopened", reopen_recurring),
    ("assignments announced to newcomers", announce_to_newcomers),
    ("learning reminders", learning_reminders),
    ("visit reminders", visit_reminders),
    ("action reminders", action_reminders),
    ("weekly digests", weekly_digests),
]
