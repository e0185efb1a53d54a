from sqlalchemy import func, select

from app.extensions import db
from app.people.models import Department, User


def test_demo_loads_a_company_once(runner, client, auth):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(User.id))) >= 40
    regions = db.session.scalars(select(Department).where(Department.parent_id.is_(None))).all()
    assert len(regions) == 2
    branches = db.session.scalars(select(Department).where(Department.parent_id.in_([r.id for r in regions]))).all()
    assert len(branches) == 6
    for role in ("admin", "hr", "trainer", "shopper", "employee"):
        assert auth.login(f"{role}@example.com", "rapport-demo").status_code == 302
        landing = client.get("/dashboard").headers["Location"]
        assert client.get(landing).status_code == 200
        auth.logout()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output
    assert db.session.scalar(select(func.count(Department.id))) == 2 + 6 + 8


def test_demo_with_content_has_learning_and_shopping_history(runner, client, auth):
    from pathlib import Path

    from app.learning.models import Assignment, QuizAttempt
    from app.shopping.models import Dispute, Scorecard, Visit

    runner.invoke(args=["content", "import", str(Path(__file__).parent / "samples" / "valid")])
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(QuizAttempt.id))) > 10
    statuses = set(db.session.scalars(select(Scorecard.status)))
    assert {"approved", "submitted", "rejected"} <= statuses
    assert db.session.scalar(select(func.count(Assignment.id))) > 0
    assert db.session.scalar(select(func.count(Dispute.id))) >= 1
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
    from pathlib import Path

    from app.notify.models import Notice, OutboxMessage

    runner.invoke(args=["content", "import", str(Path(__file__).parent / "samples" / "valid")])
    assert runner.invoke(args=["demo"]).exit_code == 0
    kinds = set(db.session.scalars(select(Notice.kind)))
    assert {"assignment", "overdue", "quiz_result", "visit_new", "card_approved", "digest"} <= kinds
    assert set(db.session.scalars(select(OutboxMessage.locale))) == {"en", "ru"}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == db.session.scalar(select(func.count(Notice.id)))
