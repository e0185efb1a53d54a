"""HR scoped to a department subtree sees and acts on that subtree only; unscoped HR sees the whole company."""

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from app.api.auth import create_token
from app.core.audit import AuditEntry, utcnow
from app.extensions import db
from app.notify.models import Notice
from app.notify.reminders import weekly_digests
from app.people import services as people
from app.people.models import Department, User
from app.shopping import services as shopping
from tests.conftest import csrf_from, post_form

SAMPLES = Path(__file__).parent / "samples"
ITEMS = ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]


@pytest.fixture
def world(runner, make_user):
    """North (with North/Shop) and South; a scoped HR person limited to North, an unscoped one, cards in each."""
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    north = people.create_department(None, "North", None)
    north_shop = people.create_department(None, "Shop", north)
    south = people.create_department(None, "South", None)
    db.session.commit()
    admin = make_user("admin", email="admin@example.com")
    scoped = make_user("hr", email="scoped@example.com", department=north)
    people.set_scope(admin, scoped, north)
    make_user("hr", email="wide@example.com")
    shopper = make_user("shopper", email="shop@example.com")
    inside = make_user("employee", email="inside@example.com", department=north_shop, name="Inside Person")
    outside = make_user("employee", email="outside@example.com", department=south, name="Outside Person")
    now = utcnow()
    cards = {}
    for key, path, email, status in (
        ("inside_approved", "North/Shop", "inside@example.com", "approve"),
        ("outside_approved", "South", "outside@example.com", "approve"),
        ("inside_submitted", "North/Shop", "inside@example.com", None),
        ("outside_submitted", "South", "outside@example.com", None),
    ):
        payload = {
            "checklist": "branch-visit",
            "department": path,
            "employee": email,
            "visited_at": (now - timedelta(days=1)).isoformat() + "+00:00",
            "answers": {k: "no" if k == "polite" else "yes" for k in ITEMS},
        }
        card, _ = shopping.submit_from_api(shopper, payload, now=now)
        if status:
            shopping.review_card(admin, card, status, now=now)
        cards[key] = card
    db.session.commit()
    disputes = {
        "inside": shopping.open_dispute(inside, cards["inside_approved"], "polite", "I was polite"),
        "outside": shopping.open_dispute(outside, cards["outside_approved"], "polite", "I was polite"),
    }
    db.session.commit()
    return {
        "north": north,
        "north_shop": north_shop,
        "south": south,
        "admin": admin,
        "scoped": scoped,
        "inside": inside,
        "outside": outside,
        "cards": cards,
        "disputes": disputes,
    }


def _api(client, user, path, method="GET", json=None):
    token = create_token(user, "t")[1]
    db.session.commit()
    return client.open(path, method=method, json=json, headers={"Authorization": f"Bearer {token}"})


def test_admin_sets_the_scope_on_the_person_form_and_it_is_audited(client, auth, world):
    wide = db.session.scalars(select(User).where(User.email == "wide@example.com")).one()
    auth.login("admin@example.com")
    page = client.get(f"/people/{wide.id}/edit").get_data(as_text=True)
    assert "Whole company" in page and "North/Shop" in page
    data = {
        "name": wide.name,
        "email": wide.email,
        "department": 0,
        "roles": ["hr"],
        "scope": world["south"].id,
    }
    assert post_form(client, f"/people/{wide.id}/edit", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, wide.id).scope_department_id == world["south"].id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.scope")).all()[-1]
    assert entry.object_id == str(wide.id)
    assert entry.before == {"scope_department_id": None} and entry.after == {"scope_department_id": world["south"].id}
    # Back to the whole company.
    assert post_form(client, f"/people/{wide.id}/edit", {**data, "scope": 0}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, wide.id).scope_department_id is None
    # A scope is for HR people only.
    inside = world["inside"]
    r = post_form(
        client,
        f"/people/{inside.id}/edit",
        {"name": inside.name, "email": inside.email, "department": world["north_shop"].id, "roles": ["employee"]}
        | {"scope": world["south"].id},
    )
    assert r.status_code == 200 and "Only HR people" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, inside.id).scope_department_id is None


