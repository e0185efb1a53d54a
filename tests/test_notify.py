"""Notifications: reminders under a controlled clock, concurrent runs, the outbox, access, opt-outs, recurring training."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from app.content import services as content
from app.core.audit import utcnow
from app.extensions import db
from app.learning import services as learning
from app.learning.models import Assignment, CourseCompletion
from app.notify import mail, services
from app.notify.kinds import render
from app.notify.models import EmailOptOut, Notice, OutboxMessage
from app.notify.reminders import add_months, iso_week, local_today
from app.people import services as people
from app.reports import services as reports
from app.shopping import services as shopping
from app.shopping.models import Dispute
from tests.conftest import csrf_from, post_form
from tests.helpers import branch_world
from tests.test_queries import counted

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- helpers
@pytest.fixture
def world(runner, make_user):
    return branch_world(
        runner,
        make_user,
        admin=("admin", "admin@example.com", "Виктор Админов", False),
        boris=("employee", "boris@example.com", "Борис Петров", True),
    )


def run(runner, now: datetime) -> str:
    result = runner.invoke(args=["notify", "run", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def keys(kind: str, user=None) -> list[str]:
    stmt = select(Notice.key).where(Notice.kind == kind)
    if user is not None:
        stmt = stmt.where(Notice.user_id == user.id)
    return sorted(db.session.scalars(stmt))


def right_answer(question) -> list[int]:
    if question.type == "order":
        return list(range(len(question.options)))
    if question.type == "multiple":
        return list(question.correct_indexes)
    return [question.correct_indexes[0]]


def complete_course(user, now: datetime) -> None:
    """Read the course's case and pass its quiz, at ``now``."""
    learning.mark_read(user, content.published("case", "courier-no-call"), now=now)
    quiz = content.published("quiz", "courier-no-call")
    attempt = learning.start_attempt(user, quiz, now=now)
    for question in content.document(quiz).questions:
        learning.save_answer(attempt, question.key, right_answer(question), now=now)
    learning.finish_attempt(attempt, now + timedelta(minutes=3))
    db.session.commit()
    assert attempt.passed


def assert_every_email_once() -> None:
    twice = db.session.execute(
        select(OutboxMessage.notice_id).group_by(OutboxMessage.notice_id).having(func.count() > 1)
    ).all()
    assert twice == []
    emailed = db.session.scalar(select(func.count(Notice.id)).where(Notice.email_state == "sent"))
    assert emailed == db.session.scalar(select(func.count(OutboxMessage.id)))
    assert db.session.scalar(select(func.count(Notice.id)).where(Notice.email_state.in_(("pending", "sending")))) == 0


