"""Assignments managed by trainers and HR: the list, assigning by hand, moving a due date, cancelling.

A cancelled assignment keeps its row (``cancelled_at``): it leaves every learner's "My learning" and
every report of what is assigned, while the audit log and the list of cancelled assignments keep it.
A scoped HR person manages only the assignments of their part of the company.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.content import services as content
from app.content.models import ContentItem
from app.core import audit, signals
from app.core.audit import utcnow
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.transitions import StateConflict, transition
from app.extensions import db
from app.learning.assigned import assigned_pairs
from app.learning.models import Assignment
from app.learning.services import create_assignment
from app.learning.stats import overdue_people
from app.people.models import Department, User
from app.people.services import (
    check_department_in_scope,
    department_choices,
    in_scope,
    name_or_email_contains,
    scope_ids,
    scoped,
)

OVERDUE_LISTED = 50  # the people longest overdue that the assignments page lists
PEOPLE_LISTED = 2000  # the people the form offers (active, by name); a department reaches any number


class AssignmentNotFound(DomainError):
    """No such assignment, or one outside the actor's scope (answered as 404: its existence is not told)."""


def _check_due(due_on: date | None, today: date | None) -> None:
    if due_on is not None and due_on < (today or date.today()):
        raise DomainError(_l("The due date has passed: choose today or a later day."), field="due_on")


def open_duplicates(course_item, users: list[User], department: Department | None) -> list[str]:
    """The names of the people and the department named that already have this course assigned and not
    cancelled."""
    open_ = select(Assignment).where(Assignment.course_item_id == course_item.id, Assignment.cancelled_at.is_(None))
    names = []
    if users:
        taken = set(
            db.session.scalars(
                open_.with_only_columns(Assignment.user_id).where(Assignment.user_id.in_([u.id for u in users]))
            )
        )
        names += [u.name for u in users if u.id in taken]
    if department is not None:
        if db.session.scalar(
            open_.with_only_columns(Assignment.id).where(Assignment.department_id == department.id).limit(1)
        ):
            names.append(department.name)
    return names


@dataclass
class AssignChoices:
    """What the form to assign a course offers the actor: the published courses, the departments of
    their scope (every department when they have none) in tree order."""

    courses: list  # published course versions
    departments: list[tuple[int, str]]  # (id, path)
    scope: set[int] | None  # the ids of the departments in the actor's scope; None: the whole company


def assign_choices(actor) -> AssignChoices:
    scope = scope_ids(actor)
    departments = [c for c in department_choices() if scope is None or c[0] in scope]
    return AssignChoices(content.published_all("course"), departments, scope)


@dataclass
class AssignmentsPage:
    """The assignments page below its form: the assignments listed (a statement, for one page of it), the
    people the form offers, and the people longest overdue, all within the actor's scope."""

    listed: Select
    people: list  # (id, name, email)
    more_people: bool  # more people match than the form offers
    overdue: list  # (name, email, course title, due date), earliest first
    more_overdue: bool = False  # more are overdue than listed


def assignments_page(actor, scope: set[int] | None, cancelled: bool = False, who: str = "") -> AssignmentsPage:
    """The open assignments, newest first, or with ``cancelled`` the cancelled ones, latest first; a
    scoped HR person (``scope``: their departments, from :func:`assign_choices`) sees those of their
    departments and of the people in them. The form offers the first :data:`PEOPLE_LISTED` active people
    by name whose name or email contains ``who`` (everyone's with none)."""
    listed = (
        select(Assignment)
        .options(joinedload(Assignment.user), joinedload(Assignment.department), joinedload(Assignment.course_item))
        .where(Assignment.cancelled_at.is_not(None) if cancelled else Assignment.cancelled_at.is_(None))
        .order_by((Assignment.cancelled_at if cancelled else Assignment.created_at).desc(), Assignment.id.desc())
    )
    if scope is not None:
        in_scope_people = select(User.id).where(User.department_id.in_(sorted(scope)))
        listed = listed.where(or_(Assignment.department_id.in_(sorted(scope)), Assignment.user_id.in_(in_scope_people)))
    offered = select(User.id, User.name, User.email).where(User.active.is_(True))
    if who:
        offered = offered.where(name_or_email_contains(who))
    # One more than is offered: whether to say that the list is cut, without counting everyone.
    people = db.session.execute(
        scoped(offered.order_by(User.name, User.id).limit(PEOPLE_LISTED + 1), User.department_id, actor)
    ).all()
    overdue = overdue_people(limit=OVERDUE_LISTED + 1, scope=scope)
    return AssignmentsPage(
        listed,
        people[:PEOPLE_LISTED],
        len(people) > PEOPLE_LISTED,
        overdue[:OVERDUE_LISTED],
        len(overdue) > OVERDUE_LISTED,
    )


