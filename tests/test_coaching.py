"""Managers and action plans: a manager sees their subtree only (pages and API, never a shopper), an action
opens when an approved card fails a critical item or falls below the threshold, the manager signs it off,
HR sees open, overdue and closed actions per department, and overdue actions are reminded."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.api.auth import create_token
from app.coaching.models import Action
from app.extensions import db
from app.notify.models import Notice
from app.notify.reminders import action_reminders
from app.people import services as people
from app.shopping import services as shopping
from tests.conftest import csrf_from

SAMPLES = Path(__file__).parent / "samples"
ITEMS = ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]


@pytest.fixture
def world(runner, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    region = people.create_department(None, "Москва", None)
    tver = people.create_department(None, "Тверская", region)
    arbat = people.create_department(None, "Арбат", region)
    db.session.commit()
    users = {
        "hr": make_user("hr", email="hr@example.com"),
        "sam": make_user("shopper", email="sam@example.com", name="Самуил Тайный"),
        "mila": make_user("manager", email="mila@example.com", department=tver),
        "max": make_user("manager", email="max@example.com", department=arbat),
        "anna": make_user("employee", email="anna@example.com", department=tver),
        "bob": make_user("employee", email="bob@example.com", department=arbat),
    }
    tokens = {k: create_token(u, "t")[1] for k, u in users.items()}
    db.session.commit()
    return {**users, "tokens": tokens, "tver": tver, "arbat": arbat}


def approve(world, department="Москва/Тверская", employee="anna@example.com", hours=2, **answers):
    payload = {
        "checklist": "branch-visit",
        "department": department,
        "employee": employee,
        "visited_at": (datetime.now(UTC) - timedelta(hours=hours)).isoformat(),
        "answers": dict(dict.fromkeys(ITEMS, "yes"), **answers),
        "comments": {"polite": "Нагрубила клиенту."},
    }
    card, _created = shopping.submit_from_api(world["sam"], payload)
    shopping.review_card(world["hr"], card, "approve")
    db.session.commit()
    return card.id


def action_of(card_id):
    return db.session.scalars(select(Action).where(Action.card_id == card_id)).first()


def test_actions_open_on_a_critical_failure_or_a_low_result_only(world):
    critical = action_of(approve(world, polite="no"))
    assert critical.reason == "critical" and critical.item_ids == ["polite"] and critical.status == "open"
    assert critical.due_on == date.today() + timedelta(days=14)
    low = action_of(approve(world, introduced="no", **{"open-questions": "no", "paraphrased": "no"}))
    assert low.reason == "below" and low.item_ids == ["introduced", "open-questions", "paraphrased"]
    assert action_of(approve(world, paraphrased="na")) is None  # a good result: nothing to do
    # the department's manager is told, and nobody else
    notices = db.session.scalars(select(Notice).where(Notice.kind == "action_opened")).all()
    assert {n.user_id for n in notices} == {world["mila"].id}


def test_a_manager_reaches_their_subtree_only_and_never_the_shopper(client, auth, world):
    card_id = approve(world, polite="no")
    other = approve(world, department="Москва/Арбат", employee="bob@example.com", polite="no")
    action, elsewhere = action_of(card_id), action_of(other)
    auth.login("mila@example.com")
    team = client.get("/coaching/").get_data(as_text=True)
    assert world["anna"].name in team and world["bob"].name not in team
    anna_row = team.split(world["anna"].name + "</td>")[1].split("</tr>")[0]
    assert anna_row.startswith("<td>—</td>")  # one approved card: no average below the fairness minimum
    assert f"/coaching/actions/{action.id}" in team and f"/coaching/actions/{elsewhere.id}" not in team
    page = client.get(f"/coaching/cards/{card_id}").get_data(as_text=True)
    assert "Нагрубила клиенту." in page and "Самуил" not in page and "sam@example.com" not in page
    assert client.get(f"/coaching/cards/{other}").status_code == 404
    assert client.get(f"/coaching/actions/{action.id}").status_code == 200
    assert client.get(f"/coaching/actions/{elsewhere.id}").status_code == 404
    assert client.get(f"/shop/cards/{card_id}").status_code == 403  # HR's review page is not theirs

    def api(who, cid):
        return client.get(f"/api/v1/scorecards/{cid}", headers={"Authorization": f"Bearer {world['tokens'][who]}"})

    mine = api("mila", card_id)
    assert mine.status_code == 200 and "shopper" not in mine.get_json() and mine.get_json()["employee"]
    assert api("mila", other).status_code == 404
    assert api("max", card_id).status_code == 404


def test_the_manager_signs_off_once_and_hr_follows_per_department(client, auth, world):
    card_id = approve(world, polite="no")
    action = action_of(card_id)
    late = action_of(approve(world, department="Москва/Арбат", employee="bob@example.com", polite="no"))
    late.due_on = date.today() - timedelta(days=1)
    db.session.commit()
    approve(world, hours=1)  # the next visit: polite recovered

    auth.login("max@example.com")  # not his department
    page = client.get(f"/coaching/actions/{late.id}").get_data(as_text=True)
    assert client.post(f"/coaching/actions/{action.id}", data={"csrf_token": csrf_from(page)}).status_code == 404
    auth.logout()

    auth.login("mila@example.com")
    page = client.get(f"/coaching/actions/{action.id}").get_data(as_text=True)
    assert "Был вежлив" in page and "Sign off" in page
    assert "<td>Yes</td>" in page  # the next visit's answer to the failed item
    refused = client.post(
        f"/coaching/actions/{action.id}",
        data={"csrf_token": csrf_from(page), "outcome": "coaching"},
        follow_redirects=True,
    )
    assert db.session.get(Action, action.id).status == "open" and refused.status_code == 200
    done = client.post(
        f"/coaching/actions/{action.id}",
        data={"csrf_token": csrf_from(page), "outcome": "coaching", "note": "Поговорили о тоне с клиентами."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Signed off." in done and "Поговорили о тоне с клиентами." in done
    closed = db.session.get(Action, action.id)
    assert closed.status == "closed" and closed.closed_by_id == world["mila"].id and closed.outcome == "coaching"
    auth.logout()

    auth.login("hr@example.com")
    overview = client.get("/coaching/overview").get_data(as_text=True)
    tver_row = overview.split("Москва/Тверская</td>")[1].split("</tr>")[0]
    arbat_row = overview.split("Москва/Арбат</td>")[1].split("</tr>")[0]
    assert tver_row.replace(" ", "").startswith("<td>0</td><td>0</td><td>1</td>")
    assert "<td>1</td>" in arbat_row and 'tag-error">1<' in arbat_row
    view = client.get(f"/coaching/actions/{late.id}").get_data(as_text=True)
    assert "overdue" in view and 'name="note"' not in view  # HR follows, the manager signs off


def test_overdue_actions_are_reminded_to_their_manager_once_a_week(world):
    action = action_of(approve(world, polite="no"))
    now = datetime.now(UTC).replace(tzinfo=None)
    assert action_reminders(now) == 0  # not due yet
    action.due_on = date.today() - timedelta(days=2)
    db.session.commit()
    assert action_reminders(now) == 1
    assert action_reminders(now) == 0  # not twice in a week
    notice = db.session.scalars(select(Notice).where(Notice.kind == "action_overdue")).one()
    assert notice.user_id == world["mila"].id


def test_a_large_team_is_listed_a_page_at_a_time_and_long_lists_say_they_go_on(
    client, auth, world, make_user, monkeypatch
):
    """Every person of a team is reachable, a page at a time, by name; actions and cards beyond what the page
    lists are said to go on (the first 200 people were listed, and the rest left out without a word)."""
    import re

    from app.coaching import services as coaching

    monkeypatch.setattr(coaching, "TEAM_PAGE", 2)
    monkeypatch.setattr(coaching, "CARDS_LISTED", 1)
    make_user("employee", email="vera@example.com", department=world["tver"], name="Вера Последняя")
    approve(world)
    approve(world, hours=3)
    auth.login("mila@example.com")

    def names(path: str) -> list[str]:
        html = client.get(path).get_data(as_text=True)
        return re.findall(r"<tr><td>([^<]+)</td><td>", html)

    from app.people.models import User

    team = db.session.scalars(
        select(User.name).where(User.department_id == world["tver"].id, User.active.is_(True)).order_by(User.name)
    ).all()
    assert len(team) == 3 and "Вера Последняя" in team
    first = client.get("/coaching/").get_data(as_text=True)
    assert names("/coaching/") == team[:2] and names("/coaching/?page=2") == team[2:]
    assert client.get("/coaching/?page=3").status_code == 404
    assert "3 in all" in first and "The latest 1 approved cards are listed." in first
    assert "actions are listed" not in first  # two actions or none: all of them listed