# ---------------------------------------------------------------- the controlled clock
def test_weeks_of_activity_send_every_reminder_once_and_none_after_completion(app, runner, world):
    t0 = datetime.combine(utcnow().date(), time(6, 0))  # 09:00 in Moscow, the display time zone
    today0 = local_today(t0)
    hr, anna, boris, shopper = world["hr"], world["anna"], world["boris"], world["shopper"]
    (assignment,) = learning.create_assignment(
        hr, world["course"], department=world["branch"], due_on=today0 + timedelta(days=10)
    )
    shopping.schedule_visits(
        hr, [world["branch"]], world["checklist"], today0 + timedelta(days=1), today0 + timedelta(days=5), shopper
    )
    db.session.commit()

    run_days = list(range(0, 20)) + list(range(31, 36))  # the server is down from day 20 to day 30
    completed_at = t0 + timedelta(days=12, hours=-2)
    for day in run_days:
        if day == 12:
            complete_course(anna, completed_at)
        run(runner, t0 + timedelta(days=day))
    again = run(runner, t0 + timedelta(days=35, hours=1))
    assert "emails sent: 0" in again

    a = assignment.id
    assert keys("assignment") == sorted([f"assign:{a}:{anna.id}", f"assign:{a}:{boris.id}"])
    assert keys("due_soon") == sorted([f"due:{a}:1:{anna.id}", f"due:{a}:1:{boris.id}"])
    # Boris, who never finishes: one reminder per ISO week he was overdue in while the server ran;
    # no catching up on the weeks it was down.
    weeks = {iso_week(today0 + timedelta(days=d)) for d in run_days if d > 10}
    assert keys("overdue", boris) == sorted(f"overdue:{a}:{boris.id}:{w}" for w in weeks)
    assert len(keys("overdue", boris)) < len([d for d in run_days if d > 10])
    # Anna finishes on day 12: one overdue reminder (day 11), nothing after.
    assert keys("overdue", anna) == [f"overdue:{a}:{anna.id}:{iso_week(today0 + timedelta(days=11))}"]
    late = db.session.scalars(
        select(Notice).where(
            Notice.user_id == anna.id,
            Notice.kind.in_(("due_soon", "overdue")),
            Notice.created_at > completed_at,
        )
    ).all()
    assert late == []
    assert len(keys("quiz_result", anna)) == 1
    # The shopper: the visit, and one reminder the day before its window closes.
    assert len(keys("visit_new", shopper)) == 1 and len(keys("visit_due", shopper)) == 1
    # HR: one digest per ISO week once there is something to report (the visit's window passed on day 5).
    digest_weeks = {iso_week(today0 + timedelta(days=d)) for d in run_days if d >= 6}
    assert keys("digest", hr) == sorted(f"digest:{hr.id}:{w}" for w in digest_weeks)
    assert keys("digest", world["admin"]) == sorted(f"digest:{world['admin'].id}:{w}" for w in digest_weeks)
    assert_every_email_once()


# ---------------------------------------------------------------- several hosts at once
@pytest.mark.committed
def test_two_runs_started_together_send_nothing_twice(app, world, make_user, database_url):
    today = local_today(utcnow())
    for n in range(30):
        make_user("employee", email=f"staff{n}@example.com", department=world["branch"])
    learning.create_assignment(
        world["hr"], world["course"], department=world["branch"], due_on=today - timedelta(days=3)
    )
    shopping.schedule_visits(
        world["hr"],
        [world["branch"]],
        world["checklist"],
        today - timedelta(days=8),
        today - timedelta(days=2),
        world["shopper"],
    )
    db.session.commit()
    people_reached = 32

    env = {**os.environ, "DATABASE_URL": database_url, "SITE_URL": "http://rapport.test"}
    env.pop("MAIL_SERVER", None)
    now = (utcnow() + timedelta(minutes=1)).isoformat()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "notify", "run", "--now", now]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180) for p in processes]
    for p, (_out, err) in zip(processes, outputs, strict=True):
        assert p.returncode == 0, err
    db.session.rollback()

    expected = people_reached * 2 + 1 + 2  # assignment + overdue per person, the visit, two digests
    assert db.session.scalar(select(func.count(Notice.id))) == expected
    assert_every_email_once()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == expected

    def total(label: str) -> int:
        return sum(int(re.search(label + r": (\d+)", out).group(1)) for out, _err in outputs)

    assert total("emails sent") == expected  # the two processes shared the work, each email once
    assert total("learning reminders") == people_reached and total("weekly digests") == 2