def test_hr_can_neither_see_nor_set_a_scope(client, auth, world):
    wide = db.session.scalars(select(User).where(User.email == "wide@example.com")).one()
    auth.login("wide@example.com")
    inside = world["inside"]
    page = client.get(f"/people/{inside.id}/edit").get_data(as_text=True)
    assert "Whole company" not in page and 'name="scope"' not in page
    data = {"name": inside.name, "email": inside.email, "department": world["north_shop"].id, "roles": ["employee"]}
    post_form(client, f"/people/{inside.id}/edit", {**data, "scope": world["south"].id})
    db.session.expire_all()
    assert db.session.get(User, inside.id).scope_department_id is None
    assert db.session.get(User, wide.id).scope_department_id is None
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == wide.id, AuditEntry.action == "user.scope")
    ).all()


def test_scoped_hr_sees_only_their_people_and_departments(client, auth, world):
    auth.login("scoped@example.com")
    listing = client.get("/people?status=all").get_data(as_text=True)
    assert "inside@example.com" in listing and "outside@example.com" not in listing
    export = client.get("/people/export.csv").data.decode("utf-8-sig")
    assert "inside@example.com" in export and "outside@example.com" not in export
    depts = client.get("/departments").get_data(as_text=True)
    assert "Shop" in depts and "South" not in depts
    assert client.get(f"/people/{world['inside'].id}/edit").status_code == 200
    assert client.get(f"/people/{world['outside'].id}/edit").status_code == 404
    assert client.get(f"/departments/{world['south'].id}/edit").status_code == 404


