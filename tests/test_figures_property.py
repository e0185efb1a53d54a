"""Every roll-up figure equals a full recomputation, whatever happened before (issue 20).

Random sequences of what people do (cards submitted, approved, returned, rejected; disputes opened,
accepted, rejected; quizzes finished; the quiz republished with its answer key flipped, regrading every
attempt), each sometimes sent twice (a retry) and some sent at once from several connections (threads
with their own sessions and real commits on PostgreSQL; one after the other on SQLite, which has one
writer at a time anyway). After each sequence every roll-up table must equal what a rebuild from the
base tables gives, and the department report must equal a computation in plain Python.
"""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import rollups
from app.core.errors import DomainError
from app.extensions import db
from app.learning.models import QuizAttempt
from app.people.models import User
from app.reports import services as reports
from app.shopping import services as shopping
from app.shopping.models import Dispute, Scorecard
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
    st.sampled_from(["submit", "approve", "return", "reject", "dispute", "accept", "refuse", "quiz", "regrade"]),
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

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    db.session.expire_all()
    assert not errors, errors


def _assert_every_figure_equals_a_recomputation(firm) -> None:
    db.session.expire_all()
    shop, quiz = _rollups_stored()
    expected_shop, expected_quiz = _rollups_from_base_tables()
    assert shop.keys() == expected_shop.keys() and quiz.keys() == expected_quiz.keys()
    for key, row in expected_shop.items():
        assert shop[key] == pytest.approx(row), key
    for key, row in expected_quiz.items():
        assert quiz[key] == pytest.approx(row), key
    rows = {r.id: r for r in reports.department_report()}
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
    shown = [firm["a"].id, firm["b"].id, firm["region"].id]
    now = firm["now"].date()
    periods = [reports.Period(), reports.Period(now - timedelta(days=40), now - timedelta(days=10))]
    heatmaps = [reports.skill_heatmap(shown, period)[1] for period in periods]
    kept = _rollup_snapshot()
    rollups.rebuild()
    db.session.commit()
    rebuilt = _rollup_snapshot()
    for table, table_rows in rebuilt.items():
        assert table_rows == kept[table], table
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
