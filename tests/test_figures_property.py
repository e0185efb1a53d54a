"""Every roll-up figure equals a full recomputation, whatever happened before (issue 20).

Random sequences of what people do (cards submitted, approved, returned, rejected; disputes opened,
accepted, rejected; quizzes finished; the quiz republished with its answer key flipped, regrading every
attempt; the course assigned to a department or a person, due or overdue, reopened or withdrawn; its
case read, completing it with a passed quiz; people moved between departments, deactivated and back),
each sometimes sent twice (a retry) and some sent at once from several connections (threads with their
own sessions and real commits on PostgreSQL; one after the other on SQLite, which has one writer at a
time anyway). After each sequence every roll-up table (course status and its counts per department
included) must equal what a rebuild from the base tables gives, and the department report must equal a
computation in plain Python.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import rollups
from app.content.models import ContentItem
from app.core.errors import DomainError
from app.extensions import db
from app.learning.models import Assignment, CourseCompletion, QuizAttempt
from app.people.models import Department, User
from app.reports import services as reports
from app.shopping import services as shopping
from app.shopping.models import Dispute, Scorecard
from tests.test_notify import right_answer
from tests.test_reports import (  # noqa: F401 - company is a fixture
    ITEMS,
    _independent,
    _rollup_snapshot,
    _rollups_from_base_tables,
    _rollups_stored,
    _take_quiz,
    company,
)

PARALLEL = os.environ.get("DATABASE_URL", "").startswith("postgresql")
PEOPLE = ["a1", "a2", "b1"]
DAYS = [0, 1, 16, 31, 45]  # days before the company's "now": within a month, across month edges

# One step: (what, a number choosing among the candidates, a number choosing the details).
STEP = st.tuples(
    st.sampled_from(
        [
            *("submit", "approve", "return", "reject", "dispute", "accept", "refuse", "quiz", "regrade"),
            *("assign", "withdraw", "due", "read", "pass", "move", "active"),
        ]
    ),
    st.integers(0, 50),
    st.integers(0, 50),
)
SEQUENCE = st.lists(
    st.tuples(STEP, st.sampled_from(["once", "once", "retry", "parallel"])),
    min_size=1,
    max_size=6,
)


def _ids(firm) -> dict:
    return {
        "hr": firm["hr"].id,
        "now": firm["now"],
        "staff": {k: u.id for k, u in firm["staff"].items()},
        "paths": {firm["a"].id: "Регион/Филиал А", firm["b"].id: "Регион/Филиал Б"},
        "departments": [firm["a"].id, firm["b"].id, firm["region"].id],
    }


def _nth(rows: list, n: int):
    return rows[n % len(rows)] if rows else None


def _act(ids: dict, step) -> None:
    """Do one step in the current session and commit it; a refusal (already done, not allowed) is fine."""
    what, pick, detail = step
    hr, now = db.session.get(User, ids["hr"]), ids["now"]
    try:
        if what == "submit":
            person = db.session.get(User, ids["staff"][PEOPLE[pick % 3]])
            answers = {item: ("yes", "no", "na")[(detail >> i) % 3] for i, item in enumerate(ITEMS)}
            shopper = db.session.scalars(select(User).where(User.email == "shop@example.com")).one()
            payload = {
                "checklist": "branch-visit",
                "department": ids["paths"][person.department_id],
                "employee": person.email,
                "visited_at": (now - timedelta(days=DAYS[detail % len(DAYS)], hours=pick % 5)).isoformat() + "+00:00",
                "answers": answers,
            }
            shopping.submit_from_api(shopper, payload, now=now)
        elif what in ("approve", "return", "reject"):
            waiting = db.session.scalars(
                select(Scorecard).where(Scorecard.status == "submitted").order_by(Scorecard.id)
            )
            card = _nth(list(waiting), pick)
            if card is not None:
                shopping.review_card(hr, card, what, note=None if what == "approve" else "Нужно поправить", now=now)
        elif what == "dispute":
            approved = db.session.scalars(
                select(Scorecard)
                .where(Scorecard.status == "approved", Scorecard.employee_id.is_not(None))
                .order_by(Scorecard.id)
            )
            card = _nth(list(approved), pick)
            if card is not None:
                employee = db.session.get(User, card.employee_id)
                shopping.open_dispute(employee, card, ITEMS[detail % len(ITEMS)], "Это не так", now=now)
        elif what in ("accept", "refuse"):
            disputes = db.session.scalars(select(Dispute).where(Dispute.status == "open").order_by(Dispute.id))
            dispute = _nth(list(disputes), pick)
            if dispute is not None:
                answer = ("yes", "no", "na", None)[detail % 4]
                shopping.settle_dispute(hr, dispute, what == "accept", "Решено", new_answer=answer, now=now)
        elif what == "quiz":
            _quiz(db.session.get(User, ids["staff"][PEOPLE[pick % 3]]), detail, now - timedelta(days=DAYS[pick % 5]))
        elif what == "regrade":
            _flip_the_answer_key(hr)
        elif what in COURSE_STEPS:
            COURSE_STEPS[what](ids, hr, now, pick, detail)
        db.session.commit()
    except DomainError:
        db.session.rollback()


def _quiz(user, detail: int, when) -> None:
    from app.content import services as content

    quiz = content.document(content.published("quiz", "courier-no-call"))
    picks = {}
    for i, q in enumerate(quiz.questions):
        choice = (detail >> i) % 3
        if choice == 1:
            picks[q.key] = [j for j, o in enumerate(q.options) if o.correct]
        elif choice == 2:
            picks[q.key] = [j for j, o in enumerate(q.options) if not o.correct][:1]
    _take_quiz(user, picks, when)


def _assign(ids: dict, hr, now, pick: int, detail: int) -> None:
    """The course assigned to a department (the branch A or B, or the region above them) or to a person,
    with no due date or one in the past or ahead; some assignments reopen it (only work since counts)."""
    from app.learning import services as learning

    course = db.session.scalars(select(ContentItem).where(ContentItem.slug == "complaint-handling")).one()
    due = (None, -10, -1, 0, 5)[detail % 5]
    target = {"users": [db.session.get(User, ids["staff"][PEOPLE[detail % 3]])]}
    if pick % 4 < 3:
        target = {"department": db.session.get(Department, ids["departments"][pick % 4])}
    learning.create_assignment(
        hr,
        course,
        due_on=None if due is None else now.date() + timedelta(days=due),
        round_from=now - timedelta(days=DAYS[pick % len(DAYS)]) if detail % 3 == 0 else None,
        **target,
    )


def _withdraw(_ids: dict, hr, _now, pick: int, _detail: int) -> None:
    from app.learning import manage

    open_ = db.session.scalars(select(Assignment).where(Assignment.cancelled_at.is_(None)).order_by(Assignment.id))
    assignment = _nth(list(open_), pick)
    if assignment is not None:
        manage.cancel_assignment(hr, assignment)


def _read(ids: dict, _hr, now, pick: int, detail: int) -> None:
    """The course's case read: with a passed quiz, the course is complete."""
    from app.content import services as content
    from app.learning import services as learning

    person = db.session.get(User, ids["staff"][PEOPLE[pick % 3]])
    learning.mark_read(person, content.published("case", "courier-no-call"), now=now - timedelta(days=DAYS[detail % 5]))