def test_scoped_hr_cannot_act_on_people_outside_the_subtree(client, auth, world):
    auth.login("scoped@example.com")
    outside = world["outside"]
    before = outside.snapshot()
    page = f"/people/{world['inside'].id}/edit"  # a page of theirs, for the CSRF token
    assert post_form(client, f"/people/{outside.id}/active", {}, page_url=page).status_code == 404
    r = post_form(client, f"/people/{outside.id}/reset-link", {}, page_url=page)
    assert r.status_code == 404 and "/reset/" not in r.get_data(as_text=True)
    data = {"name": "Taken Over", "email": outside.email, "department": world["north_shop"].id, "roles": ["employee"]}
    assert post_form(client, f"/people/{outside.id}/edit", data, page_url=page).status_code == 404
    token = csrf_from(client.get("/people/import").get_data(as_text=True))
    text = "email,name,department,roles\noutside@example.com,Taken Over,North/Shop,employee\n"
    preview = client.post(
        "/people/import",
        data={"csrf_token": token, "file": (BytesIO(text.encode()), "people.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "outside your scope" in preview and "/people/import/confirm" not in preview
    client.post("/people/import/confirm", data={"csrf_token": token, "text": text})
    db.session.expire_all()
    assert db.session.get(User, outside.id).snapshot() == before


def test_scoped_hr_keeps_people_and_departments_inside_the_subtree(client, auth, world):
    auth.login("scoped@example.com")
    inside = world["inside"]
    # moving someone out, or adding someone outside or at no department, is refused
    data = {"name": inside.name, "email": inside.email, "department": world["south"].id, "roles": ["employee"]}
    assert post_form(client, f"/people/{inside.id}/edit", data).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, inside.id).department_id == world["north_shop"].id
    for dept in (world["south"].id, 0):
        r = post_form(
            client,
            "/people/new",
            {"name": "New One", "email": "new@example.com", "department": dept, "roles": ["employee"]},
        )
        assert r.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None
    r = post_form(client, "/departments/new", {"name": "Rogue", "parent": 0})
    assert db.session.scalar(select(Department).where(Department.name == "Rogue")) is None
    token = csrf_from(client.get("/people/import").get_data(as_text=True))
    text = "email,name,department,roles\nnew@example.com,New One,South/Annex,employee\n"
    r = client.post("/people/import/confirm", data={"csrf_token": token, "text": text})
    assert "outside your scope" in r.get_data(as_text=True)
    assert db.session.scalar(select(Department).where(Department.name == "Annex")) is None
    # inside the subtree works, new departments under it included
    text = "email,name,department,roles\nnew@example.com,New One,North/Shop/Annex,employee\n"
    assert client.post("/people/import/confirm", data={"csrf_token": token, "text": text}).status_code == 302
    db.session.expire_all()
    assert (
        db.session.scalars(select(User).where(User.email == "new@example.com")).one().department.path
        == "North/Shop/Annex"
    )


def test_scoped_hr_reports_cover_the_subtree_only(client, auth, world):
    auth.login("scoped@example.com")
    page = client.get("/reports/").get_data(as_text=True)
    assert "North" in page and "South" not in page
    for fmt in ("csv",):
        body = client.get(f"/reports/?format={fmt}").data.decode("utf-8-sig")
        lines = body.splitlines()
        assert not any("South" in line for line in lines)
        company = next(line for line in lines if line.startswith("Company"))
        assert company.split(",")[9] == "1"  # one approved card in the subtree (the whole company has two)
    skills = client.get("/reports/?format=csv&table=skills").data.decode("utf-8-sig")
    assert "South" not in skills
    assert client.get(f"/reports/?root={world['south'].id}", follow_redirects=True).status_code == 404
    assert client.get(f"/reports/?root={world['south'].id}&format=csv").status_code == 404
    assert client.get(f"/reports/employees/{world['outside'].id}?format=csv").status_code == 404
    assert client.get(f"/reports/departments/{world['south'].id}").status_code == 404
    assert client.get(f"/reports/departments/{world['south'].id}?format=csv").status_code == 404
    assert client.get(f"/reports/departments/{world['north'].id}").status_code == 200
    assert client.get(f"/reports/employees/{world['outside'].id}").status_code == 404
    assert client.get(f"/reports/employees/{world['inside'].id}").status_code == 200


def test_unscoped_hr_sees_the_whole_company(client, auth, world):
    auth.login("wide@example.com")
    assert "outside@example.com" in client.get("/people?status=all").get_data(as_text=True)
    body = client.get("/reports/?format=csv").data.decode("utf-8-sig")
    assert "South" in body
    company = next(line for line in body.splitlines() if line.startswith("Company"))
    assert company.split(",")[9] == "2"
    assert client.get(f"/reports/employees/{world['outside'].id}").status_code == 200
    assert client.get(f"/shop/cards/{world['cards']['outside_submitted'].id}").status_code == 200


def test_scoped_hr_review_queue_cards_and_disputes(client, auth, world):
    auth.login("scoped@example.com")
    cards = world["cards"]
    queue = client.get("/shop/review").get_data(as_text=True)
    assert f"/shop/cards/{cards['inside_submitted'].id}" in queue
    assert f"/shop/cards/{cards['outside_submitted'].id}" not in queue
    assert client.get(f"/shop/cards/{cards['inside_submitted'].id}").status_code == 200
    assert client.get(f"/shop/cards/{cards['outside_submitted'].id}").status_code == 404
    r = post_form(
        client,
        f"/shop/cards/{cards['outside_submitted'].id}",
        {"approve": "1", "note": ""},
        page_url=f"/shop/cards/{cards['inside_submitted'].id}",
    )
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(cards["outside_submitted"]), cards["outside_submitted"].id).status == "submitted"
    disputes = client.get("/shop/disputes").get_data(as_text=True)
    assert "Inside Person" in disputes and "Outside Person" not in disputes
    r = post_form(
        client,
        f"/shop/disputes/{world['disputes']['outside'].id}",
        {"accept": "1", "note": "ok"},
        page_url="/shop/disputes",
    )
    assert r.status_code == 404
    visits = client.get("/shop/visits").get_data(as_text=True)
    assert "North/Shop" in visits and "South" not in visits


def test_scoped_hr_api(client, world):
    scoped, cards = world["scoped"], world["cards"]
    data = _api(client, scoped, "/api/v1/reports/departments").get_json()
    assert {d["path"] for d in data["departments"]} == {"North", "North/Shop"}
    assert _api(client, scoped, f"/api/v1/scorecards/{cards['inside_approved'].id}").status_code == 200
    assert _api(client, scoped, f"/api/v1/scorecards/{cards['outside_approved'].id}").status_code == 404
    r = _api(
        client, scoped, f"/api/v1/scorecards/{cards['outside_submitted'].id}/review", "POST", {"decision": "approve"}
    )
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(cards["outside_submitted"]), cards["outside_submitted"].id).status == "submitted"
    assert _api(client, scoped, "/api/v1/reports/employees/outside@example.com").status_code == 404
    assert _api(client, scoped, "/api/v1/reports/employees/inside@example.com").status_code == 200
    wide = db.session.scalars(select(User).where(User.email == "wide@example.com")).one()
    assert _api(client, wide, f"/api/v1/scorecards/{cards['outside_approved'].id}").status_code == 200


