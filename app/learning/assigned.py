"""Which assignments reach a person, and whether each is done in its current round: the one rule.

An assignment reaches a person when it names them or a department at or above theirs, and is not
cancelled. A recurring assignment starts a new round every ``repeat_months``; from then on only a
completion in the new round counts.

Written once, in SQL (:func:`assigned_pairs`, :func:`course_rounds`, :func:`done_in_round`):
:func:`course_status_select` gives everyone's rows, or some people's, for the ``course_status`` table
(a full rebuild and a person's refresh alike), and :func:`assigned_courses` reads one person's with the
same selectables for their pages (their dashboard, their learning page, HR's report about them, the
loop to training after a shop). The reports and reminders ask it of everyone at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, case, false, func, or_, select, true, union_all

from app.content.models import ContentItem
from app.core.rows import rows as column_rows
from app.extensions import db
from app.learning.models import Assignment, CourseCompletion
from app.people.models import DepartmentTree, User


# ---------------------------------------------------------------- the rule, in SQL
def assigned_pairs(user_ids=None):
    """A selectable of (assignment id, user id) for every person each active assignment reaches: its person,
    or everyone in its department or any department below (the closure table ``department_tree``). Only
    these people's pairs when ``user_ids`` (ids or bound parameters) is given."""
    direct = select(Assignment.id.label("assignment_id"), Assignment.user_id.label("user_id")).where(
        Assignment.user_id.is_not(None), Assignment.cancelled_at.is_(None)
    )
    via_department = (
        select(Assignment.id.label("assignment_id"), User.id.label("user_id"))
        .join(DepartmentTree, DepartmentTree.ancestor_id == Assignment.department_id)
        .join(User, User.department_id == DepartmentTree.descendant_id)
        .where(Assignment.cancelled_at.is_(None))
    )
    if user_ids is not None:
        direct = direct.where(Assignment.user_id.in_(user_ids))
        via_department = via_department.where(User.id.in_(user_ids))
    return union_all(direct, via_department).subquery("assigned")


def course_rounds(user_ids=None):
    """A selectable of one row per person and course assigned to them (however many assignments reach
    them): ``user_id``, ``course_item_id``, ``done``, ``due_on`` and ``round_start``. Only these people's
    when ``user_ids`` is given.

    Each assignment asks for a completion in its own round (:func:`completed_in_round`). The course is
    ``done`` when every assignment reaching the person has one, which is a completion since the latest
    ``round_start`` (None unless a recurring assignment has reopened the course). Until then it is due
    at the earliest date among the assignments still waiting (None if none of them has a date); once done,
    at the earliest date of all. A department assignment completed last year does not make the course
    overdue when a recurring one reopens it with a later date."""
    pairs = assigned_pairs(user_ids)
    waiting = ~completed_in_round()
    done = func.max(case((waiting, 1), else_=0)) == 0
    stmt = (
        select(
            pairs.c.user_id,
            Assignment.course_item_id,
            done.label("done"),
            case((done, func.min(Assignment.due_on)), else_=func.min(case((waiting, Assignment.due_on)))).label(
                "due_on"
            ),
            func.max(Assignment.cycle_started_at).label("round_start"),
        )
        .select_from(pairs)
        .join(Assignment, Assignment.id == pairs.c.assignment_id)
    )
    return (
        join_completion(stmt, pairs.c.user_id).group_by(pairs.c.user_id, Assignment.course_item_id).subquery("rounds")
    )


def join_completion(stmt, user_col, course_col=Assignment.course_item_id):
    """``stmt`` outer-joined to the person's completion of the course (for :func:`done_in_round`)."""
    return stmt.outerjoin(
        CourseCompletion,
        and_(CourseCompletion.user_id == user_col, CourseCompletion.course_item_id == course_col),
    )


def done_in_round(round_start):
    """SQL, with an outer-joined CourseCompletion: the course is completed, and since ``round_start`` when
    that is not None (a recurring assignment that has reopened)."""
    latest = func.coalesce(CourseCompletion.last_completed_at, CourseCompletion.completed_at)
    return and_(CourseCompletion.id.is_not(None), or_(round_start.is_(None), latest >= round_start))


def completed_in_round():
    """SQL, with Assignment and an outer-joined CourseCompletion: the course is completed in the
    assignment's current round (any completion counts until a recurring assignment reopens)."""
    return done_in_round(Assignment.cycle_started_at)


def course_status_select(user_ids=None):
    """Where active people with a department stand on their assigned courses, one row per person and
    course (:func:`course_rounds`): ``user_id``, ``course_item_id``, ``department_id``, ``due_on`` and
    ``done``. Everyone's with no ``user_ids``, else only these people's: the one statement behind the
    ``course_status`` table, for a full rebuild and for a person's refresh alike."""
    rounds = course_rounds(user_ids)
    return (
        select(
            rounds.c.user_id,
            rounds.c.course_item_id,
            User.department_id,
            rounds.c.due_on,
            rounds.c.done,
        )
        .select_from(rounds)
        .join(User, User.id == rounds.c.user_id)
        .where(User.active.is_(True), User.department_id.is_not(None))
    )


