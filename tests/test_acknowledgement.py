"""The employee's copy of each approved card about them: read in full without the shopper, acknowledged or
disputed; HR sees which cards are acknowledged, disputed or still unread ACK_UNREAD_DAYS after approval."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.people import services as people
from app.people.models import User
from app.shopping import services as shopping
from app.shopping.models import CardAcknowledgement, Scorecard
from tests.conftest import csrf_from

SAMPLES = Path(__file__).parent / "samples"
ITEMS = ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]


@pytest.fixture
def cards(runner, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    branch = people.create_department(None, "Тверская", None)
    db.session.commit()
    hr = make_user("hr", email="hr@example.com")
    make_user("employee", email="anna@example.com", department=branch)
    make_user("employee", email="boris@example.com", department=branch)
    sam = make_user("shopper", email="sam@example.com", name="Самуил Тайный")
    made = []
    for n in range(3):
        payload = {
            "checklist": "branch-visit",
            "department": "Тверская",
            "employee": "anna@example.com",
            "visited_at": (datetime.now(UTC) - timedelta(hours=2 + n)).isoformat(),
            "answers": dict(dict.fromkeys(ITEMS, "yes"), introduced="no"),
            "comments": {"introduced": "Не представилась, сразу спросила номер заказа."},
        }
        card, _created = shopping.submit_from_api(sam, payload)
        shopping.review_card(hr, card, "approve")
        made.append(card.id)
    db.session.commit()
    return made


def _approved_days_ago(card_id: int, days: int) -> None:
    card = db.session.get(Scorecard, card_id)
    card.approved_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days)
    db.session.commit()


def test_the_employee_reads_the_card_in_full_without_the_shopper_and_acknowledges_it(client, auth, cards):
    auth.login("anna@example.com")
    page = client.get(f"/shop/results/{cards[0]}").get_data(as_text=True)
    assert "Не представилась, сразу спросила номер заказа." in page  # the comments
    assert "Самуил" not in page and "sam@example.com" not in page  # never the shopper
    assert db.session.query(CardAcknowledgement).filter_by(card_id=cards[0]).one().acknowledged_at is None
    done = client.post(
        f"/shop/results/{cards[0]}/acknowledge", data={"csrf_token": csrf_from(page)}, follow_redirects=True
    )
    assert "the card is acknowledged" in done.get_data(as_text=True)
    assert "You acknowledged this card on" in done.get_data(as_text=True)
    again = client.post(
        f"/shop/results/{cards[0]}/acknowledge", data={"csrf_token": csrf_from(page)}, follow_redirects=True
    )
    assert "You have already acknowledged this card." in again.get_data(as_text=True)


def test_another_employee_can_neither_read_nor_acknowledge_it(client, auth, cards):
    auth.login("boris@example.com")
    token = csrf_from(client.get("/shop/results").get_data(as_text=True))
    assert client.get(f"/shop/results/{cards[0]}").status_code == 404
    assert client.post(f"/shop/results/{cards[0]}/acknowledge", data={"csrf_token": token}).status_code == 404
    assert db.session.query(CardAcknowledgement).count() == 0


def test_hr_sees_acknowledged_disputed_and_unread_after_n_days(app, client, auth, cards):
    app.config["ACK_UNREAD_DAYS"] = 5
    acknowledged, disputed, ignored = cards
    _approved_days_ago(ignored, 6)
    auth.login("anna@example.com")
    page = client.get(f"/shop/results/{acknowledged}").get_data(as_text=True)
    client.post(f"/shop/results/{acknowledged}/acknowledge", data={"csrf_token": csrf_from(page)})
    page = client.get(f"/shop/results/{disputed}").get_data(as_text=True)
    client.post(
        f"/shop/results/{disputed}",
        data={"csrf_token": csrf_from(page), "item": "introduced", "reason": "Я представилась."},
    )
    auth.logout()

    auth.login("hr@example.com")
    queue = client.get("/shop/review?status=approved").get_data(as_text=True)
    rows = {card_id: queue.split(f'/shop/cards/{card_id}"')[0].rsplit("<tr>", 1)[1] for card_id in cards}
    assert "acknowledged: 1" in queue and "disputed: 1" in queue and "unread after the days allowed: 1" in queue
    assert ">acknowledged<" in rows[acknowledged]
    assert ">disputed<" in rows[disputed]
    assert ">unread after the days allowed<" in rows[ignored]
    assert "The employee:</strong> unread after the days allowed" in client.get(f"/shop/cards/{ignored}").get_data(
        as_text=True
    )
    app.config["ACK_UNREAD_DAYS"] = 7  # not yet N days: not opened, but not flagged as unread
    assert ">not opened yet<" in client.get("/shop/review?status=approved").get_data(as_text=True)


def test_every_state_is_counted_as_its_card_shows_it(app, client, auth, cards):
    """The counts above HR's list of approved cards add up the states its rows show: a card opened but
    not acknowledged is "read", one about nobody identified is "nobody"."""
    app.config["ACK_UNREAD_DAYS"] = 5
    acknowledged, opened, ignored = cards
    _approved_days_ago(ignored, 6)
    payload = {  # a visit where the shopper could not tell who served them
        "checklist": "branch-visit",
        "department": "Тверская",
        "employee": None,
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "answers": dict.fromkeys(ITEMS, "yes"),
    }
    shopper = db.session.scalars(db.select(User).where(User.email == "sam@example.com")).one()
    hr = db.session.scalars(db.select(User).where(User.email == "hr@example.com")).one()
    nobody, _ = shopping.submit_from_api(shopper, payload)
    shopping.review_card(hr, nobody, "approve")
    db.session.commit()
    auth.login("anna@example.com")
    page = client.get(f"/shop/results/{acknowledged}").get_data(as_text=True)
    client.post(f"/shop/results/{acknowledged}/acknowledge", data={"csrf_token": csrf_from(page)})
    client.get(f"/shop/results/{opened}")
    auth.logout()

    auth.login("hr@example.com")
    queue = client.get("/shop/review?status=approved").get_data(as_text=True)
    shown = {card_id: queue.split(f'/shop/cards/{card_id}"')[0].rsplit("<tr>", 1)[1] for card_id in [*cards, nobody.id]}
    assert ">acknowledged<" in shown[acknowledged] and ">read, not acknowledged<" in shown[opened]
    assert ">unread after the days allowed<" in shown[ignored] and ">nobody identified<" in shown[nobody.id]
    for label in ("acknowledged", "read, not acknowledged", "unread after the days allowed", "nobody identified"):
        assert f"{label}: 1" in queue
    assert "not opened yet:" not in queue and "disputed:" not in queue  # states with no card are not listed


def test_the_approved_list_pages_all_the_cards_its_counts_count(app, client, auth, cards):
    """The list of approved cards comes page by page, as many in all as the counts above it add up to."""
    app.config["PER_PAGE"] = 2
    other = people.create_department(None, "Другой", None)
    db.session.commit()
    hr = db.session.scalars(db.select(User).where(User.email == "hr@example.com")).one()
    hr.scope_department_id = other.id  # a scoped HR person sees none of Тверская's cards
    db.session.commit()
    auth.login("hr@example.com")
    assert "Nothing here." in client.get("/shop/review?status=approved").get_data(as_text=True)
    auth.logout()
    hr.scope_department_id = None
    db.session.commit()
    auth.login("hr@example.com")
    first = client.get("/shop/review?status=approved").get_data(as_text=True)
    second = client.get("/shop/review?status=approved&page=2").get_data(as_text=True)
    assert "3 in all" in first and "not opened yet: 3" in first
    listed = [card_id for card_id in cards if f'/shop/cards/{card_id}"' in first + second]
    assert sorted(listed) == sorted(cards) and second.count("/shop/cards/") == 1
    assert client.get("/shop/review?status=approved&page=3").status_code == 404


def test_the_counts_equal_each_cards_state_over_any_mix(app, cards):
    """HR's counts of the approved cards by state, made in SQL over all of them at once, equal the states
    of the cards one by one, over a random mix: cards about nobody, opened, acknowledged, disputed once or
    twice with or without a receipt, approved long ago or lately, and cards in other statuses that carry
    receipts or disputes too."""
    import random
    from collections import Counter

    from sqlalchemy import insert, select

    from app.shopping import acknowledgement
    from app.shopping.models import Dispute

    app.config["ACK_UNREAD_DAYS"] = 5
    rng = random.Random(7)
    now = datetime.now(UTC).replace(tzinfo=None)
    model = db.session.get(Scorecard, cards[0])
    anna = model.employee_id
    fields = {c.name: getattr(model, c.name) for c in Scorecard.__table__.columns if c.name not in ("id", "visit_id")}
    fields["idempotency_key"] = None
    rows = []
    for _ in range(120):
        rows.append(
            {
                **fields,
                "status": rng.choice(["approved"] * 4 + ["submitted", "returned"]),
                "employee_id": None if rng.random() < 0.2 else anna,
                "approved_at": now - timedelta(days=rng.choice([0, 1, 4, 5, 6, 30]), hours=rng.randint(0, 23)),
            }
        )
    db.session.execute(insert(Scorecard), rows)
    every = db.session.scalars(select(Scorecard)).all()
    for card in every:
        if rng.random() < 0.4:
            acked = now if rng.random() < 0.5 else None
            db.session.add(CardAcknowledgement(card_id=card.id, employee_id=anna, seen_at=now, acknowledged_at=acked))
        for item in ITEMS[: rng.choice([0, 0, 0, 1, 2])]:  # one dispute per item at most
            db.session.add(Dispute(card_id=card.id, item_id=item, employee_id=anna, reason="нет"))
    db.session.commit()

    approved = [card for card in every if card.status == "approved"]
    expected = Counter(acknowledgement.states(approved, now=now).values())
    counted = acknowledgement.counts(select(Scorecard), now=now)
    assert {state: n for state, n in counted.items() if n} == dict(expected)
    assert set(expected) >= {"nobody", "disputed", "acknowledged", "read", "unread", "new"}  # every branch