# ---------------------------------------------------------------- the outbox
def test_the_outbox_renders_each_email_in_its_recipients_language(app, runner, client, auth, world):
    app.config["SITE_URL"] = "https://rapport.example/"
    world["boris"].locale = "ru"
    learning.create_assignment(
        world["hr"],
        world["course"],
        users=[world["anna"], world["boris"]],
        due_on=local_today(utcnow()) + timedelta(days=20),
        note="Read it <script>alert(1)</script> before Friday",
    )
    db.session.commit()
    run(runner, utcnow())

    by_locale = {m.locale: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(by_locale) == {"en", "ru"}
    en, ru = by_locale["en"], by_locale["ru"]
    assert en.recipient == "anna@example.com" and ru.recipient == "boris@example.com"
    assert en.subject.startswith("New course assigned") and "Работа с жалобами" in en.subject
    assert ru.subject.startswith("Назначен новый курс")
    link = "https://rapport.example/learn/courses/complaint-handling"
    for message in (en, ru):
        assert link in message.text_body and f'href="{link}"' in message.html_body
        assert "<script>" not in message.html_body  # user text is escaped in the HTML part
    assert "Hello, Anna Smith!" in en.text_body and "Здравствуйте, Борис Петров!" in ru.text_body

    # multipart/alternative: plain text first, HTML second
    notice = db.session.get(Notice, ru.notice_id)
    parsed = email.message_from_bytes(mail._mime(mail.render_email(notice, notice.user)).as_bytes())
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.get_payload()] == ["text/plain", "text/html"]

    auth.login("admin@example.com")
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert en.subject in listing and ru.subject in listing
    for message, phrase in ((en, "Due by"), (ru, "Срок")):
        page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
        assert phrase in page and link in page
        assert "<script>alert" not in page
        assert "Plain-text part" in page and "HTML part" in page


# ---------------------------------------------------------------- access and the list
def test_people_see_only_their_own_notices_and_only_admins_the_outbox(app, runner, client, auth, world):
    learning.create_assignment(world["hr"], world["course"], users=[world["anna"], world["boris"]])
    db.session.commit()
    run(runner, utcnow())
    boris_notice = db.session.scalars(select(Notice).where(Notice.user_id == world["boris"].id)).one()
    message = db.session.scalars(select(OutboxMessage)).first()

    auth.login("anna@example.com")
    page = client.get("/notifications")
    assert page.status_code == 200 and "New course assigned" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    assert client.post(f"/notifications/{boris_notice.id}/read", data={"csrf_token": token}).status_code == 404
    assert db.session.get(Notice, boris_notice.id).read_at is None
    assert client.get("/admin/outbox").status_code == 403
    assert client.get(f"/admin/outbox/{message.id}").status_code == 403
    auth.logout()
    auth.login("hr@example.com")
    assert client.get("/admin/outbox").status_code == 403
    auth.logout()
    auth.login("admin@example.com")
    assert client.get(f"/admin/outbox/{message.id}").status_code == 200


def test_unread_badge_costs_one_query_and_mark_read_needs_csrf(app, client, auth, world):
    anna = world["anna"]
    link = services.path_for("learning.course", slug="complaint-handling")
    services.record(
        "due_soon",
        [services.Pending(anna.id, f"test:{n}", {"course": "C", "due": "2030-01-01"}, link) for n in range(3)],
    )
    db.session.commit()
    auth.login("anna@example.com")
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = client.get("/learn").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert re.search(r'class="badge">3<', page)
    assert sum(" notices" in s.lower() for s in statements) == 1

    listing = client.get("/notifications").get_data(as_text=True)
    assert f'href="{link}"' in listing
    first = db.session.scalars(select(Notice).order_by(Notice.id)).first()
    assert client.post(f"/notifications/{first.id}/read").status_code == 400  # no CSRF token
    token = csrf_from(listing)
    assert client.post(f"/notifications/{first.id}/read", data={"csrf_token": token}).status_code == 302
    assert re.search(r'class="badge">2<', client.get("/learn").get_data(as_text=True))
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert 'class="badge"' not in client.get("/learn").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Notice.id)).where(Notice.read_at.is_(None))) == 0


