"""State changes happen once, whatever the clicks; and the four-eyes rule.

The app is served by a real threaded WSGI server and signed-in browsers (``requests`` sessions with
their cookies and CSRF tokens) send the same action several times at once. On PostgreSQL the
requests run in parallel threads; SQLite runs one writer at a time anyway, so there they are sent
one after the other and the same assertions hold.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select, update
from werkzeug.serving import make_server

from app import rollups
from app.api.auth import create_token
from app.authoring import services as authoring
from app.content import services as content
from app.content.models import ContentItem, ContentVersion
from app.core.audit import AuditEntry
from app.core.transitions import StateConflict
from app.extensions import db
from app.learning import services as learning
from app.learning.models import Assignment, QuizAttempt
from app.people import services as people
from app.people.models import User
from app.shopping import services as shopping
from app.shopping.models import Dispute, Scorecard, ScorecardSection
from tests.conftest import csrf_from, post_form

SAMPLES = Path(__file__).parent / "samples"
PARALLEL = os.environ.get("DATABASE_URL", "").startswith("postgresql")
CLICKS = 4
ITEMS = ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]


@pytest.fixture
def server(app):
    """The app behind a real threaded HTTP server; yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


def browser(base: str, email: str) -> requests.Session:
    """A signed-in browser."""
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    token = csrf_from(session.get(f"{base}/login").text)
    r = session.post(
        f"{base}/login",
        data={"email": email, "password": "secret-password-1", "csrf_token": token},
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text
    return session


def tabs(session: requests.Session, n: int = CLICKS) -> list[requests.Session]:
    """``n`` copies of one signed-in browser: as many clicks (or tabs) sending at once."""
    copies = []
    for _ in range(n):
        copy = requests.Session()
        copy.headers.update(session.headers)
        copy.cookies.update(session.cookies)
        copies.append(copy)
    return copies


def at_once(calls) -> list:
    """Run the calls together (in parallel on PostgreSQL; one after the other on SQLite); their results."""
    db.session.commit()  # what the test set up is visible to the server, and the test holds no locks
    if not PARALLEL:
        results = [call() for call in calls]
    else:
        results: list = [None] * len(calls)
        barrier = threading.Barrier(len(calls))

        def run(i):
            barrier.wait()
            try:
                results[i] = calls[i]()
            except Exception as exc:  # noqa: BLE001 - reported below, in the test's thread
                results[i] = exc

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    db.session.expire_all()
    for result in results:
        assert not isinstance(result, Exception), result
        assert result.status_code < 500, result.text
    return results


def figures() -> dict:
    """Every roll-up row of shop, quiz and skill figures and item failures, rounded."""
    models = [model for tiers in rollups.TIERS.values() for model in tiers]
    models += [rollups.ItemTotal, rollups.ItemMonthly]
    out = {}
    for model in models:
        table = model.__table__
        rows = db.session.execute(select(table)).all()
        out[table.name] = sorted(
            tuple(round(v, 6) if isinstance(v, float) else v for v in row)
            for row in rows
            if any(v for k, v in row._mapping.items() if k not in ("department_id", "day", "skill", "item_id"))
        )
    return out


def all_time(model, measure: str, department_id: int):
    """A department's figure over all time: the sum of its monthly rows."""
    return db.session.scalar(select(func.sum(getattr(model, measure))).where(model.department_id == department_id))


def assert_figures_match_a_rebuild() -> None:
    """The figures kept as results came in equal those a full recomputation gives."""
    kept = figures()
    rollups.rebuild()
    db.session.flush()
    assert figures() == kept
    db.session.rollback()


def audit_count(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def flashes(responses) -> list[str]:
    return [r.text for r in responses]


@pytest.fixture
def world(runner, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    region = people.create_department(None, "Москва", None)
    branch = people.create_department(None, "Тверская", region)
    db.session.commit()
    return SimpleNamespace(
        branch=branch,
        shopper=make_user("shopper", email="shop@example.com"),
        hr=make_user("hr", email="hr@example.com"),
        hr2=make_user("hr", email="hr2@example.com"),
        anna=make_user("employee", email="anna@example.com", department=branch, name="Анна Смирнова"),
    )


def submitted_card(world, shopper=None, employee=None, **answers) -> Scorecard:
    payload = {
        "checklist": "branch-visit",
        "department": "Москва/Тверская",
        "employee": (employee or world.anna).email,
        "visited_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "answers": {item: answers.get(item, "yes") for item in ITEMS},
        "comments": {item: "seen" for item, a in answers.items() if a == "no"},
    }
    card, created = shopping.submit_from_api(shopper or world.shopper, payload)
    assert created and card.status == "submitted"
    db.session.commit()
    return card


def approved_card_with_disputes(world, items: list[str], employee=None) -> Scorecard:
    card = submitted_card(world, employee=employee, **dict.fromkeys(items, "no"))
    shopping.review_card(world.hr2, card, "approve")
    for item in items:
        shopping.open_dispute(employee or world.anna, card, item, "I did, ask the camera")
    db.session.commit()
    return card


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


# ---------------------------------------------------------------- review
@pytest.mark.committed
def test_parallel_approvals_count_the_card_once(server, world):
    world.anna.locale = "ru"  # she learns in Russian, the language of the sample course
    db.session.commit()
    card = submitted_card(world, polite="no")  # 'polite' trains empathy: approval assigns a course
    url = f"{server}/shop/cards/{card.id}"
    hr = browser(server, "hr@example.com")
    token = csrf_from(hr.get(url).text)
    clicks = tabs(hr)
    responses = at_once(
        [lambda s=s: s.post(url, data={"csrf_token": token, "approve": "1"}, allow_redirects=False) for s in clicks]
    )
    assert all(r.status_code == 302 for r in responses)
    won = [s for s, r in zip(clicks, responses, strict=True) if path_of(r) == "/shop/review"]
    lost = [s for s, r in zip(clicks, responses, strict=True) if path_of(r) == f"/shop/cards/{card.id}"]
    assert len(won) == 1 and len(lost) == CLICKS - 1
    for s in lost:  # the others see the card as it is now, and why nothing happened
        assert "This card is now approved, so this is no longer possible." in s.get(url).text
    db.session.refresh(card)
    assert card.status == "approved"
    assert audit_count("card.approve") == 1
    assert db.session.scalar(select(func.count(Assignment.id))) == 1  # the loop to training ran once
    assert_figures_match_a_rebuild()
    assert all_time(rollups.ShopMonthly, "cards", world.branch.id) == 1  # counted once


@pytest.mark.committed
def test_parallel_api_reviews_one_wins_the_others_get_409_with_the_status(server, world):
    card = submitted_card(world)
    token = create_token(world.hr, "t")[1]
    db.session.commit()
    url = f"{server}/api/v1/scorecards/{card.id}/review"
    decisions = ["approve", "reject", "approve", "return"]
    responses = at_once(
        [
            lambda d=d: requests.post(
                url, json={"decision": d, "note": "checked"}, headers={"Authorization": f"Bearer {token}"}
            )
            for d in decisions
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409]
    winner = next(r for r in responses if r.status_code == 200).json()["status"]
    for r in responses:
        if r.status_code == 409:
            body = r.json()
            assert body["status"] == winner and body["error"]["code"] == 409 and winner in body["error"]["message"]
    db.session.refresh(card)
    assert card.status == winner
    assert sum(audit_count(f"card.{d}") for d in ("approve", "reject", "return")) == 1
    assert_figures_match_a_rebuild()


# ---------------------------------------------------------------- disputes
@pytest.mark.committed
def test_parallel_accepts_move_the_item_failures_once(server, world):
    card = approved_card_with_disputes(world, ["polite"])
    dispute = db.session.scalars(select(Dispute)).one()
    before = db.session.get(rollups.ItemTotal, (world.branch.id, "polite", "empathy"))
    assert (before.failed, before.applicable) == (1, 1)
    hr = browser(server, "hr@example.com")
    token = csrf_from(hr.get(f"{server}/shop/disputes").text)
    url = f"{server}/shop/disputes/{dispute.id}"
    responses = at_once(
        [lambda s=s: s.post(url, data={"csrf_token": token, "accept": "1", "new_answer": "yes"}) for s in tabs(hr)]
    )
    pages = flashes(responses)
    assert sum("Dispute settled." in p for p in pages) == 1
    assert sum("This dispute is already settled." in p for p in pages) == CLICKS - 1
    db.session.refresh(dispute)
    db.session.refresh(card)
    assert dispute.status == "accepted" and card.total_percent == 100
    after = db.session.get(rollups.ItemTotal, (world.branch.id, "polite", "empathy"))
    assert (after.failed, after.applicable) == (0, 1)  # moved once, not to -2
    assert audit_count("dispute.accepted") == 1
    assert_figures_match_a_rebuild()
    assert all_time(rollups.ShopMonthly, "cards", world.branch.id) == 1


@pytest.mark.committed
def test_two_disputes_of_one_card_settled_at_once_rescore_it_from_both(server, world):
    card = approved_card_with_disputes(world, ["polite", "paraphrased"])
    disputes = db.session.scalars(select(Dispute).order_by(Dispute.item_id)).all()
    people_ = [browser(server, "hr@example.com"), browser(server, "hr2@example.com")]
    tokens = [csrf_from(p.get(f"{server}/shop/disputes").text) for p in people_]
    urls = [f"{server}/shop/disputes/{d.id}" for d in disputes]
    responses = at_once(
        [
            lambda p=p, t=t, u=u: p.post(u, data={"csrf_token": t, "accept": "1", "new_answer": "yes"})
            for p, t, u in zip(people_, tokens, urls, strict=True)
        ]
    )
    assert all("Dispute settled." in p for p in flashes(responses))
    db.session.refresh(card)
    assert {a.item_id: a.answer for a in card.answers} == dict.fromkeys(ITEMS, "yes")
    assert card.total_percent == 100 and card.passed
    assert_figures_match_a_rebuild()


@pytest.mark.committed
def test_double_click_on_dispute_opens_one_dispute(server, world):
    card = submitted_card(world, polite="no")
    shopping.review_card(world.hr, card, "approve")
    db.session.commit()
    anna = browser(server, "anna@example.com")
    url = f"{server}/shop/results/{card.id}"
    token = csrf_from(anna.get(url).text)
    data = {"csrf_token": token, "item": "polite", "reason": "I was polite"}
    pages = flashes(at_once([lambda s=s: s.post(url, data=data) for s in tabs(anna)]))
    assert sum("Your dispute was sent to HR." in p for p in pages) == 1
    assert sum("This item is already disputed." in p for p in pages) == CLICKS - 1
    assert db.session.scalar(select(func.count(Dispute.id))) == 1 and audit_count("dispute.open") == 1


# ---------------------------------------------------------------- shoppers
@pytest.mark.committed
def test_double_submit_of_a_card_submits_it_once(server, world):
    item = db.session.scalars(select(ContentItem).where(ContentItem.slug == "branch-visit")).one()
    (visit,) = shopping.schedule_visits(world.hr, [world.branch], item, date.today(), date.today(), world.shopper)
    db.session.commit()
    shopper = browser(server, "shop@example.com")
    url = f"{server}/shop/visits/{visit.id}/card"
    token = csrf_from(shopper.get(url).text)  # opening the form writes nothing: the clicks race to make the draft
    visited = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"csrf_token": token, "visited_at": visited, "duration_min": "15", "employee": world.anna.id}
    data.update({f"answer-{i}": "yes" for i in ITEMS}, submit="1")
    clicks = tabs(shopper)
    responses = at_once([lambda s=s: s.post(url, data=data, allow_redirects=False) for s in clicks])
    assert sorted(path_of(r) for r in responses) == ["/shop/"] + [f"/shop/visits/{visit.id}/card"] * (CLICKS - 1)
    card = db.session.scalars(select(Scorecard)).one()
    assert card.status == "submitted" and card.total_percent == 100
    assert audit_count("card.submit") == 1
    sections = db.session.scalar(select(func.count(ScorecardSection.id)).where(ScorecardSection.card_id == card.id))
    assert sections == len(shopping.checklist_of(card).sections)  # scored once, not once per click


@pytest.mark.committed
def test_two_shoppers_claiming_one_visit_one_gets_it(server, world, make_user):
    make_user("shopper", email="shop2@example.com")
    item = db.session.scalars(select(ContentItem).where(ContentItem.slug == "branch-visit")).one()
    (visit,) = shopping.schedule_visits(world.hr, [world.branch], item, date.today(), date.today() + timedelta(7))
    db.session.commit()
    shoppers = [browser(server, "shop@example.com"), browser(server, "shop2@example.com")]
    tokens = [csrf_from(s.get(f"{server}/shop/").text) for s in shoppers]
    url = f"{server}/shop/visits/{visit.id}/claim"
    responses = at_once(
        [lambda s=s, t=t: s.post(url, data={"csrf_token": t}) for s, t in zip(shoppers, tokens, strict=True)]
    )
    pages = flashes(responses)
    assert sum("The visit is yours." in p for p in pages) == 1
    assert sum("Someone has already taken this visit." in p for p in pages) == 1
    winner = next(i for i, p in enumerate(pages) if "The visit is yours." in p)
    db.session.refresh(visit)
    email = ["shop@example.com", "shop2@example.com"][winner]
    assert visit.shopper_id == db.session.scalars(select(User.id).where(User.email == email)).one()
    assert audit_count("visit.claim") == 1


# ---------------------------------------------------------------- learners and authors
@pytest.mark.committed
def test_triple_finish_of_a_quiz_attempt_finishes_it_once(server, world):
    version = content.published("quiz", "courier-no-call")
    attempt = learning.start_attempt(world.anna, version)
    db.session.commit()
    anna = browser(server, "anna@example.com")
    url = f"{server}/learn/attempts/{attempt.id}"
    token = csrf_from(anna.get(url).text)
    data = {"csrf_token": token, "finish": "1"}
    answers = {"q1": [1], "q2": [0, 1], "q3": [0, 1, 2, 3]}  # all right
    for shown in learning.presentation(attempt):
        key = shown.question.key
        if shown.question.type == "order":
            data.update({f"{key}_pos_{index}": str(n) for n, index in enumerate(answers[key], start=1)})
        else:
            data[key] = [str(v) for v in answers[key]]
    responses = at_once([lambda s=s: s.post(url, data=data) for s in tabs(anna, 3)])
    assert all(r.status_code == 200 and urlsplit(r.url).path.endswith("/result") for r in responses)
    attempts = db.session.scalars(select(QuizAttempt)).all()
    assert [(a.status, a.percent) for a in attempts] == [("finished", 100.0)]
    assert_figures_match_a_rebuild()
    assert all_time(rollups.QuizMonthly, "attempts", world.branch.id) == 1  # counted once


@pytest.mark.committed
@pytest.mark.parametrize("slug", ["courier-no-call", "brand-new"])
def test_parallel_publishes_make_one_version(server, world, make_user, slug):
    make_user("trainer", email="t@example.com")
    if slug == "brand-new":
        authoring.new_item(None, "case", slug)
        source = authoring.current_source("case", slug)[0]
    else:
        source = content.published("case", slug).source.replace("Text.", "Edited text.")
    db.session.commit()
    trainer = browser(server, "t@example.com")
    url = f"{server}/authoring/case/{slug}"
    token = csrf_from(trainer.get(url).text)
    responses = at_once(
        [lambda s=s: s.post(url, data={"csrf_token": token, "source": source, "publish": "1"}) for s in tabs(trainer)]
    )
    pages = flashes(responses)
    assert sum("Published as version" in p for p in pages) == 1
    assert sum("Nothing changed; the published version stays." in p for p in pages) == CLICKS - 1
    item = db.session.scalars(select(ContentItem).where(ContentItem.kind == "case", ContentItem.slug == slug)).one()
    numbers = db.session.scalars(select(ContentVersion.number).where(ContentVersion.item_id == item.id)).all()
    assert sorted(numbers) == ([1] if slug == "brand-new" else [1, 2])
    assert item.published.source == source


# ---------------------------------------------------------------- four eyes
EN = {"Accept-Language": "en"}


@pytest.fixture
def boss(make_user):
    """A shopper who is also HR: the rule, not a missing role, must stop them reviewing their own cards."""
    return make_user("shopper", "hr", email="boss@example.com")


def settle_as(client, auth, email: str, dispute) -> tuple[str, str]:
    """Sign in as ``email`` and try to accept ``dispute`` from the disputes page, which must offer that
    person no form for it; (the disputes page, the page after the attempt)."""
    auth.login(email)
    page = client.get("/shop/disputes", headers=EN).get_data(as_text=True)
    assert f'action="/shop/disputes/{dispute.id}"' not in page
    r = post_form(
        client,
        f"/shop/disputes/{dispute.id}",
        {"accept": "1", "new_answer": "yes"},
        page_url="/shop/disputes",
        follow_redirects=True,
        headers=EN,
    )
    db.session.refresh(dispute)
    return page, r.get_data(as_text=True)


def test_submitter_with_hr_role_cannot_review_own_card(client, auth, world, boss):
    card = submitted_card(world, shopper=boss)
    token = create_token(boss, "t")[1]
    db.session.commit()
    auth.login("boss@example.com")
    page = client.get(f"/shop/cards/{card.id}", headers=EN).get_data(as_text=True)
    assert 'name="approve"' not in page and "You submitted this card, so someone else must review it." in page
    r = post_form(client, f"/shop/cards/{card.id}", {"approve": "1"}, headers=EN)
    assert r.status_code == 302 and path_of(r) == f"/shop/cards/{card.id}"
    shown = client.get(path_of(r), headers=EN).get_data(as_text=True)
    assert shown.count("You submitted this card, so someone else must review it.") == 2  # the message and the note
    r = client.post(
        f"/api/v1/scorecards/{card.id}/review",
        json={"decision": "approve"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403
    assert r.get_json()["error"]["message"] == "You submitted this card, so someone else must review it."
    db.session.refresh(card)
    assert card.status == "submitted" and audit_count("card.approve") == 0
    # anyone else with the right may
    shopping.review_card(world.hr, card, "approve")
    assert card.status == "approved"


def test_submitter_cannot_settle_a_dispute_about_their_card(client, auth, world, boss):
    card = submitted_card(world, shopper=boss, polite="no")
    shopping.review_card(world.hr, card, "approve")
    dispute = shopping.open_dispute(world.anna, card, "polite", "I was polite")
    db.session.commit()
    page, after = settle_as(client, auth, "boss@example.com", dispute)
    assert "You submitted this card, so someone else must settle disputes about it." in page
    assert "You submitted this card, so someone else must settle disputes about it." in after
    assert dispute.status == "open" and audit_count("dispute.accepted") == 0


def test_nobody_settles_a_dispute_about_themselves(client, auth, world, make_user):
    lead = make_user("hr", email="lead@example.com", department=world.branch)
    card = approved_card_with_disputes(world, ["polite"], employee=lead)
    dispute = db.session.scalars(select(Dispute)).one()
    _, after = settle_as(client, auth, "lead@example.com", dispute)
    assert "This dispute is about you, so someone else must settle it." in after
    db.session.refresh(card)
    assert dispute.status == "open" and card.total_percent < 100
    shopping.settle_dispute(world.hr, dispute, True, "The camera agrees")
    assert dispute.status == "accepted"


@pytest.mark.committed
def test_the_database_decides_when_the_session_holds_a_stale_copy(world):
    """On every database: a card this request read as submitted but another approved meanwhile loses in the UPDATE."""
    card = submitted_card(world)
    assert card.status == "submitted"  # this request's copy
    with db.engine.begin() as other_request:
        other_request.execute(update(Scorecard.__table__).where(Scorecard.id == card.id).values(status="approved"))
    with pytest.raises(StateConflict) as lost:
        shopping.review_card(world.hr, card, "reject", "duplicate")
    assert lost.value.status == "approved" and card.status == "approved"
    assert audit_count("card.reject") == 0 and not all_time(rollups.ShopMonthly, "cards", world.branch.id)


def test_a_stale_page_gets_a_message_not_a_second_approval(client, auth, world):
    """Sequentially, on every database: the second Approve (from a page loaded before the first) is refused."""
    card = submitted_card(world)
    auth.login("hr@example.com")
    page = client.get(f"/shop/cards/{card.id}").get_data(as_text=True)
    token = csrf_from(page)
    first = client.post(f"/shop/cards/{card.id}", data={"csrf_token": token, "approve": "1"})
    second = client.post(
        f"/shop/cards/{card.id}", data={"csrf_token": token, "reject": "1", "note": "no"}, follow_redirects=True
    )
    assert path_of(first) == "/shop/review"
    assert "This card is now approved" in second.get_data(as_text=True)
    db.session.refresh(card)
    assert card.status == "approved" and audit_count("card.approve") == 1 and audit_count("card.reject") == 0