def _move(ids: dict, hr, _now, pick: int, _detail: int) -> None:
    """A person moved to the other branch: the department assignments that reach them change."""
    from app.people import services as people

    person = db.session.get(User, ids["staff"][PEOPLE[pick % 3]])
    a, b = ids["departments"][:2]
    other = db.session.get(Department, b if person.department_id == a else a)
    people.update_user(hr, person, person.email, person.name, other, person.role_names)


def _toggle_active(ids: dict, hr, _now, pick: int, _detail: int) -> None:
    from app.people import services as people

    person = db.session.get(User, ids["staff"][PEOPLE[pick % 3]])
    people.set_user_active(hr, person, not person.active)


def _pass(ids: dict, _hr, now, pick: int, detail: int) -> None:
    """The course's quiz passed (every answer right): with the case read, the course is complete."""
    from app.content import services as content

    quiz = content.document(content.published("quiz", "courier-no-call"))
    person = db.session.get(User, ids["staff"][PEOPLE[pick % 3]])
    _take_quiz(person, {q.key: right_answer(q) for q in quiz.questions}, now - timedelta(days=DAYS[detail % 5]))


def _move_due_date(ids: dict, hr, now, pick: int, detail: int) -> None:
    from app.learning import manage

    open_ = db.session.scalars(select(Assignment).where(Assignment.cancelled_at.is_(None)).order_by(Assignment.id))
    assignment = _nth(list(open_), pick)
    if assignment is not None:
        due = (None, 0, 5, 30)[detail % 4]
        due_on = None if due is None else now.date() + timedelta(days=due)
        manage.change_due_date(hr, assignment, due_on, today=now.date())