def test_the_list_shows_a_page_of_notices_newest_first_as_they_stand(app, client, auth, world):
    """The notices page lists 25 a page, newest first (the later of two at the same moment first), each
    marked new or withdrawn as it stands, with its own mark-read form only while unread; a page past the
    last is a 404; and it costs the same statements for 3 notices as for 27."""
    anna = world["anna"]
    start = utcnow() - timedelta(days=30)

    def add(numbers) -> None:
        for n in numbers:  # 0 and 1 share a moment
            day = {"course": f"Course {n:02d}", "due": "2030-01-01"}
            at = start + timedelta(hours=max(n, 1))
            services.record("due_soon", [services.Pending(anna.id, f"list:{n}", day, f"/learn/x{n}")], now=at)
        db.session.commit()

    add(range(3))
    auth.login("anna@example.com")
    with counted() as few:
        client.get("/notifications")
    add(range(3, 27))
    by_course = {n.params["course"]: n for n in db.session.scalars(select(Notice).where(Notice.user_id == anna.id))}
    by_course["Course 26"].read_at = utcnow()
    by_course["Course 25"].withdrawn_at = utcnow()
    db.session.commit()

    with counted() as many:
        first = client.get("/notifications").get_data(as_text=True)
    assert len(many) == len(few)
    shown = re.findall(r"Due on [^:<]+: Course (\d\d)", first)
    assert shown == [f"{n:02d}" for n in range(26, 1, -1)]
    items = first.split('<li class="notice ')[1:]
    assert items[0].startswith("read") and "new</span>" not in items[0] and "/read" not in items[0]
    assert items[1].startswith("unread withdrawn") and "withdrawn</span>" in items[1]
    assert all(
        "new</span>" in item and f'/notifications/{by_course[f"Course {n:02d}"].id}/read"' in item
        for item, n in zip(items[1:], range(25, 1, -1), strict=True)
    )
    assert 'href="/learn/x26"' in items[0]
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert re.findall(r"Due on [^:<]+: Course (\d\d)", second) == ["01", "00"]
    assert client.get("/notifications?page=3").status_code == 404


# ---------------------------------------------------------------- email choices
def test_email_opt_out_is_respected_and_mandatory_kinds_stay_on(app, runner, client, auth, world):
    anna = world["anna"]
    auth.login("anna@example.com")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "A course is assigned to me" in page and "disabled" in page
    assert "The weekly HR summary" not in page and "A visit is given to me" not in page  # not for her roles
    r = post_form(
        client,
        "/account/notifications",
        {"email_due_soon": "y", "email_card_approved": "y", "email_dispute_settled": "y", "email_assignment": ""},
    )
    assert r.status_code == 302
    assert set(db.session.scalars(select(EmailOptOut.kind).where(EmailOptOut.user_id == anna.id))) == {"quiz_result"}

    learning.create_assignment(world["hr"], world["course"], users=[anna])
    complete_course(anna, utcnow())
    run(runner, utcnow())
    result = db.session.scalars(select(Notice).where(Notice.kind == "quiz_result")).one()
    assert result.email_state == "skipped" and result.read_at is None  # still in the app
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.notice_id == result.id)) == 0
    assigned = db.session.scalars(select(Notice).where(Notice.kind == "assignment")).one()
    assert assigned.email_state == "sent"

    services.set_email_choices(anna, {"assignment": False, "quiz_result": True})
    db.session.commit()
    assert services.email_opt_outs(anna) == set()


