"""Where people stand on their assigned courses: one row per active person and course assigned to them,
and per department how many of those rows share a due date and whether they are done (the two tiers).

Recomputed, never adjusted: the session hooks below note whom a flush concerns and recompute those
people's rows with the statement that fills everyone's (``course_status_select`` in
``app.learning.assigned``: which assignments reach a person and whether the course is done in its round,
from assignments, completions, people and the department tree), then their departments' counts from
those rows, with the same SQL that fills the counts of every department.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import Boolean, Date, Index, Integer, bindparam, delete, event, func, insert, inspect, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db


class CourseStatus(db.Model):
    """One row per active person and course assigned to them (however many assignments reach them):
    their department, the date the course is due by (the earliest of the assignments still waiting for a
    completion in their round) and whether it is done in its current round.

    Derived from assignments, completions, people and the department tree, and kept current by the
    session hooks below whenever one of those changes, so a report counts assigned, completed and
    overdue courses from these rows instead of expanding every department assignment per request.
    """

    __tablename__ = "course_status"
    __table_args__ = (Index("ix_course_status_department", "department_id", "done", "due_on"),)

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean)


class CourseStatusCount(db.Model):
    """How many course status rows of a department have this due date (or none) and are done or not: the
    department's assigned, completed and overdue courses as of any day, without reading a row per person
    (about 5,900 rows on the large demo against 89,000). Recomputed from ``course_status`` for the
    departments whose rows a refresh touched (:func:`refresh_course_status_counts`), never adjusted."""

    __tablename__ = "course_status_counts"
    __table_args__ = (Index("ix_course_status_counts_department", "department_id", "done", "due_on", "n"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # a due date may be empty: no natural key
    department_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean)
    n: Mapped[int] = mapped_column(Integer)


CHUNK = 2000  # ids per IN list, well under every engine's limit on bound parameters


def _chunks(ids) -> list[list[int]]:
    ids = sorted(ids)
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


# The first keys of the advisory locks taken on PostgreSQL per person (course status and training effect),
# per department for its counts and for who is in it (see lock_membership); the figures take 20 per
# department. A transaction takes them in the order members, people, counts, figures, which is the order
# of its work: whom a change reaches, their rows, then the sums over departments.
PEOPLE_LOCK_SPACE, COUNTS_LOCK_SPACE, MEMBERS_LOCK_SPACE = 22, 21, 23


def _lock(run, connection, space: int, ids) -> None:
    """On PostgreSQL, a transaction-level advisory lock on each of ``ids``, in id order (two transactions
    never wait for each other's in a circle), in one statement; nothing on SQLite, which has one writer.

    Whoever recomputes rows of a person (or a department's counts) holds the lock until they commit, and
    the next recomputes them after that, reading what the first wrote: two changes at once for the same
    person both count, where each would otherwise insert its rows past the other's."""
    if not ids or (connection or db.session.get_bind()).dialect.name != "postgresql":
        return  # nothing to lock: no statement either
    run(
        # unnest reads the array out in its order
        text("SELECT count(pg_advisory_xact_lock(:space, id)) FROM unnest(CAST(:ids AS integer[])) AS id"),
        {"space": space, "ids": sorted(ids)},
    )


def lock_membership(department_ids, connection=None, above=()) -> None:
    """On PostgreSQL, hold who is in these departments (and in ``above`` and every department above those)
    still until the transaction ends, in one statement (see :func:`_lock`).

    Whoever works out whom a department's assignments reach (an assignment made, changed or withdrawn)
    takes its department's lock first; whoever changes who is below a department (a person moved, added,
    deactivated or back; a department moved) takes the locks of every department above and at either end
    of the change. Without them, an assignment to a branch and a person moved into it at the same moment
    each recomputed the person's courses without the other's change, and the assignment never reached
    them. With them, the second waits for the first to commit and then reads what it wrote."""
    from app.people.models import DepartmentTree

    if (connection or db.session.get_bind()).dialect.name != "postgresql":
        return  # SQLite runs one writer at a time: nothing to lock, nothing to look up
    run = (connection or db.session).execute
    ids = {int(d) for d in department_ids if d is not None}
    for chunk in _chunks({int(d) for d in above if d is not None}):
        ids |= set(chunk)
        ids |= set(run(select(DepartmentTree.ancestor_id).where(DepartmentTree.descendant_id.in_(chunk))).scalars())
    _lock(run, connection, MEMBERS_LOCK_SPACE, ids)


COLUMNS = ["user_id", "course_item_id", "department_id", "due_on", "done"]


@cache
def _fill(keyed: bool = False):
    """The INSERT of everyone's course status rows, or (``keyed``) of the people in the expanding parameter
    ``user_ids``: the one statement that says which assignments reach a person and whether the course is
    done in its round. Built once (building it costs ten times running it for one person)."""
    from app.learning.assigned import course_status_select

    users = bindparam("user_ids", expanding=True) if keyed else None
    return insert(CourseStatus.__table__).from_select(COLUMNS, course_status_select(users))  # Core: bound by name


def refresh_course_status(user_ids, connection=None) -> None:
    """Recompute the course status rows of these people from the base tables, with the statement that fills
    everyone's, and the counts of the departments they were and are in.

    Runs on ``connection`` when given (inside a flush, where the session must not flush again).
    """
    run = (connection or db.session).execute
    user_ids = {int(u) for u in user_ids if u is not None}
    if not user_ids:
        return
    _lock(run, connection, PEOPLE_LOCK_SPACE, user_ids)
    touched: set[int] = set()  # the departments whose rows change: the people's before and after
    departments = select(CourseStatus.department_id).distinct()
    for chunk in _chunks(user_ids):
        touched |= set(run(departments.where(CourseStatus.user_id.in_(chunk))).scalars())
        run(delete(CourseStatus).where(CourseStatus.user_id.in_(chunk)))
        run(_fill(True), {"user_ids": chunk})
        touched |= set(run(departments.where(CourseStatus.user_id.in_(chunk))).scalars())
    refresh_course_status_counts(touched, connection)


def _counts_insert(department_ids=None):
    """The counts of these departments (every department's when None) computed from their course status rows."""
    rows = select(CourseStatus.department_id, CourseStatus.due_on, CourseStatus.done, func.count()).group_by(
        CourseStatus.department_id, CourseStatus.due_on, CourseStatus.done
    )
    if department_ids is not None:
        rows = rows.where(CourseStatus.department_id.in_(department_ids))
    return insert(CourseStatusCount).from_select(["department_id", "due_on", "done", "n"], rows)


def refresh_course_status_counts(department_ids, connection=None) -> None:
    """Recompute these departments' counts from their course status rows, with the statement that fills
    every department's. On PostgreSQL under a lock per department (see :func:`_lock`): a second transaction
    recomputes them after the first has committed, and counts both."""
    departments = sorted({int(d) for d in department_ids if d is not None})
    if not departments:
        return
    run = (connection or db.session).execute
    _lock(run, connection, COUNTS_LOCK_SPACE, departments)
    for chunk in _chunks(departments):
        run(delete(CourseStatusCount).where(CourseStatusCount.department_id.in_(chunk)))
        run(_counts_insert(chunk))


def _changed(obj, *names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _values(obj, name) -> set:
    """The attribute's value now and any value it had before this flush."""
    return {v for v in (getattr(obj, name), *inspect(obj).attrs[name].history.deleted) if v is not None}


@event.listens_for(Session, "after_flush")
def _note_course_status_changes(session, _flush_context) -> None:
    """Remember whom a flush concerns: people, departments moved, assignments and completions changed."""
    from app.learning.models import Assignment, CourseCompletion
    from app.people.models import Department, User

    people, departments, moved = set(), set(), set()  # moved: departments at either end of a change of who is in
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            if obj in session.new or obj in session.deleted or _changed(obj, "department", "department_id", "active"):
                people.add(obj.id)
                moved |= _values(obj, "department_id") | {d.id for d in _values(obj, "department")}
        elif isinstance(obj, CourseCompletion):
            people |= _values(obj, "user_id")
        elif isinstance(obj, Assignment):
            people |= _values(obj, "user_id")
            departments |= _values(obj, "department_id")
        elif isinstance(obj, Department) and obj in session.dirty and _changed(obj, "parent", "parent_id"):
            departments.add(obj.id)
            moved |= {obj.id, *_values(obj, "parent_id"), *(d.id for d in _values(obj, "parent"))}
    if people or departments:
        pending = session.info.setdefault("course_status", (set(), set(), set()))
        pending[0].update(people)
        pending[1].update(departments)
        pending[2].update(moved)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_course_status(session, _flush_context) -> None:
    pending = session.info.pop("course_status", None)
    if not pending:
        return
    from app.people.models import DepartmentTree, User

    connection = session.connection()
    people, departments, moved = pending
    lock_membership(departments, connection, above=moved)  # before reading who is below them
    for chunk in _chunks(departments):  # everyone in a moved department's subtree
        below = select(User.id).join(DepartmentTree, DepartmentTree.descendant_id == User.department_id)
        people |= set(connection.scalars(below.where(DepartmentTree.ancestor_id.in_(chunk))))
    refresh_course_status(people, connection)


def fill_course_status(connection) -> None:
    """Every course status row recomputed at once (the counts per department left as they are)."""
    connection.execute(delete(CourseStatus))
    connection.execute(_fill())


def rebuild_course_status(connection) -> None:
    """Every course status row, and every department's counts, recomputed at once (after a bulk load, or to
    repair)."""
    fill_course_status(connection)
    connection.execute(delete(CourseStatusCount))
    connection.execute(_counts_insert())