COURSE_STEPS = {
    "assign": _assign,
    "withdraw": _withdraw,
    "due": _move_due_date,
    "read": _read,
    "pass": _pass,
    "move": _move,
    "active": _toggle_active,
}
COURSE_SEQUENCE = st.lists(
    st.tuples(
        st.tuples(st.sampled_from(list(COURSE_STEPS)), st.integers(0, 50), st.integers(0, 50)),
        st.sampled_from(["once", "once", "retry", "parallel"]),
    ),
    min_size=1,
    max_size=8,
)


def _assigned_in_plain_python(dept_ids: set[int], today) -> tuple[int, int, int]:
    """Assigned, completed and overdue (person, course) pairs of the active people in these departments,
    from the assignments, completions and departments. Each open assignment reaching a person waits until
    the course is completed in its round (since it started, for one that has); the course is done when
    none waits, and overdue when one that waits is past its due date."""
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())

    def above(dept_id):
        while dept_id is not None:
            yield dept_id
            dept_id = parents[dept_id]

    people = [u for u in db.session.scalars(select(User)) if u.active and u.department_id in dept_ids]
    latest = {
        (c.user_id, c.course_item_id): c.last_completed_at or c.completed_at
        for c in db.session.scalars(select(CourseCompletion))
    }
    pairs: dict = {}  # (person, course) -> (due date, waiting) of each assignment reaching them
    for a in db.session.scalars(select(Assignment).where(Assignment.cancelled_at.is_(None))):
        for u in people:
            if a.user_id == u.id or a.department_id in set(above(u.department_id)):
                key = (u.id, a.course_item_id)
                waiting = key not in latest or (a.cycle_started_at is not None and latest[key] < a.cycle_started_at)
                pairs.setdefault(key, []).append((a.due_on, waiting))
    done = {key: not any(waiting for _due, waiting in rows) for key, rows in pairs.items()}
    overdue = [k for k, rows in pairs.items() if any(w and due is not None and due < today for due, w in rows)]
    return len(pairs), sum(done.values()), len(overdue)


def _flip_the_answer_key(hr) -> None:
    """Publish the quiz with two options' correctness swapped (back and forth), regrading every attempt."""
    from app.authoring import services as authoring
    from app.content import services as content

    source = content.published("quiz", "courier-no-call").source
    if "- [x] «Понимаю" in source:
        flipped = source.replace("- [ ] «Это не моя", "- [x] «Это не моя").replace("- [x] «Понимаю", "- [ ] «Понимаю")
    else:
        flipped = source.replace("- [x] «Это не моя", "- [ ] «Это не моя").replace("- [ ] «Понимаю", "- [x] «Понимаю")
    authoring.publish(hr, "quiz", "courier-no-call", flipped, regrade=True)


def _at_once(app, ids: dict, steps: list) -> None:
    """The steps sent together: each in its own thread, session and transaction on PostgreSQL."""
    db.session.commit()
    if not PARALLEL:
        for step in steps:
            _act(ids, step)
        return
    errors: list = []
    barrier = threading.Barrier(len(steps))

    def run(step):
        with app.app_context():
            barrier.wait()
            try:
                _act(ids, step)
            except Exception as exc:  # noqa: BLE001 - reported in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    _in_threads([(run, (step,)) for step in steps], errors, 120)


def _in_threads(runs: list, errors: list, timeout: int) -> None:
    """Each (function, arguments) of ``runs`` in a thread of its own; once all are done (or ``timeout``
    seconds on), fail with what any of them put in ``errors``."""
    threads = [threading.Thread(target=function, args=args) for function, args in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    db.session.expire_all()
    assert not errors, errors


def _rows_per_card() -> list[tuple]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(*rollups.CardSkill.__table__.c).order_by(rollups.CardSkill.card_id, rollups.CardSkill.skill)
        )
    ]


