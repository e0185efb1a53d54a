"""Which assignments reach a person, and whether each is done in its current round: the one rule.

An assignment reaches a person when it names them or a department at or above theirs, and is not
cancelled. A recurring assignment starts a new round every ``repeat_months``; from then on only a
completion in the new round counts. In Python for one person's pages (their dashboard, their
learning page, HR's report about them, the loop to training after a shop), and as SQL for the
reports and reminders that ask it of everyone at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, func, or_, select, union_all

from app.extensions import db
from app.learning.models import Assignment, CourseCompletion
from app.people.models import DepartmentTree, User


# ---------------------------------------------------------------- one person
def ancestor_ids(user: User) -> list[int]:
    """The user's department and every department above it."""
    from app.people.services import ancestor_ids as chain

    return sorted(chain(user.department_id))


# Built once: the assignments naming the person or a department at or above theirs (the chain read
# in the same statement; a person without a department has none).
_REACHING = (
    select(Assignment)
    .where(
        or_(
            Assignment.user_id == bindparam("user_id"),
            Assignment.department_id.in_(
                select(DepartmentTree.ancestor_id).where(DepartmentTree.descendant_id == bindparam("dept_id"))
            ),
        ),
        Assignment.cancelled_at.is_(None),
    )
    .order_by(Assignment.due_on.is_(None), Assignment.due_on)
)


def assignments_for(user: User) -> list[Assignment]:
    """Active assignments that reach this user, directly or through any department above them."""
    return list(db.session.scalars(_REACHING, {"user_id": user.id, "dept_id": user.department_id}))


def cycle_starts(user: User, assignments: list[Assignment] | None = None) -> dict[int, datetime]:
    """Course item id -> start of the current round, for recurring assignments past their first round."""
    starts: dict[int, datetime] = {}
    for a in assignments_for(user) if assignments is None else assignments:
        if a.cycle_started_at is not None:
            starts[a.course_item_id] = max(a.cycle_started_at, starts.get(a.course_item_id, a.cycle_started_at))
    return starts


@dataclass
class AssignedCourse:
    assignment: Assignment
    progress: object  # learning.services.CourseProgress: ``completed`` is "done in its round"
    overdue: bool

    @property
    def done(self) -> bool:
        return bool(self.progress.completed)


def assigned_courses(user: User, today: date | None = None) -> list[AssignedCourse]:
    """The user's assigned courses with progress in their current round, one row per course (earliest due
    date first)."""
    from app.content import services as content
    from app.learning.services import course_progress

    today = today or date.today()
    rows: dict[int, AssignedCourse] = {}
    assignments = assignments_for(user)
    course_ids = {a.course_item_id for a in assignments}
    versions = [v for v in content.published_index("course") if v.item_id in course_ids]
    progress = {p.version.item_id: p for p in course_progress(user, versions, cycle_starts(user, assignments))}
    for a in assignments:
        p = progress.get(a.course_item_id)
        if p is None or a.course_item_id in rows:
            continue
        rows[a.course_item_id] = AssignedCourse(a, p, bool(a.due_on and a.due_on < today and not p.completed))
    return list(rows.values())


# ---------------------------------------------------------------- everyone, in SQL
def assigned_pairs():
    """A selectable of (assignment id, user id) for every person each active assignment reaches."""
    direct = select(Assignment.id.label("assignment_id"), Assignment.user_id.label("user_id")).where(
        Assignment.user_id.is_not(None), Assignment.cancelled_at.is_(None)
    )
    via_department = (
        select(Assignment.id.label("assignment_id"), User.id.label("user_id"))
        .join(DepartmentTree, DepartmentTree.ancestor_id == Assignment.department_id)
        .join(User, User.department_id == DepartmentTree.descendant_id)
        .where(Assignment.cancelled_at.is_(None))
    )
    return union_all(direct, via_department).subquery("assigned")


def join_completion(stmt, user_col):
    """``stmt`` outer-joined to the person's completion of the assignment's course (for completed_in_round)."""
    return stmt.outerjoin(
        CourseCompletion,
        and_(CourseCompletion.user_id == user_col, CourseCompletion.course_item_id == Assignment.course_item_id),
    )


def completed_in_round():
    """SQL, with Assignment and an outer-joined CourseCompletion: the course is completed in the
    assignment's current round (any completion counts until a recurring assignment reopens)."""
    latest = func.coalesce(CourseCompletion.last_completed_at, CourseCompletion.completed_at)
    return and_(
        CourseCompletion.id.is_not(None),
        or_(Assignment.cycle_started_at.is_(None), latest >= Assignment.cycle_started_at),
    )


def reached_user_ids(assignment: Assignment) -> list[int]:
    """Active people an assignment reaches (or reached, once cancelled): its person, or everyone in its
    department and below."""
    if assignment.user_id is not None:
        stmt = select(User.id).where(User.id == assignment.user_id, User.active.is_(True))
    else:
        stmt = (
            select(User.id)
            .join(DepartmentTree, DepartmentTree.descendant_id == User.department_id)
            .where(DepartmentTree.ancestor_id == assignment.department_id, User.active.is_(True))
            .distinct()
        )
    return list(db.session.scalars(stmt))