# ---------------------------------------------------------------- recurring training
def test_a_recurring_assignment_reopens_once_per_period(app, runner, client, auth, world):
    anna = world["anna"]
    today0 = local_today(utcnow())
    auth.login("hr@example.com")
    r = post_form(
        client,
        "/assignments",
        {
            "course": "complaint-handling",
            "department": "0",
            "people": [anna.id],
            "due_on": (today0 + timedelta(days=14)).isoformat(),
            "repeat_months": "12",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    assignment = db.session.scalars(select(Assignment)).one()
    assert assignment.repeat_months == 12 and assignment.cycle == 1
    created, first_due = assignment.created_at, assignment.due_on
    complete_course(anna, created + timedelta(days=1))

    run(runner, add_months(created, 6))
    assert keys("reopened") == [] and keys("overdue") == []

    year = add_months(created, 12)
    run(runner, year + timedelta(hours=1))
    run(runner, year + timedelta(hours=2))
    run(runner, year + timedelta(days=1))
    db.session.refresh(assignment)
    assert keys("reopened") == [f"reopen:{assignment.id}:2:{anna.id}"]
    assert assignment.cycle == 2 and assignment.cycle_started_at == year
    assert assignment.due_on == add_months(first_due, 12)
    row = learning.my_assignments(anna, today=local_today(year))[0]
    assert not row.progress.completed  # last year's completion does not count in this round
    assert reports.company_row(today=local_today(year)).completed == 0  # nor in HR's report

    complete_course(anna, year + timedelta(days=2))  # the quiz's attempt limit counts this round only
    completion = db.session.scalars(select(CourseCompletion)).one()
    assert completion.completed_at < year <= completion.last_completed_at
    assert learning.my_assignments(anna, today=local_today(year))[0].progress.completed
    assert reports.company_row(today=local_today(year)).completed == 1
    run(runner, datetime.combine(assignment.due_on, time(6)) + timedelta(days=10))
    assert keys("overdue") == []

    # Two years of downtime: one reopening, straight to the round running now.
    run(runner, add_months(created, 36) + timedelta(days=1))
    run(runner, add_months(created, 36) + timedelta(days=2))
    db.session.refresh(assignment)
    assert assignment.cycle == 4 and assignment.due_on == add_months(first_due, 36)
    assert keys("reopened") == [f"reopen:{assignment.id}:2:{anna.id}", f"reopen:{assignment.id}:4:{anna.id}"]
    text = render("reopened", db.session.scalars(select(Notice).where(Notice.kind == "reopened")).first().params)
    assert "every 12 months" in " ".join(text.lines)
    assert_every_email_once()


# ---------------------------------------------------------------- shop events
def test_shop_events_reach_shopper_and_employee_without_naming_the_shopper(app, runner, client, auth, world):
    hr, anna, shopper = world["hr"], world["anna"], world["shopper"]
    anna.locale = "ru"  # the loop gives her the sample's Russian course
    today = local_today(utcnow())
    visit = shopping.schedule_visits(
        hr, [world["branch"]], world["checklist"], today, today + timedelta(days=7), shopper
    )[0]
    card = shopping.card_for_visit(shopper, visit)
    answers = {"greet-30s": "yes", "introduced": "yes", "polite": "no", "open-questions": "yes", "paraphrased": "yes"}
    shopping.save_draft(
        card,
        answers=answers,
        comments={"polite": "Was rude"},
        visited_at=utcnow() - timedelta(hours=1),
        duration_min=15,
        employee_id=anna.id,
    )
    shopping.submit_card(card)
    shopping.review_card(hr, card, "return", "Attach the receipt, please")
    shopping.submit_card(card)
    shopping.review_card(hr, card, "approve")
    db.session.commit()

    assert len(keys("visit_new", shopper)) == 1
    returned = db.session.scalars(select(Notice).where(Notice.kind == "card_returned")).one()
    assert returned.user_id == shopper.id and "Attach the receipt, please" in " ".join(
        render("card_returned", returned.params).lines
    )
    approved = db.session.scalars(select(Notice).where(Notice.kind == "card_approved")).one()
    assert approved.user_id == anna.id and approved.link == f"/shop/results/{card.id}"
    loop = db.session.scalars(select(Notice).where(Notice.kind == "assignment", Notice.user_id == anna.id)).one()
    why = " ".join(render("assignment", loop.params).lines)
    assert "Why: a mystery shop on" in why and "Был вежлив на протяжении всего визита" in why

    dispute = shopping.open_dispute(anna, card, "polite", "I was polite")
    shopping.settle_dispute(hr, dispute, True, "The camera agrees", "yes")
    db.session.commit()
    settled = db.session.scalars(select(Notice).where(Notice.kind == "dispute_settled")).one()
    assert settled.user_id == anna.id and db.session.get(Dispute, dispute.id).status == "accepted"

    run(runner, utcnow())
    # the assignment's email had not gone yet when it was withdrawn: only the withdrawal is mailed
    states = dict(db.session.execute(select(Notice.kind, Notice.email_state).where(Notice.user_id == anna.id)).all())
    assert states["assignment"] == "skipped" and states["assignment_withdrawn"] == "sent"
    for notice in db.session.scalars(select(Notice).where(Notice.user_id == anna.id, Notice.email_state == "sent")):
        outbox = db.session.scalars(select(OutboxMessage).where(OutboxMessage.notice_id == notice.id)).one()
        for text in (outbox.subject, outbox.text_body, outbox.html_body, str(notice.params)):
            assert "Проверкин" not in text and "shop@example.com" not in text
    auth.login("anna@example.com")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Результат проверки тайным покупателем" in page and "Ваше возражение принято" in page  # her language
    assert "Проверкин" not in page
    assert "Курс отменён: Работа с жалобами" in page  # the item is overturned: the course it brought is withdrawn

    # an open visit taken by a shopper is announced to them
    other = people.create_department(None, "Арбат", None)
    open_visit = shopping.schedule_visits(
        hr, [other], world["checklist"], today + timedelta(days=30), today + timedelta(days=37)
    )[0]
    assert keys("visit_new", shopper) == [f"visit:{visit.id}:{shopper.id}"]
    shopping.claim_visit(shopper, open_visit)
    db.session.commit()
    assert f"visit:{open_visit.id}:{shopper.id}" in keys("visit_new", shopper)


# ---------------------------------------------------------------- SMTP
class FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        if FakeSMTP.fail:
            raise OSError("connection refused")
        FakeSMTP.sent.append(message)

    def quit(self):
        pass


def test_with_a_mail_server_emails_go_by_smtp_and_are_still_recorded(app, runner, world, monkeypatch):
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.fail = [], False
    app.config.update(MAIL_SERVER="smtp.example.com", MAIL_FROM="rapport@example.com")
    learning.create_assignment(world["hr"], world["course"], users=[world["anna"]])
    db.session.commit()
    run(runner, utcnow())
    assert len(FakeSMTP.sent) == 1
    message = FakeSMTP.sent[0]
    assert message["To"] == "anna@example.com" and message["From"] == "rapport@example.com"
    assert message.get_content_type() == "multipart/alternative"
    stored = db.session.scalars(select(OutboxMessage)).one()
    assert stored.via == "smtp" and stored.sent_at is not None and stored.error is None

    FakeSMTP.fail = True
    learning.create_assignment(world["hr"], world["course"], users=[world["boris"]])
    db.session.commit()
    run(runner, utcnow())
    failed = db.session.scalars(select(Notice).where(Notice.user_id == world["boris"].id)).one()
    assert failed.email_state == "failed"
    assert (
        "connection refused"
        in db.session.scalars(select(OutboxMessage).where(OutboxMessage.notice_id == failed.id)).one().error
    )
    run(runner, utcnow())  # a failure is recorded, not retried in a loop
    assert len(FakeSMTP.sent) == 1


def test_notify_run_rejects_a_bad_clock(runner):
    result = runner.invoke(args=["notify", "run", "--now", "yesterday"])
    assert result.exit_code != 0 and "--now" in result.output


def test_results_in_notices_have_the_one_decimal_of_the_pages(app):
    """79.6% is not passed against a pass mark of 80%: a notice must not round it up to 80%."""
    from flask_babel import force_locale

    from app.notify.kinds import render

    with app.test_request_context(), force_locale("en"):
        failed = render("quiz_result", {"quiz": "Q", "percent": 79.6, "pass": 80, "passed": False})
        assert failed.title == "“Q”: 79.6%, not passed yet" and "You need 80% to pass." in failed.lines[0]
        third = render("quiz_result", {"quiz": "Q", "percent": 200 / 3, "pass": 66.67, "passed": False})
        assert "66.7%" in third.title and "66.67%" in third.lines[0]
        card = render("card_approved", {"department": "D", "day": "2026-06-01", "percent": 79.5})
        assert card.title == "Mystery-shop result: 79.5%" and "Result: 79.5%." in card.lines