def _assert_every_figure_equals_a_recomputation(firm) -> None:
    db.session.expire_all()
    shop, quiz = _rollups_stored()
    expected_shop, expected_quiz = _rollups_from_base_tables()
    assert shop.keys() == expected_shop.keys() and quiz.keys() == expected_quiz.keys()
    for key, row in expected_shop.items():
        assert shop[key] == pytest.approx(row), key
    for key, row in expected_quiz.items():
        assert quiz[key] == pytest.approx(row), key
    today = firm["now"].date()
    rows = {r.id: r for r in reports.department_report(today=today)}
    for dept, ids in [
        (firm["a"], {firm["a"].id}),
        (firm["b"], {firm["b"].id}),
        (firm["region"], {firm["a"].id, firm["b"].id, firm["region"].id}),
    ]:
        expected = _independent(ids)
        assert rows[dept.id].shop_count == expected["shop_count"]
        assert rows[dept.id].critical_failures == expected["critical_failures"]
        assert rows[dept.id].shop_avg_percent == pytest.approx(expected["shop_avg_percent"])
        assert rows[dept.id].quiz_attempts == db.session.scalar(
            select(db.func.count(QuizAttempt.id)).where(
                QuizAttempt.status == "finished", QuizAttempt.department_id.in_(ids)
            )
        )
        row = rows[dept.id]
        assert (row.assigned, row.completed, row.overdue) == _assigned_in_plain_python(ids, today), dept.name
    shown = [firm["a"].id, firm["b"].id, firm["region"].id]
    now = firm["now"].date()
    periods = [reports.Period(), reports.Period(now - timedelta(days=40), now - timedelta(days=10))]
    heatmaps = [reports.skill_heatmap(shown, period)[1] for period in periods]
    kept, kept_per_card = _rollup_snapshot(), _rows_per_card()
    rollups.rebuild()
    db.session.commit()
    rebuilt = _rollup_snapshot()
    for table, table_rows in rebuilt.items():
        assert table_rows == kept[table], table
    assert _rows_per_card() == kept_per_card  # each card's result per skill, which the training effect reads
    # The skills heatmap (all time from the months, a period from months and edge days) adds up to
    # the daily rows a rebuild gives, day by day.
    subtrees = {firm["a"].id: {firm["a"].id}, firm["b"].id: {firm["b"].id}, firm["region"].id: set(shown)}
    for period, heat in zip(periods, heatmaps, strict=True):
        for dept, ids in subtrees.items():
            expected: dict = {}
            for (dept_id, day, skill), figures in rebuilt["skill_daily"].items():
                if dept_id in ids and (period.start is None or period.start <= day <= period.end):
                    expected[skill] = [a + b for a, b in zip(expected.get(skill, [0] * 4), figures, strict=True)]
            expected = {skill: f for skill, f in expected.items() if f[0] or f[2]}
            cells = heat.get(dept, {})
            got = {s: [c.quiz_answers, c.quiz_correct, c.shop_items, c.shop_passed] for s, c in cells.items()}
            assert got == expected, (period, dept)


@pytest.mark.committed  # parallel steps run in threads with their own connections
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=SEQUENCE)
def test_every_figure_equals_a_full_recomputation_after_any_sequence(app, company, sequence):  # noqa: F811
    """The company's state carries over from one example to the next: the figures must hold after any history."""
    ids = _ids(company)
    for step, how in sequence:
        if how == "parallel":
            what, pick, detail = step
            _at_once(app, ids, [step, (what, pick, detail), ("approve", pick + 1, detail), ("quiz", pick + 1, detail)])
        else:
            _act(ids, step)
            if how == "retry":
                _act(ids, step)
    _assert_every_figure_equals_a_recomputation(company)


@pytest.mark.committed  # parallel steps run in threads with their own connections
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=COURSE_SEQUENCE)
def test_course_status_and_its_counts_equal_a_full_recomputation_after_any_sequence(app, company, sequence):  # noqa: F811
    """Assignments made, withdrawn and moved, courses completed, people moved and deactivated, some at once:
    each person's course status and each department's counts of it (the report's assigned, completed and
    overdue courses) must equal a rebuild from the base tables and a count in plain Python."""
    ids = _ids(company)
    for step, how in sequence:
        what, pick, detail = step
        if how == "parallel":
            _at_once(app, ids, [step, step, ("assign", pick + 1, detail), ("pass", pick + 1, detail)])
        else:
            _act(ids, step)
            if how == "retry":
                _act(ids, step)
    _assert_every_figure_equals_a_recomputation(company)


