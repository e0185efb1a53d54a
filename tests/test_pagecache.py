"""Kept pages (app/core/pagecache.py): the same person's identical request is answered from memory
while nothing has been written, and never once anything has changed, nor to anyone else."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app import create_app
from app.core import pagecache
from app.core.audit import utcnow
from app.extensions import db
from app.learning.models import QuizAttempt
from app.people.models import User
from tests.conftest import AuthActions, _config, csrf_from
from tests.test_shop_flow import card_data, schedule, setup  # noqa: F401 - setup is a fixture

SAMPLES = Path(__file__).parent / "samples"
CASE = "/learn/cases/courier-no-call"
QUIZ = "/learn/quizzes/courier-no-call"


@pytest.fixture
def app(make_app):
    app = make_app(PAGE_CACHE_SECONDS=300)  # as shipped (the whole suite runs with it), whatever the environment says
    with app.app_context():
        yield app


def settled(client, path: str):
    """Open ``path`` until the session stops changing (the first visit mints a CSRF token); the last answer."""
    for _ in range(3):
        response = client.get(path)
        if "Set-Cookie" not in response.headers:
            return response
    raise AssertionError(f"{path} kept setting a cookie")


def signed_in(app, email: str, agent: str | None = None):
    """A new browser (its own cookies; ``agent`` as its user agent) signed in as ``email``."""
    client = app.test_client()
    if agent:
        client.environ_base["HTTP_USER_AGENT"] = agent
    AuthActions(client).login(email)
    return client


def kept(response) -> bool:
    return response.headers.get("X-Page-Cache") == "hit"


def test_a_repeat_request_is_answered_from_memory_with_the_same_page(client, learner):
    first = settled(client, CASE)
    assert not kept(first)
    again = client.get(CASE)
    assert kept(again)
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]


def test_a_write_retires_the_page_and_the_next_answer_shows_it(client, learner):
    page = settled(client, CASE)
    assert kept(client.get(CASE))
    assert "You have read this case." not in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    client.post(f"{CASE}/read", data={"csrf_token": token})
    after = settled(client, CASE)  # the flashed message is shown once, then the page settles
    assert not kept(after)
    assert "You have read this case." in after.get_data(as_text=True)
    assert kept(client.get(CASE))


def test_another_person_never_gets_someone_elses_page(app, client, learner, make_user):
    settled(client, "/dashboard/employee")
    assert kept(client.get("/dashboard/employee"))
    make_user("employee", email="other@example.com", name="Другой Сотрудник")
    other = signed_in(app, "other@example.com")
    page = settled(other, "/dashboard/employee")
    assert not kept(page)
    assert "Другой Сотрудник" in page.get_data(as_text=True)
    # Without its cookie a kept page's address leads to sign-in, not to the page.
    anonymous = app.test_client()
    assert anonymous.get("/dashboard/employee").status_code == 302


def test_a_deactivated_person_is_not_served_their_kept_page(client, learner):
    settled(client, "/dashboard/employee")
    assert kept(client.get("/dashboard/employee"))
    db.session.get(User, learner.id).active = False
    db.session.commit()
    response = client.get("/dashboard/employee")
    assert not kept(response)
    assert response.status_code == 302


def test_the_language_and_the_user_agent_are_part_of_the_key(client, learner):
    settled(client, CASE)
    assert kept(client.get(CASE))
    assert not kept(client.get(CASE, headers={"Accept-Language": "ru"}))
    # Sign-in sessions are bound to the browser: another agent with the same cookie is signed out.
    assert client.get(CASE, headers={"User-Agent": "something-else"}).status_code == 302


def test_pages_with_a_flashed_message_or_a_new_cookie_are_not_kept(client, learner):
    first = client.get(QUIZ)  # mints the quiz form's CSRF token: the session changes
    assert "Set-Cookie" in first.headers
    assert not kept(client.get(QUIZ))
    token = csrf_from(client.get(QUIZ).get_data(as_text=True))
    client.post(f"{CASE}/read", data={"csrf_token": token})  # redirects to the quiz with a message
    shown = client.get(QUIZ)
    assert "Marked as read." in shown.get_data(as_text=True)
    again = client.get(QUIZ)
    assert "Marked as read." not in again.get_data(as_text=True)


def test_a_page_that_wrote_is_not_kept(client, learner):
    """The quiz page closes attempts past their deadline: that answer is rendered, not kept."""
    settled(client, QUIZ)
    token = csrf_from(client.get(QUIZ).get_data(as_text=True))
    client.post(f"{QUIZ}/start", data={"csrf_token": token})
    attempt = db.session.scalars(select(QuizAttempt)).one()
    attempt.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    closing = client.get(QUIZ)
    assert not kept(closing)
    assert db.session.get(QuizAttempt, attempt.id).status != "open"
    assert not kept(client.get(QUIZ))  # rendered again, now with nothing to write: kept from here on
    assert kept(client.get(QUIZ))


def test_an_open_attempt_deadline_ends_the_entry(app, client, learner, monkeypatch):
    settled(client, QUIZ)
    token = csrf_from(client.get(QUIZ).get_data(as_text=True))
    client.post(f"{QUIZ}/start", data={"csrf_token": token})
    attempt = db.session.scalars(select(QuizAttempt)).one()
    attempt.deadline_at = utcnow() + timedelta(seconds=30)
    db.session.commit()
    settled(client, QUIZ)
    assert kept(client.get(QUIZ))
    later = time.time() + 31
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    assert not kept(client.get(QUIZ))


def test_entries_end_at_the_quarter_hour_and_after_the_configured_time(app, client, learner, monkeypatch):
    settled(client, CASE)
    entry = next(iter(app.extensions["page_cache"].entries.values()))
    now = time.time()
    assert entry.expires <= now + 300
    assert entry.expires <= (now // 900 + 1) * 900  # "today" turns on a quarter hour in every time zone
    monkeypatch.setattr(pagecache.time, "time", lambda: entry.expires + 1)
    assert not kept(client.get(CASE))


def test_a_write_made_by_another_worker_retires_this_workers_pages(client, learner, database_url):
    """Another worker (another app, its own engine, on the same database) writes: the page kept here lapses."""
    settled(client, CASE)
    assert kept(client.get(CASE))
    worker = create_app(_config(database_url, PAGE_CACHE_SECONDS=300))
    with worker.app_context():
        with db.engine.begin() as conn:  # a plain Core statement, as a CLI command would make
            conn.execute(text("UPDATE users SET name = 'Новое Имя' WHERE email = 'e@example.com'"))
        db.engine.dispose()
    response = client.get(CASE)
    assert not kept(response)
    assert kept(client.get(CASE))


def test_a_rolled_back_write_moves_nothing(app, client, learner):
    settled(client, CASE)
    before = db.session.scalar(select(pagecache.PageGeneration.n))
    db.session.execute(text("UPDATE users SET name = 'Откат' WHERE email = 'e@example.com'"))
    db.session.rollback()
    assert db.session.scalar(select(pagecache.PageGeneration.n)) == before
    assert kept(client.get(CASE))


def test_a_bulk_write_past_sqlalchemy_still_counts(app):
    before = db.session.scalar(select(pagecache.PageGeneration.n)) or 0
    connection = db.session.connection()
    pagecache.note_write(connection)
    db.session.commit()
    assert db.session.scalar(select(pagecache.PageGeneration.n)) == before + 1


def test_a_content_import_retires_kept_pages(client, learner, runner):
    settled(client, CASE)
    assert kept(client.get(CASE))
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    # Importing the same files changes nothing; the page may stay. Editing one changes it:
    db.session.execute(text("UPDATE content_versions SET title = title"))
    db.session.commit()
    assert not kept(client.get(CASE))


def _signed_in_clients(app, count: int) -> list:
    """One person in several browsers: a kept page each."""
    return [signed_in(app, "e@example.com", agent=f"agent-{n}") for n in range(count)]


def test_the_cache_holds_no_more_than_its_budget(app, learner):
    clients = _signed_in_clients(app, 8)
    cache = app.extensions["page_cache"]
    settled(clients[0], "/dashboard/employee")
    cache.max_bytes = int(5.5 * cache.size)  # room for five dashboards
    for client in clients[1:]:
        settled(client, "/dashboard/employee")
    assert len(cache.entries) == 5
    assert 0 < cache.size == sum(len(e.body) for e in cache.entries.values()) <= cache.max_bytes
    assert kept(clients[-1].get("/dashboard/employee"))  # the most recent stay
    assert not kept(clients[0].get("/dashboard/employee"))


def test_a_page_larger_than_a_quarter_of_the_budget_is_not_kept(app, client, learner):
    cache = app.extensions["page_cache"]
    size = len(settled(client, CASE).get_data())
    cache.entries.clear()
    cache.size = 0
    cache.max_bytes = 4 * size - 4
    client.get(CASE)
    assert not kept(client.get(CASE))
    assert not cache.entries


def test_a_write_frees_every_page_kept_before_it(app, learner):
    clients = _signed_in_clients(app, 3)
    cache = app.extensions["page_cache"]
    for client in clients:
        settled(client, "/dashboard/employee")
    assert len(cache.entries) == 3
    db.session.get(User, learner.id).name = "Переименован"
    db.session.commit()
    settled(clients[0], CASE)
    assert len(cache.entries) == 1
    assert cache.size == len(next(iter(cache.entries.values())).body)


def test_turned_off_it_keeps_nothing(make_app):
    app = make_app(PAGE_CACHE_SECONDS=0)
    assert "page_cache" not in app.extensions


def _generations(person_id: int) -> tuple[int, int]:
    db.session.expire_all()
    rows = dict(db.session.execute(select(pagecache.PageGeneration.id, pagecache.PageGeneration.n)).all())
    return rows.get(pagecache.EVERYONE, 0), rows.get(-person_id, 0)


def _second_employee(app, make_user):
    make_user("employee", email="b@example.com", name="Второй Сотрудник")
    other = signed_in(app, "b@example.com")
    settled(other, "/dashboard/employee")
    assert kept(other.get("/dashboard/employee"))
    return other


def _open_attempt(client) -> tuple[int, str]:
    settled(client, QUIZ)
    token = csrf_from(client.get(QUIZ).get_data(as_text=True))
    started = client.post(f"{QUIZ}/start", data={"csrf_token": token})
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    return attempt_id, csrf_from(client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True))


def _autosave(client, attempt_id: int, token: str):
    return client.post(
        f"/learn/attempts/{attempt_id}/answer",
        json={"question": "q1", "response": [1]},
        headers={"X-CSRFToken": token},
    )


def test_an_autosave_retires_only_its_authors_pages(app, client, learner, make_user):
    attempt_id, token = _open_attempt(client)
    other = _second_employee(app, make_user)
    settled(client, QUIZ)
    assert kept(client.get(QUIZ))
    everyone, own = _generations(learner.id)
    assert _autosave(client, attempt_id, token).status_code == 200
    assert _generations(learner.id) == (everyone, own + 1)
    assert not kept(client.get(QUIZ))  # the author's own page is rendered again
    assert kept(other.get("/dashboard/employee"))  # nobody else's is


def test_an_autosave_that_closes_a_timed_out_attempt_retires_everyones_pages(app, client, learner, make_user):
    attempt_id, token = _open_attempt(client)
    other = _second_employee(app, make_user)
    db.session.get(QuizAttempt, attempt_id).deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    settled(other, "/dashboard/employee")
    everyone, _own = _generations(learner.id)
    assert _autosave(client, attempt_id, token).status_code == 409  # the time was up: finished and scored
    assert _generations(learner.id)[0] == everyone + 1
    assert not kept(other.get("/dashboard/employee"))


def test_a_card_draft_autosave_moves_only_its_shoppers_generation(client, auth, setup):  # noqa: F811
    from app.shopping.models import Scorecard

    visit = schedule(client, auth, setup)
    auth.login("shop@example.com")
    url = f"/shop/visits/{visit.id}/card"
    page = client.get(url)
    client.post(url, data={**card_data(setup), "csrf_token": csrf_from(page.get_data(as_text=True))})
    card = db.session.scalars(select(Scorecard)).one()
    token = csrf_from(client.get(url).get_data(as_text=True))
    everyone, own = _generations(setup["shopper"].id)
    saved = client.post(
        f"/shop/cards/{card.id}/autosave", json={"name": "summary", "value": "Вежливо"}, headers={"X-CSRFToken": token}
    )
    assert saved.status_code == 200
    assert _generations(setup["shopper"].id) == (everyone, own + 1)
    submitted = client.post(url, data={**card_data(setup), "submit": "1", "csrf_token": token})
    assert submitted.status_code == 302
    assert _generations(setup["shopper"].id)[0] > everyone  # a submitted card reaches the review queue


def test_a_trainers_quiz_statistics_are_kept_until_an_attempt_finishes(app, client, learner, make_user):
    attempt_id, token = _open_attempt(client)
    make_user("trainer", email="t@example.com")
    trainer = signed_in(app, "t@example.com")
    stats = "/quizzes/courier-no-call/stats"
    settled(trainer, stats)
    assert kept(trainer.get(stats))
    assert _autosave(client, attempt_id, token).status_code == 200
    assert kept(trainer.get(stats))  # an answer in progress is not in the statistics
    client.post(f"/learn/attempts/{attempt_id}", data={"csrf_token": token, "finish": "1", "q1": ["1"]})
    assert db.session.get(QuizAttempt, attempt_id).status == "finished"
    assert not kept(trainer.get(stats))