def assign_chosen(
    actor, course_slug: str, people_ids: list[int], department_id: int | None, **details
) -> list[Assignment]:
    """:func:`assign` what the form chose: a course by its id, people and a department by theirs."""
    item = db.session.scalars(
        select(ContentItem).where(ContentItem.kind == "course", ContentItem.slug == course_slug)
    ).first()
    if item is None:
        raise DomainError(_l("Choose a course."))
    users = list(db.session.scalars(select(User).where(User.id.in_(people_ids)))) if people_ids else []
    department = db.session.get(Department, department_id) if department_id else None
    return assign(actor, item, users=users, department=department, **details)


def assign(
    actor,
    course_item,
    *,
    users: list[User] | None = None,
    department: Department | None = None,
    due_on: date | None = None,
    note: str | None = None,
    repeat_months: int | None = None,
    today: date | None = None,
) -> list[Assignment]:
    """Assign a course by hand. A due date in the past is refused, and so is a course that a person or
    the department named already has open: its due date is changed, or it is cancelled, instead."""
    _check_due(due_on, today)
    if department is not None:  # (create_assignment checks these too; first here, so that the names of
        check_department_in_scope(actor, department)  # people outside the scope are never shown)
    scope = scope_ids(actor)
    if scope is not None and any(u.department_id not in scope for u in users or []):
        raise DomainError(_l("This person is outside your scope."))
    taken = open_duplicates(course_item, users or [], department)
    if taken:
        raise DomainError(
            _l(
                "This course is already assigned, and still open, to: %(names)s. "
                "Change the due date of that assignment or cancel it instead.",
                names=", ".join(taken),
            )
        )
    return create_assignment(
        actor, course_item, users=users, department=department, due_on=due_on, note=note, repeat_months=repeat_months
    )


def get_assignment(actor, assignment_id: int) -> Assignment:
    """An assignment the actor may manage: within their scope when they have one."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not _in_scope(actor, assignment):
        raise AssignmentNotFound(_l("No such assignment."))
    return assignment


def _in_scope(actor, assignment: Assignment) -> bool:
    if assignment.department_id is not None:
        return in_scope(actor, assignment.department_id)
    person = assignment.user
    return person is not None and in_scope(actor, person.department_id)


def people_reached(assignment: Assignment) -> int:
    """How many people an assignment reaches (a department's: everyone in it and below)."""
    pairs = assigned_pairs()
    return db.session.scalar(select(func.count()).select_from(pairs).where(pairs.c.assignment_id == assignment.id)) or 0


def change_due_date(actor, assignment: Assignment, due_on: date | None, today: date | None = None) -> bool:
    """Move (or remove) the due date of an open assignment; False when it is the same date."""
    if not _in_scope(actor, assignment):
        raise AssignmentNotFound(_l("No such assignment."))
    if assignment.cancelled_at is not None:
        raise StateConflict(_l("This assignment is cancelled."), "cancelled")
    if due_on == assignment.due_on:
        return False
    _check_due(due_on, today)
    before = assignment.due_on
    assignment.due_on = due_on
    db.session.flush()
    audit.record(
        actor,
        "assignment.due_changed",
        "assignment",
        assignment.id,
        {"due_on": before.isoformat() if before else None},
        {"due_on": due_on.isoformat() if due_on else None},
    )
    return True


def cancel_assignment(actor, assignment: Assignment) -> None:
    """Cancel an assignment once: it leaves the learners' pages, its row and history stay."""
    if not _in_scope(actor, assignment):
        raise AssignmentNotFound(_l("No such assignment."))
    now = utcnow()
    if not transition(assignment, allowed=[None], to=now, column="cancelled_at"):
        raise StateConflict(_l("This assignment is already cancelled."), "cancelled")
    audit.record(
        actor,
        "assignment.cancel",
        "assignment",
        assignment.id,
        None,
        {
            "course": assignment.course_item.slug,
            "user_id": assignment.user_id,
            "department_id": assignment.department_id,
            "due_on": assignment.due_on.isoformat() if assignment.due_on else None,
        },
    )
    # The UPDATE went past the session's hooks: the people it reached have their course status recomputed
    # and are told, and the notice that announced it is marked withdrawn.
    signals.assignments_withdrawn.send([assignment], now=now, reason="cancelled")