def test_a_card_reviewed_then_disputed_has_its_rows_per_skill_recomputed(app, company):  # noqa: F811
    """The training effect reads each approved card's result per skill from the roll-ups. A card submitted
    with greeting failed has no rows until it is approved, then one per skill; a dispute accepted with
    "yes" turns its greeting row to passed: each time what a rebuild gives."""
    ids = _ids(company)
    hr, now = db.session.get(User, ids["hr"]), ids["now"]
    _act(ids, ("submit", 0, 1))  # a1; greet-30s "no", the other items "yes"
    card = db.session.scalars(select(Scorecard).order_by(Scorecard.id.desc())).first()

    def rows() -> dict[str, tuple]:
        return {r[1]: (r[5], r[6]) for r in _rows_per_card() if r[0] == card.id}  # skill: (passed, items)

    assert card.status == "submitted" and rows() == {}
    shopping.review_card(hr, card, "approve", now=now)
    db.session.commit()
    assert rows() == {"greeting": (0, 1), "empathy": (1, 1), "active-listening": (2, 2)}
    dispute = shopping.open_dispute(db.session.get(User, card.employee_id), card, "greet-30s", "Это не так", now=now)
    shopping.settle_dispute(hr, dispute, True, "Решено", new_answer="yes", now=now)
    db.session.commit()
    assert rows()["greeting"] == (1, 1)
    kept = _rows_per_card()
    rollups.rebuild()
    assert _rows_per_card() == kept


def _overlapping(app, first, second) -> None:
    """``first`` and ``second`` in two transactions that overlap on purpose: the first flushes its change and
    waits half a second before committing, while the second makes its own and commits."""
    flushed, errors = threading.Event(), []

    def run(action, holds: bool) -> None:
        with app.app_context():
            try:
                if not holds:
                    assert flushed.wait(30)
                action()
                db.session.flush()
                if holds:
                    flushed.set()
                    time.sleep(0.5)  # the other makes its change meanwhile (and may wait for this commit)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported in the test's thread
                errors.append(exc)
                flushed.set()
            finally:
                db.session.remove()

    _in_threads([(run, (first, True)), (run, (second, False))], errors, 60)


@pytest.mark.committed
@pytest.mark.skipif(not PARALLEL, reason="SQLite has one writer at a time: the two cannot overlap")
@pytest.mark.parametrize("first", ["assign", "move"])
def test_a_person_moved_into_a_branch_as_it_is_assigned_a_course_is_reached(app, company, first):  # noqa: F811
    """The course assigned to branch B and a2 moved from A into B, in two transactions at once: the first
    flushes its change and waits before committing while the second makes its own. Each used to work a2's
    courses out without the other's change (the assignment read B's people before a2 arrived, the move
    read B's assignments before this one existed), so the assignment never reached a2 and B's counts
    missed it; found by the property test above. The second must wait for the first and count both."""
    from app.learning import services as learning
    from app.people import services as people

    ids = _ids(company)
    branch_b = ids["departments"][1]

    def assign() -> None:
        course = db.session.scalars(select(ContentItem).where(ContentItem.slug == "complaint-handling")).one()
        hr = db.session.get(User, ids["hr"])
        learning.create_assignment(hr, course, due_on=None, department=db.session.get(Department, branch_b))

    def move() -> None:
        hr, person = db.session.get(User, ids["hr"]), db.session.get(User, ids["staff"]["a2"])
        people.update_user(
            hr, person, person.email, person.name, db.session.get(Department, branch_b), person.role_names
        )

    actions = {"assign": assign, "move": move}
    _overlapping(app, actions[first], actions["move" if first == "assign" else "assign"])
    assert db.session.get(User, ids["staff"]["a2"]).department_id == branch_b
    _assert_every_figure_equals_a_recomputation(company)


