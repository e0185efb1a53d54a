from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.core.audit import utcnow
from app.extensions import db
from app.people.models import Department, User
from tests.helpers import demo_company


def test_demo_loads_a_company_once(runner, client, auth):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(User.id))) >= 40
    regions = db.session.scalars(select(Department).where(Department.parent_id.is_(None))).all()
    assert len(regions) == 2
    branches = db.session.scalars(select(Department).where(Department.parent_id.in_([r.id for r in regions]))).all()
    assert len(branches) == 6
    for role in ("admin", "hr", "trainer", "shopper", "employee", "manager"):
        assert auth.login(f"{role}@example.com", "rapport-demo").status_code == 302
        landing = client.get("/dashboard").headers["Location"]
        assert client.get(landing).status_code == 200
        auth.logout()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output
    assert db.session.scalar(select(func.count(Department.id))) == 2 + 6 + 8


def test_demo_with_content_has_learning_and_shopping_history(runner, client, auth):

    from app.learning.models import Assignment, QuizAttempt
    from app.shopping.models import Dispute, Scorecard, Visit

    demo_company(runner)  # the sample content and `flask demo`, run once per worker and copied in after
    assert db.session.scalar(select(func.count(QuizAttempt.id))) > 10
    statuses = set(db.session.scalars(select(Scorecard.status)))
    assert {"approved", "submitted", "rejected"} <= statuses
    assert db.session.scalar(select(func.count(Assignment.id))) > 0
    assert db.session.scalar(select(func.count(Dispute.id))) >= 1
    # the demo employee has a card she can still dispute: approved within the window, with a "no", undisputed
    anna = db.session.scalars(select(User).where(User.email == "employee@example.com")).one()
    recent = db.session.scalars(
        select(Scorecard).where(
            Scorecard.employee_id == anna.id,
            Scorecard.status == "approved",
            Scorecard.approved_at >= utcnow() - timedelta(days=6),
        )
    ).all()
    assert any(
        any(a.answer == "no" for a in card.answers)
        and not db.session.scalar(select(func.count(Dispute.id)).where(Dispute.card_id == card.id))
        for card in recent
    )
    assert db.session.scalar(select(func.count(Visit.id)).where(Visit.window_start >= func.current_date())) >= 1
    for email, url in [
        ("employee@example.com", "/shop/results"),
        ("shopper@example.com", "/shop/"),
        ("hr@example.com", "/shop/review"),
        ("hr@example.com", "/shop/visits"),
        ("trainer@example.com", "/learn"),
        ("admin@example.com", "/admin/outbox"),
        ("employee@example.com", "/notifications"),
    ]:
        auth.login(email, "rapport-demo")
        assert client.get(url).status_code == 200, url
        auth.logout()


def test_demo_outbox_holds_emails_in_both_languages(runner):

    from app.notify.models import Notice, OutboxMessage

    demo_company(runner)
    kinds = set(db.session.scalars(select(Notice.kind)))
    assert {"assignment", "overdue", "quiz_result", "visit_new", "card_approved", "digest"} <= kinds
    assert set(db.session.scalars(select(OutboxMessage.locale))) == {"en", "ru"}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == db.session.scalar(select(func.count(Notice.id)))