def courses_to_do(user_ids, today: date) -> dict[int, tuple[int, int]]:
    """Per person of ``user_ids`` who has any: how many of their assigned, published courses are not done
    in their round, and how many of those are overdue, as :func:`assigned_courses` says of each person, in
    one statement for them all (a manager's team)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rounds = course_rounds(ids)
    stmt = (
        select(rounds.c.user_id, func.count(), func.count(case((rounds.c.due_on < today, 1))))
        .select_from(rounds)
        .join(ContentItem, ContentItem.id == rounds.c.course_item_id)
        .where(ContentItem.published_version_id.is_not(None), ~rounds.c.done)
        .group_by(rounds.c.user_id)
    )
    return {user_id: (todo, overdue) for user_id, todo, overdue in db.session.execute(stmt)}


# ---------------------------------------------------------------- one person
# Built once: the assignments reaching one person, earliest due date first, each with its course's latest
# round start and whether the person has done it in that round: the rule above, keyed by one person.
_ROUNDS = course_rounds([bindparam("user_id")])


def _reaching_select(*assignment):
    """The statement of :func:`_reaching` selecting ``assignment`` (the entity, or some of its columns)."""
    return (
        join_completion(
            select(
                *assignment,
                _ROUNDS.c.round_start,
                _ROUNDS.c.done,
                case((completed_in_round(), false()), else_=true()).label("waiting"),
            ).join(_ROUNDS, _ROUNDS.c.course_item_id == Assignment.course_item_id),
            _ROUNDS.c.user_id,
        )
        .where(Assignment.id.in_(select(assigned_pairs([bindparam("user_id")]).c.assignment_id)))
        .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.id)
    )


_REACHING = _reaching_select(Assignment)
# What a learner's own pages show of an assignment, as plain rows: loading objects cost twice the query.
ASSIGNMENT_COLUMNS = (Assignment.id, Assignment.course_item_id, Assignment.due_on, Assignment.reason)
_REACHING_ROWS = _reaching_select(*ASSIGNMENT_COLUMNS)


def _reaching(user: User, objects: bool = True) -> list:
    """(assignment, round start of its course, course done, assignment still waiting for a completion in
    its own round) for every assignment reaching the user, earliest due date first: the assignment an ORM
    object, or with ``objects=False`` a row of :data:`ASSIGNMENT_COLUMNS`."""
    if objects:
        return list(db.session.execute(_REACHING, {"user_id": user.id}))
    rows = column_rows(_REACHING_ROWS, {"user_id": user.id})
    return [(row, row.round_start, row.done, row.waiting) for row in rows]


def assignments_for(user: User) -> list[Assignment]:
    """Active assignments that reach this user, directly or through any department above them."""
    return [row[0] for row in _reaching(user)]


# Built once: the start of the current round of each course assigned to one person that a recurring
# assignment has reopened (the rounds above, without loading the assignments as objects).
_ROUND_STARTS = select(_ROUNDS.c.course_item_id, _ROUNDS.c.round_start).where(_ROUNDS.c.round_start.is_not(None))


def cycle_starts(user: User, rows: list | None = None) -> dict[int, datetime]:
    """Course item id -> start of the current round, for recurring assignments past their first round
    (from ``rows`` of :func:`_reaching` when the caller has them)."""
    if rows is None:
        return dict(column_rows(_ROUND_STARTS, {"user_id": user.id}).all())
    return {a.course_item_id: start for a, start, *_ in rows if start}


@dataclass
class AssignedCourse:
    assignment: Assignment  # the one the course is due by (or a row of its ASSIGNMENT_COLUMNS): see course_rounds
    progress: object  # learning.services.CourseProgress: cases read and quizzes passed in the current round
    done: bool  # completed in its current round (as the course_status rows say)
    overdue: bool


def assigned_courses(user: User, today: date | None = None, objects: bool = True) -> list[AssignedCourse]:
    """The user's assigned courses with progress in their current round, one row per course (earliest due
    date first), each due by the first of its assignments still waiting, or by the first of all once done
    (the rule of :func:`course_rounds`). With ``objects=False`` each assignment is a row of :data:`ASSIGNMENT_COLUMNS` (id,
    course_item_id, due_on, reason: what the learner's own pages show), not an ORM object."""
    from app.content import services as content
    from app.learning.services import course_progress

    today = today or date.today()
    out: dict[int, AssignedCourse] = {}
    rows = _reaching(user, objects)
    course_ids = {a.course_item_id for a, *_ in rows}
    versions = [v for v in content.published_index("course") if v.item_id in course_ids]
    progress = {p.version.item_id: p for p in course_progress(user, versions, cycle_starts(user, rows))}
    for a, _start, done, waiting in rows:
        p = progress.get(a.course_item_id)
        if p is None or a.course_item_id in out or not (done or waiting):
            continue
        out[a.course_item_id] = AssignedCourse(a, p, bool(done), bool(a.due_on and a.due_on < today and not done))
    return list(out.values())  # in the rows' order: by the date each course is due by


# ---------------------------------------------------------------- one person
def ancestor_ids(user: User) -> list[int]:
    """The user's department and every department above it."""
    from app.people.services import ancestor_ids as chain

    return sorted(chain(user.department_id))


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