@pytest.mark.committed
@pytest.mark.skipif(not PARALLEL, reason="SQLite has one writer at a time: the two cannot overlap")
@pytest.mark.parametrize("case", ["completion", "two departments"])
def test_a_trained_persons_effect_rows_changed_twice_at_once_hold_both(app, company, case):  # noqa: F811
    """a1's training effect rows recomputed by two transactions at once: a card of theirs approved as they
    complete the course (its quiz passed, the case read before), or two of their cards approved together,
    one from branch A and one from branch B after they moved there. Each worked from what it could see:
    the rows kept the approval without the completion (a wrong figure, silently), or the second inserted
    rows the first had just written (a duplicate key: the approval failed). Both must succeed, and the
    rows equal a rebuild."""
    from app.people import services as people

    ids = _ids(company)
    hr, a1 = db.session.get(User, ids["hr"]), db.session.get(User, ids["staff"]["a1"])
    if case == "completion":
        _act(ids, ("read", 0, 0))
    else:  # trained earlier; a card in A, then one in B
        course = db.session.scalars(select(ContentItem).where(ContentItem.slug == "complaint-handling")).one()
        db.session.add(
            CourseCompletion(user_id=a1.id, course_item_id=course.id, completed_at=ids["now"] - timedelta(days=30))
        )
        db.session.commit()
        _act(ids, ("submit", 0, 2))
        people.update_user(hr, a1, a1.email, a1.name, db.session.get(Department, ids["departments"][1]), a1.role_names)
        db.session.commit()
    _act(ids, ("submit", 0, 5))
    waiting = db.session.scalars(
        select(Scorecard.id)
        .where(Scorecard.status == "submitted", Scorecard.employee_id == a1.id)
        .order_by(Scorecard.id)
    ).all()

    def approve(card_id: int):
        return lambda: shopping.review_card(
            db.session.get(User, ids["hr"]), db.session.get(Scorecard, card_id), "approve", now=ids["now"]
        )

    if case == "completion":
        _overlapping(app, approve(waiting[0]), lambda: _act(ids, ("pass", 0, 0)))
        assert db.session.scalars(select(CourseCompletion.id).where(CourseCompletion.user_id == a1.id)).first()
    else:
        _overlapping(app, approve(waiting[0]), approve(waiting[1]))
    rows = select(*rollups.EffectPerson.__table__.c).order_by(*rollups.EffectPerson.__table__.primary_key.columns)
    kept = db.session.execute(rows).all()
    assert kept  # the person is trained and observed
    rollups.rebuild()
    assert db.session.execute(rows).all() == kept


@pytest.mark.committed
def test_parallel_changes_to_one_department_and_day_converge(app, company):  # noqa: F811
    """Several cards of one department and day approved at once, with quizzes finished there at the same
    moment: every transaction recomputes the same rows, and the last to commit must see all the others."""
    ids = _ids(company)
    for _round in range(3):
        for n in range(4):
            _act(ids, ("submit", 0, n))  # a1, the same day (DAYS[0]) whatever n
        _at_once(
            app,
            ids,
            [
                ("approve", 0, 0),
                ("approve", 1, 0),
                ("approve", 2, 0),
                ("approve", 3, 0),
                ("quiz", 0, 1),
                ("quiz", 3, 2),
            ],
        )
    _assert_every_figure_equals_a_recomputation(company)


@pytest.mark.committed
@pytest.mark.skipif(not PARALLEL, reason="SQLite has one writer at a time")
@pytest.mark.parametrize("details", [(3, 4), (3, 6)], ids=["a1 and a2", "a1 twice"])
def test_two_transactions_recomputing_one_departments_counts_count_both(app, company, details):  # noqa: F811
    """The course assigned to a1 and, while that transaction is still open, to a2 of the same branch (or to
    a1 again, due earlier): the second recomputes the person's rows and the branch's counts after the first
    has committed, so both assignments count, each person once."""
    ids = _ids(company)
    _act(ids, ("assign", 0, 1))  # the branch A: both have a row, the branch its counts
    first_flushed, errors = threading.Event(), []

    def assign(detail: int, first: bool):
        with app.app_context():
            try:
                if not first:
                    first_flushed.wait(10)
                _assign(ids, db.session.get(User, ids["hr"]), ids["now"], 3, detail)  # a flush: recomputed
                if first:
                    first_flushed.set()
                    time.sleep(0.5)  # the other recomputes the counts meanwhile
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported in the test's thread
                errors.append(exc)
            finally:
                first_flushed.set()
                db.session.remove()

    threads = [threading.Thread(target=assign, args=(detail, n == 0)) for n, detail in enumerate(details)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    _assert_every_figure_equals_a_recomputation(company)
