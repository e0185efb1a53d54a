import re
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.content.models import ContentItem
from app.extensions import db
from app.people import services as people
from app.shopping import services
from app.shopping.models import Dispute, Evidence, Scorecard, Visit
from tests.conftest import csrf_from, post_form

SAMPLES = Path(__file__).parent / "samples"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
ITEMS = ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]


@pytest.fixture
def setup(runner, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    branch = people.create_department(None, "Тверская", None)
    db.session.commit()
    return {
        "branch": branch,
        "shopper": make_user("shopper", email="shop@example.com", name="Игорь Проверкин"),
        "hr": make_user("hr", email="hr@example.com"),
        "anna": make_user("employee", email="anna@example.com", department=branch, name="Анна Смирнова"),
    }


def schedule(client, auth, setup):
    auth.login("hr@example.com")
    r = post_form(
        client,
        "/shop/visits",
        {
            "departments": [setup["branch"].id],
            "checklist": "branch-visit",
            "window_start": date.today().isoformat(),
            "window_end": (date.today() + timedelta(days=7)).isoformat(),
            "shopper": setup["shopper"].id,
            "scenario": "Ask about a deposit",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    auth.logout()
    return db.session.scalars(select(Visit)).one()


def card_data(setup, **answers):
    visited = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"visited_at": visited, "duration_min": "15", "employee": setup["anna"].id, "summary": "ok"}
    for item in ITEMS:
        data[f"answer-{item}"] = answers.get(item, "yes")
    return data


def test_full_loop_through_the_pages(client, auth, setup):
    visit = schedule(client, auth, setup)
    auth.login("shop@example.com")
    page = client.get("/shop/").get_data(as_text=True)
    assert "Тверская" in page
    url = f"/shop/visits/{visit.id}/card"
    # a draft with a critical "no" but no comment cannot be submitted, and is kept
    r = post_form(client, url, {**card_data(setup, polite="no"), "submit": "1"})
    html = r.get_data(as_text=True)
    assert "needs a comment" in html
    # the message is tied to its field, so a screen reader announces it with the comment box
    assert 'aria-describedby="error-comment-polite"' in html and 'id="error-comment-polite"' in html
    future = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = post_form(client, url, {**card_data(setup, polite="no"), "visited_at": future, "submit": "1"})
    html = r.get_data(as_text=True)
    assert "cannot be in the future" in html and 'aria-describedby="error-visited_at"' in html
    assert db.session.scalars(select(Scorecard)).one().status == "draft"
    card = db.session.scalars(select(Scorecard)).one()
    assert card.status == "draft" and {a.item_id: a.answer for a in card.answers}["polite"] == "no"
    # autosave one field
    token = csrf_from(client.get(url).get_data(as_text=True))
    r = client.post(
        f"/shop/cards/{card.id}/autosave",
        json={"name": "comment-polite", "value": "Was rude"},
        headers={"X-CSRFToken": token},
    )
    assert r.status_code == 200
    # evidence: a real PNG is accepted, an HTML file named .jpg is refused
    client.post(
        f"/shop/cards/{card.id}/evidence",
        data={"csrf_token": token, "file": (BytesIO(PNG), "photo.png")},
        content_type="multipart/form-data",
    )
    client.post(
        f"/shop/cards/{card.id}/evidence",
        data={"csrf_token": token, "file": (BytesIO(b"<html><script>alert(1)</script></html>"), "x.jpg")},
        content_type="multipart/form-data",
    )
    files = db.session.scalars(select(Evidence)).all()
    assert [f.mime for f in files] == ["image/png"]
    assert client.get(f"/shop/evidence/{files[0].id}").data == PNG
    # submit twice: one card, submitted
    data = {**card_data(setup, polite="no"), "comment-polite": "Was rude", "submit": "1"}
    assert post_form(client, url, data).status_code == 302
    post_form(client, url, data)
    assert db.session.scalar(select(func.count(Scorecard.id))) == 1
    db.session.refresh(card)
    assert card.status == "submitted" and card.critical_failed and card.total_percent == 0 and not card.late
    auth.logout()

    # the employee sees nothing before approval, and evidence never
    auth.login("anna@example.com")
    assert client.get(f"/shop/results/{card.id}").status_code == 404
    assert client.get(f"/shop/evidence/{files[0].id}").status_code == 403
    auth.logout()

    auth.login("hr@example.com")
    assert "Игорь Проверкин" in client.get(f"/shop/cards/{card.id}").get_data(as_text=True)
    r = post_form(client, f"/shop/cards/{card.id}", {"approve": "1"})
    assert r.status_code == 302
    auth.logout()

    auth.login("anna@example.com")
    page = client.get(f"/shop/results/{card.id}").get_data(as_text=True)
    assert "Проверкин" not in page and "shop@example.com" not in page and "Was rude" in page
    r = post_form(client, f"/shop/results/{card.id}", {"item": "polite", "reason": "I was polite, ask the camera"})
    assert r.status_code == 302
    assert post_form(client, f"/shop/results/{card.id}", {"item": "polite", "reason": "again"}).status_code == 200
    assert db.session.scalar(select(func.count(Dispute.id))) == 1
    auth.logout()

    auth.login("hr@example.com")
    dispute = db.session.scalars(select(Dispute)).one()
    r = post_form(
        client, f"/shop/disputes/{dispute.id}", {"accept": "1", "new_answer": "yes"}, page_url="/shop/disputes"
    )
    assert r.status_code == 302
    db.session.refresh(card)
    polite = next(a for a in card.answers if a.item_id == "polite")
    assert polite.answer == "yes" and polite.original_answer == "no"
    assert card.total_percent == 100 and card.passed and not card.critical_failed


def test_late_card_is_marked(client, auth, setup):
    visit = schedule(client, auth, setup)
    auth.login("shop@example.com")
    data = card_data(setup)
    data["visited_at"] = (datetime.now() - timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M")
    post_form(client, f"/shop/visits/{visit.id}/card", {**data, "submit": "1"})
    assert db.session.scalars(select(Scorecard)).one().late


def test_shopper_cannot_open_another_shoppers_visit(client, auth, setup, make_user):
    visit = schedule(client, auth, setup)
    make_user("shopper", email="other@example.com")
    auth.login("other@example.com")
    assert client.get(f"/shop/visits/{visit.id}/card").status_code == 404


def test_rotation_rules(client, auth, setup, make_user):
    insider = make_user("shopper", email="insider@example.com", department=setup["branch"])
    schedule(client, auth, setup)
    reasons = {e.shopper.email: e.reasons for e in services.shopper_eligibility(setup["branch"], date.today())}
    assert reasons["insider@example.com"] and reasons["shop@example.com"]  # own department; visited recently
    item = db.session.scalars(select(ContentItem).where(ContentItem.kind == "checklist")).one()
    with pytest.raises(Exception, match="cannot visit"):
        services.schedule_visits(None, [setup["branch"]], item, date.today(), date.today(), shopper=insider)


def test_the_open_visits_offered_are_those_the_shopper_may_take_at_a_fixed_cost(client, auth, runner, make_user):
    """A shopper's home page offers the open visits that the eligibility rule lets them take (not in their
    own line of departments, none of theirs to the department too recently) and no other, and asks the
    database the same number of times for three open visits as for twelve."""
    from tests.test_queries import counted

    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    checklist = db.session.scalars(select(ContentItem).where(ContentItem.kind == "checklist")).one()
    region = people.create_department(None, "Регион", None)
    db.session.commit()
    home = people.create_department(None, "Своя", region)
    other = people.create_department(None, "Чужая", region)
    db.session.commit()
    below = people.create_department(None, "Ниже", home)
    db.session.commit()
    hr = make_user("hr", email="hr@example.com")
    shopper = make_user("shopper", email="shop@example.com", department=home)
    today = date.today()

    def open_visit(dept, days):
        start = today + timedelta(days=days)
        (visit,) = services.schedule_visits(hr, [dept], checklist, start, start + timedelta(days=5))
        db.session.commit()
        return visit

    # the shopper's own visit to the other department 20 days from now: rotation for windows near it
    (mine,) = services.schedule_visits(hr, [other], checklist, today + timedelta(days=20), today + timedelta(days=25))
    db.session.commit()
    services.claim_visit(shopper, mine)
    db.session.commit()
    offered = [open_visit(region, 1), open_visit(home, 2), open_visit(below, 3)]  # region: above; home; below
    offered += [open_visit(other, 30), open_visit(other, 200)]  # 10 days from theirs: too soon; 180: fine

    def expected() -> set[int]:
        return {
            v.id
            for v in offered
            if any(
                e.shopper.id == shopper.id and e.ok for e in services.shopper_eligibility(v.department, v.window_start)
            )
        }

    def shown() -> set[int]:
        page = client.get("/shop/").get_data(as_text=True)
        return {int(n) for n in re.findall(r"/shop/visits/(\d+)/claim", page)}

    auth.login("shop@example.com")
    assert expected() == {offered[4].id}  # the rule: only the one far from their own visit
    assert shown() == expected()
    with counted() as few:
        client.get("/shop/")
    offered += [open_visit(other, 300 + 70 * n) for n in range(7)]
    assert shown() == expected() and len(expected()) == 8
    with counted() as many:
        client.get("/shop/")
    assert len(many) == len(few)
    # The four earliest open visits are in the shopper's line or too soon after theirs: a list of one still
    # reaches the visit they may take further on (it once looked at the first ones only and offered none).
    assert [v.id for v in services.claimable_visits(shopper, today, limit=1)] == [offered[4].id]


def _visit(setup, days_ago: int, status: str | None) -> Visit:
    """A visit of the setup's shopper whose window opened ``days_ago`` days ago (3 days long), with a card
    of ``status`` (None: no card yet)."""
    checklist = db.session.scalars(select(ContentItem).where(ContentItem.slug == "branch-visit")).one()
    start = date.today() - timedelta(days=days_ago)
    v = Visit(
        department_id=setup["branch"].id,
        checklist_item_id=checklist.id,
        channel="visit",
        window_start=start,
        window_end=start + timedelta(days=3),
        shopper_id=setup["shopper"].id,
    )
    db.session.add(v)
    if status:
        db.session.flush()
        db.session.add(
            Scorecard(
                visit_id=v.id,
                checklist_version_id=checklist.published_version_id,
                department_id=v.department_id,
                shopper_id=v.shopper_id,
                status=status,
                submitted_at=datetime.now(),
            )
        )
    return v


def test_a_shoppers_older_visits_stay_in_reach_past_a_page(app, client, auth, setup):
    """More finished visits than a page: the shopper's list pages through them, and a visit still to do
    shows whatever its age (with the 200 latest windows only, an older overdue visit vanished)."""
    per_page = app.config["PER_PAGE"]
    overdue = _visit(setup, 400, None)  # the oldest window of all, never carded
    returned = _visit(setup, 399, "returned")
    done = [_visit(setup, 390 - n, "submitted") for n in range(per_page + 5)]
    db.session.commit()
    auth.login("shop@example.com")

    def cards(page: str) -> list[int]:
        return [int(n) for n in re.findall(r"/shop/visits/(\d+)/card", page)]

    first = client.get("/shop/").get_data(as_text=True)
    assert cards(first)[:2] == [returned.id, overdue.id]  # returned to them first, then overdue
    assert cards(first)[2:] == [v.id for v in reversed(done)][:per_page]  # the latest windows first
    assert f"{len(done)} in all" in first and 'rel="next"' in first
    second = client.get("/shop/?page=2").get_data(as_text=True)
    assert cards(second) == [returned.id, overdue.id] + [v.id for v in reversed(done)][per_page:]
    assert client.get("/shop/?page=3").status_code == 404


def test_the_shoppers_dashboard_lists_what_is_to_do_after_many_visits_done(client, auth, setup):
    """Two hundred and one visits done before the ones still to do: the dashboard lists the latter,
    returned first, then overdue, due and upcoming (it read the 200 earliest visits and found none)."""
    for n in range(201):
        _visit(setup, 900 - n, "approved")
    upcoming, due, overdue = _visit(setup, -5, None), _visit(setup, 1, "draft"), _visit(setup, 30, None)
    returned = _visit(setup, 2, "returned")
    db.session.commit()
    auth.login("shop@example.com")
    page = client.get("/dashboard/shopper").get_data(as_text=True)
    listed = [int(n) for n in re.findall(r"/shop/visits/(\d+)/card", page)]
    assert listed == [returned.id, overdue.id, due.id, upcoming.id]