def test_large_demo_sample_agrees_with_the_services(app):
    """The bulk-written company holds what the real code paths would have written for the same answers."""
    from pathlib import Path

    import pytest

    from app.content import services as content
    from app.content.loader import load_directory
    from app.learning import services as learning
    from app.learning.models import CourseCompletion, QuizAttempt
    from app.learning.scoring import score_quiz
    from app.reports import services as reports
    from app.shopping import services as shopping
    from app.shopping.models import Scorecard
    from demo.large import load_large
    from tests.test_reports import _rollups_from_base_tables, _rollups_stored

    content.import_content(load_directory(str(Path(__file__).parents[1] / "content")))
    db.session.commit()
    summary = load_large(people=320, cards=240, attempts_per_person=6, progress=lambda step: None)
    db.session.commit()
    assert "500 departments" in summary
    assert db.session.scalar(select(func.count(Department.id))) == 500
    assert db.session.scalar(select(func.count(Scorecard.id))) == 240
    approved = db.session.scalar(select(func.count(Scorecard.id)).where(Scorecard.status == "approved"))
    waiting = db.session.scalars(select(Scorecard).where(Scorecard.status == "submitted")).all()
    assert approved + len(waiting) == 240
    assert all(c.approved_at is None and c.submitted_at <= datetime.now() for c in waiting)

    # Work in flight, as in a running company: courses assigned to people one by one (by HR, or by the
    # loop after their latest cards) and visits ahead for the demo shopper.
    from app.learning.models import Assignment
    from app.shopping.models import Visit

    personal = db.session.scalars(select(Assignment).where(Assignment.user_id.is_not(None))).all()
    assert len(personal) >= 10
    assert all(a.source_ref.startswith("card:") for a in personal if a.reason == "shop")
    shopper = db.session.scalars(select(User).where(User.email == "shopper@example.com")).one()
    ahead = db.session.scalar(
        select(func.count(Visit.id)).where(Visit.shopper_id == shopper.id, Visit.window_end >= date.today())
    )
    assert ahead == 2

    # Cards: the services rescore each sampled card from its answers to the same totals, sections and points.
    cards = db.session.scalars(select(Scorecard).order_by(Scorecard.id)).all()[::12]

    def snapshot(card):
        return (
            (card.total_percent, card.computed_percent, card.passed, card.critical_failed),
            [(s.title, s.weight, s.earned, s.possible, s.percent) for s in card.sections],
            {a.item_id: (a.earned, a.possible, a.na) for a in card.answers},
        )

    for card in cards:
        totals, sections, answers = snapshot(card)
        assert sections and answers, "a card without sections or answers"
        shopping.recompute(card)
        again = snapshot(card)
        assert again[0] == pytest.approx(totals)
        assert again[1:] == (sections, answers)
    db.session.rollback()

    # Attempts: scored again from their stored answers by the learner's own scoring path.
    attempts = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)).all()[::37]
    assert len(attempts) > 30
    for attempt in attempts:
        quiz = learning.attempt_quiz(attempt)
        score = score_quiz(quiz, {a.question_key: a.response for a in attempt.answers})
        assert (attempt.earned, attempt.possible, attempt.percent) == pytest.approx(
            (float(score.earned), float(score.possible), float(score.percent))
        )
        assert attempt.passed == score.passed(quiz.pass_percent)
        assert attempt.department_id == db.session.get(User, attempt.user_id).department_id
        for answer in attempt.answers:
            assert answer.earned == pytest.approx(float(score.per_question[answer.question_key]))

    # Completions: exactly the courses the services consider completed, for a sample of people.
    courses = content.published_all("course")
    people = db.session.scalars(select(User).where(User.email.like("employee%@example.com")).order_by(User.id)).all()
    for user in people[::25]:
        stored = set(
            db.session.scalars(select(CourseCompletion.course_item_id).where(CourseCompletion.user_id == user.id))
        )
        done = {p.version.item_id for p in learning.course_progress(user, courses) if p.completed}
        assert stored == done, user.email
        assert learning.refresh_completions(user) == []

    # The report roll-ups equal the base tables, and the company row counts every approved card.
    shop, quiz = _rollups_stored()
    expected_shop, expected_quiz = _rollups_from_base_tables()
    assert shop.keys() == expected_shop.keys() and quiz.keys() == expected_quiz.keys()
    for key, row in expected_shop.items():
        assert shop[key] == pytest.approx(row)
    for key, row in expected_quiz.items():
        assert quiz[key] == pytest.approx(row)
    company = reports.company_row()
    assert company.shop_count == approved
    assert company.quiz_attempts == db.session.scalar(select(func.count(QuizAttempt.id)))