def test_scoped_hr_xapi_lists_only_people_in_scope(client, world):
    from app.content import services as content
    from app.learning import services as learning

    version = content.published("quiz", "courier-no-call")
    for person in (world["inside"], world["outside"]):
        attempt = learning.start_attempt(person, version)
        learning.save_answer(attempt, "q1", [1])
        learning.finish_attempt(attempt)
    db.session.commit()
    data = _api(client, world["scoped"], "/api/v1/xapi/statements?since=2000-01-01T00:00:00Z").get_json()
    actors = {s["actor"]["account"]["name"] for s in data["statements"]}
    assert actors == {str(world["inside"].id)}
    wide = db.session.scalars(select(User).where(User.email == "wide@example.com")).one()
    data = _api(client, wide, "/api/v1/xapi/statements?since=2000-01-01T00:00:00Z").get_json()
    assert {s["actor"]["account"]["name"] for s in data["statements"]} == {
        str(world["inside"].id),
        str(world["outside"].id),
    }


def test_the_digest_of_a_scoped_hr_person_counts_their_subtree_only(world):
    weekly_digests(utcnow())
    db.session.commit()
    by_email = {
        n.user.email if hasattr(n, "user") else db.session.get(User, n.user_id).email: n.params
        for n in db.session.scalars(select(Notice).where(Notice.kind == "digest"))
    }
    assert by_email["scoped@example.com"]["to_review"] == 1 and by_email["scoped@example.com"]["disputes"] == 1
    assert by_email["wide@example.com"]["to_review"] == 2 and by_email["wide@example.com"]["disputes"] == 2


def test_scoped_hr_assigns_courses_and_reads_the_audit_log_within_the_subtree(client, auth, world):
    from app.content import services as content
    from app.core.errors import DomainError
    from app.learning.models import Assignment
    from app.learning.services import create_assignment

    auth.login("scoped@example.com")
    course = "complaint-handling"
    course_item = content.published("course", course).item
    page = client.get("/assignments").get_data(as_text=True)
    assert "outside@example.com" not in page and "inside@example.com" in page
    before = db.session.scalars(select(Assignment.id)).all()
    r = post_form(client, "/assignments", {"course": course, "department": world["south"].id})
    assert r.status_code == 200  # not one of the choices
    r = post_form(client, "/assignments", {"course": course, "department": 0, "people": [world["outside"].id]})
    assert r.status_code == 200 and "outside your scope" in r.get_data(as_text=True)
    with pytest.raises(DomainError):  # the service refuses a department outside the scope, whoever calls it
        create_assignment(world["scoped"], course_item, department=world["south"])
    db.session.rollback()
    assert db.session.scalars(select(Assignment.id)).all() == before
    r = post_form(client, "/assignments", {"course": course, "department": world["north"].id})
    assert r.status_code == 302
    log = client.get("/audit").get_data(as_text=True)
    people.update_user(
        world["admin"], world["outside"], "outside@example.com", "Outside Renamed", world["south"], ["employee"]
    )
    db.session.commit()
    log = client.get("/audit").get_data(as_text=True)
    assert "Outside Renamed" not in log
    dashboard = client.get("/dashboard/hr").get_data(as_text=True)
    assert "Outside Renamed" not in dashboard


