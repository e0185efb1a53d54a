"""A person's own pages and the course status rows the reports count say the same (issue 20: one rule).

Random sequences of assignments made, withdrawn and given new due dates, cases read and quizzes passed,
people moved and deactivated, and a branch moved under the other branch and back (the department tree
changes under the assignments): afterwards every active person's assigned courses, as their learning
page and dashboard list them, must be the course status rows about them, course for course (the
earliest due date, done in the round, overdue), and those rows what a rebuild from the base tables gives.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import rollups
from app.extensions import db
from app.learning.assigned import assigned_courses
from app.people.models import Department, User
from tests.test_figures_property import COURSE_STEPS, PEOPLE, _act, _at_once, _ids
from tests.test_reports import company  # noqa: F401 - a fixture


def _move_branch(ids: dict, hr, _now, _pick: int, _detail: int) -> None:
    """Branch B moved under branch A, or back under the region: A's assignments reach B's people, or stop."""
    from app.people import services as people

    a, b, region = (db.session.get(Department, d) for d in ids["departments"])
    people.update_department(hr, b, b.name, region if b.parent_id == a.id else a)


STEPS = {**COURSE_STEPS, "tree": _move_branch}
SEQUENCE = st.lists(
    st.tuples(
        st.tuples(st.sampled_from(list(STEPS)), st.integers(0, 50), st.integers(0, 50)),
        st.sampled_from(["once", "once", "retry", "parallel"]),
    ),
    min_size=1,
    max_size=8,
)


def _act_or_move(ids: dict, step) -> None:
    if step[0] != "tree":
        _act(ids, step)
        return
    _move_branch(ids, db.session.get(User, ids["hr"]), ids["now"], *step[1:])
    db.session.commit()


def _status_rows(user_id: int, today) -> dict:
    rows = db.session.scalars(select(rollups.CourseStatus).where(rollups.CourseStatus.user_id == user_id))
    return {
        r.course_item_id: (r.due_on, r.done, not r.done and r.due_on is not None and r.due_on < today) for r in rows
    }


@pytest.mark.committed  # parallel steps run in threads with their own connections
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=SEQUENCE)
@example(sequence=[(("assign", 0, 1), "once"), (("tree", 0, 0), "once")])  # branch A's course now reaches b1
def test_a_persons_assigned_courses_are_their_course_status_rows(app, company, sequence):  # noqa: F811
    ids = _ids(company)
    for step, how in sequence:
        if how == "parallel" and step[0] != "tree":  # a move of the tree is not sent twice at once
            _at_once(app, ids, [step, step, ("assign", step[1] + 1, step[2]), ("pass", step[1] + 1, step[2])])
        else:
            _act_or_move(ids, step)
            if how == "retry":
                _act_or_move(ids, step)
    db.session.expire_all()
    today = company["now"].date()
    for key in PEOPLE:
        person = db.session.get(User, ids["staff"][key])
        if not person.active or person.department_id is None:
            continue  # course status is about active people in a department
        shown = {
            r.assignment.course_item_id: (r.assignment.due_on, r.done, r.overdue)
            for r in assigned_courses(person, today)
        }
        assert shown == _status_rows(person.id, today), key
    kept = {
        (r.user_id, r.course_item_id, r.department_id, r.due_on, r.done)
        for r in db.session.scalars(select(rollups.CourseStatus))
    }
    rollups.rebuild()
    db.session.commit()
    rebuilt = {
        (r.user_id, r.course_item_id, r.department_id, r.due_on, r.done)
        for r in db.session.scalars(select(rollups.CourseStatus))
    }
    assert kept == rebuilt