def test_scoped_hr_cannot_file_a_card_outside_the_subtree_through_the_api(client, world):
    from sqlalchemy import func

    from app.shopping.models import Scorecard

    count = db.session.scalar(select(func.count(Scorecard.id)))
    payload = {
        "checklist": "branch-visit",
        "department": "South",
        "employee": "outside@example.com",
        "visited_at": (utcnow() - timedelta(hours=2)).isoformat() + "+00:00",
        "answers": dict.fromkeys(ITEMS, "yes"),
    }
    r = _api(client, world["scoped"], "/api/v1/scorecards", "POST", payload)
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"department": "outside your scope"}
    assert db.session.scalar(select(func.count(Scorecard.id))) == count


def test_the_review_and_settle_services_refuse_cards_outside_the_scope(world):
    """Whatever route calls them, the services themselves keep a scoped HR person to their subtree."""
    scoped, cards, disputes = world["scoped"], world["cards"], world["disputes"]
    with pytest.raises(people.NotPermitted):
        shopping.review_card(scoped, cards["outside_submitted"], "approve")
    db.session.rollback()
    with pytest.raises(people.NotPermitted):
        shopping.settle_dispute(scoped, disputes["outside"], True, None)
    db.session.rollback()
    assert db.session.get(type(cards["outside_submitted"]), cards["outside_submitted"].id).status == "submitted"
    shopping.review_card(scoped, cards["inside_submitted"], "approve")
    shopping.settle_dispute(scoped, disputes["inside"], False, "It was not polite")
    db.session.commit()
    assert cards["inside_submitted"].status == "approved" and disputes["inside"].status == "rejected"


def test_quiz_statistics_of_a_scoped_hr_person_count_their_subtree_only(client, auth, world):
    from app.content import services as content
    from app.learning import services as learning
    from app.learning import stats

    version = content.published("quiz", "courier-no-call")
    for person, answer in ((world["inside"], [1]), (world["outside"], [0]), (world["outside"], [0])):
        attempt = learning.start_attempt(person, version)
        learning.save_answer(attempt, "q1", answer)
        learning.finish_attempt(attempt)
        db.session.commit()
    everyone = stats.item_statistics(version)
    mine = stats.item_statistics(version, people.scope_ids(world["scoped"]))
    assert everyone.attempts == 3 and everyone.questions[0].option_counts == [2, 1]
    assert mine.attempts == 1 and mine.questions[0].option_counts == [0, 1]
    auth.login("scoped@example.com")
    page = client.get("/quizzes/courier-no-call/stats").get_data(as_text=True)
    auth.logout()
    auth.login("wide@example.com")
    wide = client.get("/quizzes/courier-no-call/stats").get_data(as_text=True)
    assert page != wide  # the scoped page counts one attempt, the unscoped one three


def test_scoped_hr_home_counts_their_subtree_only(world):
    """HR's home counts what waits in the viewer's scope: one card to review and one open dispute in North,
    where the whole company has two of each."""
    from app.main.services import hr_todo

    scoped = hr_todo(world["scoped"])
    wide = hr_todo(db.session.scalar(select(User).where(User.email == "wide@example.com")))
    assert (scoped["review"], scoped["disputes"]) == (1, 1)
    assert (wide["review"], wide["disputes"]) == (2, 2)
