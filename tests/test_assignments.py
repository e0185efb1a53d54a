"""Trainers and HR assign courses by hand, move due dates and cancel assignments, within their scope."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.extensions import db
from app.learning import services
from app.learning.models import Assignment
from app.people import services as people
from tests.conftest import post_form

SAMPLES = Path(__file__).parent / "samples"
COURSE = "complaint-handling"


@pytest.fixture
def world(runner, make_user, auth):
    """North and South; Anna works in North; a trainer signed in; a HR person scoped to North."""
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    north = people.create_department(None, "North", None)
    south = people.create_department(None, "South", None)
    db.session.commit()
    admin = make_user("admin", email="admin@example.com")
    scoped = make_user("hr", email="scoped@example.com", department=north)
    people.set_scope(admin, scoped, north)
    db.session.commit()
    anna = make_user("employee", email="anna@example.com", department=north, name="Anna North")
    olga = make_user("employee", email="olga@example.com", department=south, name="Olga South")
    make_user("trainer", email="trainer@example.com")
    auth.login("trainer@example.com")
    return {"north": north, "south": south, "anna": anna, "olga": olga}


def _assign(client, **fields):
    data = {"course": COURSE, "department": 0, **fields}
    return post_form(client, "/assignments", data)


def _count() -> int:
    return db.session.scalar(select(func.count(Assignment.id)))


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_due_date_in_the_past_is_refused_at_the_field(client, world):
    yesterday = date.today() - timedelta(days=1)
    r = _assign(client, people=[world["anna"].id], due_on=yesterday.isoformat())
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and _count() == 0
    assert 'id="due_on-error"' in page and "The due date has passed" in page
    assert 'aria-invalid="true"' in page
    r = _assign(client, people=[world["anna"].id], due_on=date.today().isoformat())
    assert r.status_code == 302 and _count() == 1


def test_a_course_already_open_for_a_person_or_department_is_refused_with_their_names(client, world):
    assert _assign(client, people=[world["anna"].id]).status_code == 302
    assert _assign(client, department=world["north"].id).status_code == 302
    r = _assign(client, people=[world["anna"].id, world["olga"].id], due_on=(date.today() + timedelta(days=5)))
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "already assigned, and still open, to: Anna North" in page
    assert _count() == 2  # Olga was not assigned either: the form is refused whole
    r = _assign(client, department=world["north"].id)
    assert "already assigned, and still open, to: North" in r.get_data(as_text=True) and _count() == 2


def test_the_due_date_is_changed_and_recorded_but_never_to_a_past_day(client, world):
    assert _assign(client, people=[world["anna"].id]).status_code == 302
    assignment = db.session.scalars(select(Assignment)).one()
    url = f"/assignments/{assignment.id}/edit"
    assert "Anna North" in client.get(url).get_data(as_text=True)
    r = post_form(client, url, {"due_on": (date.today() - timedelta(days=3)).isoformat()})
    assert r.status_code == 200 and "The due date has passed" in r.get_data(as_text=True)
    new_due = date.today() + timedelta(days=14)
    r = post_form(client, url, {"due_on": new_due.isoformat()})
    assert r.status_code == 302
    db.session.refresh(assignment)
    assert assignment.due_on == new_due
    (entry,) = _entries("assignment.due_changed")
    assert entry.before == {"due_on": None} and entry.after == {"due_on": new_due.isoformat()}
    assert services.assigned_courses(world["anna"])[0].assignment.due_on == new_due


def test_cancelling_asks_first_withdraws_the_course_from_my_learning_and_keeps_the_row(client, auth, world):
    assert _assign(client, department=world["north"].id).status_code == 302
    assignment = db.session.scalars(select(Assignment)).one()
    assert [r.assignment.id for r in services.assigned_courses(world["anna"])] == [assignment.id]
    url = f"/assignments/{assignment.id}/cancel"
    confirm = client.get(url).get_data(as_text=True)
    assert "Cancel the assignment?" in confirm and "Yes, cancel the assignment" in confirm
    assert "People it reaches now: 2." in confirm  # Anna and the HR person, both in North
    assert db.session.get(Assignment, assignment.id).cancelled_at is None  # asking changed nothing
    r = post_form(client, url, {})
    assert r.status_code == 302
    db.session.refresh(assignment)
    assert assignment.cancelled_at is not None and _count() == 1
    assert services.assigned_courses(world["anna"]) == []
    (entry,) = _entries("assignment.cancel")
    assert entry.after["course"] == COURSE and entry.after["department_id"] == world["north"].id
    # a second click changes nothing and records nothing
    post_form(client, url, {}, page_url="/assignments")
    assert len(_entries("assignment.cancel")) == 1
    listed = client.get("/assignments").get_data(as_text=True)
    assert f"/assignments/{assignment.id}/cancel" not in listed
    history = client.get("/assignments?show=cancelled").get_data(as_text=True)
    assert "North" in history and "whole department" in history
    auth.logout()
    auth.login("anna@example.com")
    assert "/learn/courses/complaint-handling" not in client.get("/learn/my").get_data(as_text=True)
    auth.logout()
    auth.login("trainer@example.com")
    # the same course can be assigned again once the old assignment is cancelled
    assert _assign(client, department=world["north"].id).status_code == 302
    assert len(services.assigned_courses(world["anna"])) == 1


def test_scoped_hr_manages_only_assignments_within_their_scope(client, auth, world):
    assert _assign(client, people=[world["anna"].id]).status_code == 302
    assert _assign(client, people=[world["olga"].id]).status_code == 302
    inside, outside = (
        db.session.scalars(select(Assignment).where(Assignment.user_id == world[who].id)).one()
        for who in ("anna", "olga")
    )
    auth.logout()
    auth.login("scoped@example.com")
    listed = client.get("/assignments").get_data(as_text=True)
    assert f"/assignments/{inside.id}/edit" in listed and f"/assignments/{outside.id}/edit" not in listed
    for path in ("edit", "cancel"):
        assert client.get(f"/assignments/{outside.id}/{path}").status_code == 404
    r = post_form(client, f"/assignments/{outside.id}/cancel", {}, page_url="/assignments")
    assert r.status_code == 404
    db.session.refresh(outside)
    assert outside.cancelled_at is None
    assert post_form(client, f"/assignments/{inside.id}/cancel", {}).status_code == 302
    db.session.refresh(inside)
    assert inside.cancelled_at is not None


def test_the_list_is_paginated(client, world, make_user, app):
    per_page = app.config["PER_PAGE"]
    staff = [make_user("employee", department=world["north"]) for _ in range(per_page + 1)]
    assert _assign(client, people=[p.id for p in staff]).status_code == 302
    first = client.get("/assignments").get_data(as_text=True)
    assert first.count('/edit"') == per_page and 'rel="next"' in first
    second = client.get("/assignments?page=2").get_data(as_text=True)
    assert second.count('/edit"') == 1
    assert client.get("/assignments?page=9").status_code == 404


def test_cancelling_recomputes_course_status_and_withdraws_the_notice_it_sent(client, world):
    from app.notify.models import Notice
    from app.rollups import CourseStatus, CourseStatusCount, rebuild_course_status

    assert _assign(client, department=world["north"].id, due_on=date.today() + timedelta(days=3)).status_code == 302
    assignment = db.session.scalars(select(Assignment)).one()
    anna = world["anna"]

    def status_rows():
        return db.session.scalars(select(CourseStatus).where(CourseStatus.user_id == anna.id)).all()

    def counts():  # per department, due date and done: what the reports add up
        c = CourseStatusCount
        return sorted(tuple(r) for r in db.session.execute(select(c.department_id, c.due_on, c.done, c.n)))

    assert len(status_rows()) == 1 and counts()
    told = db.session.scalars(select(Notice).where(Notice.user_id == anna.id, Notice.kind == "assignment")).one()
    assert told.withdrawn_at is None
    assert post_form(client, f"/assignments/{assignment.id}/cancel", {}).status_code == 302
    db.session.expire_all()
    # the derived rows equal a rebuild from the base tables: the cancelled course is no longer hers
    assert status_rows() == []
    maintained = counts()
    rebuild_course_status(db.session.connection())
    assert status_rows() == [] and counts() == maintained
    assert db.session.get(Notice, told.id).withdrawn_at is not None
    withdrawn = db.session.scalars(
        select(Notice).where(Notice.user_id == anna.id, Notice.kind == "assignment_withdrawn")
    ).one()
    assert withdrawn.params["withdrawn"] == "cancelled"


def _offered(html: str) -> list[str]:
    """The names the form's people list offers."""
    import re

    people = re.search(r'<select id="people"[^>]*>(.*?)</select>', html, re.S)[1]
    return re.findall(r"<option [^>]*>([^<(]+) \(", people)


def test_anyone_can_be_found_for_the_form_when_the_list_is_cut(client, world, make_user, monkeypatch):
    """A company larger than the list the form offers: the page says the list is cut, and a search by any
    part of a name or email, in any case (Cyrillic too), offers the people it finds, who can be assigned."""
    from app.learning import manage

    monkeypatch.setattr(manage, "PEOPLE_LISTED", 2)
    zoya = make_user("employee", department=world["south"], name="Зоя Яковлева", email="zoya@example.com")
    make_user("employee", department=world["south"], name="Ян Лишний", active=False)  # deactivated: never offered
    page = client.get("/assignments").get_data(as_text=True)
    assert _offered(page) == ["Anna North", "Olga South"]
    assert "The list shows the first 2 people by name" in page

    found = client.get("/assignments?q=ЯКОВЛ").get_data(as_text=True)
    assert _offered(found) == ["Зоя Яковлева"] and "The list shows the first" not in found
    assert 'value="ЯКОВЛ"' in found and "<details open" in found
    assert _offered(client.get("/assignments?q=ZOYA@").get_data(as_text=True)) == ["Зоя Яковлева"]
    nobody = client.get("/assignments?q=%D0%BB%D0%B8%D1%88%D0%BD").get_data(as_text=True)  # "лишн": deactivated
    assert _offered(nobody) == [] and "Nobody active matches this search." in nobody

    r = post_form(client, "/assignments?q=ЯКОВЛ", {"course": COURSE, "department": 0, "people": [zoya.id]})
    assert r.status_code == 302
    assert db.session.scalars(select(Assignment.user_id)).all() == [zoya.id]
    from app.core.inputs import SEARCH_MAX

    assert client.get("/assignments?q=" + "я" * (SEARCH_MAX + 1)).status_code == 400  # refused, and says why


def test_a_scoped_hr_persons_search_finds_only_their_people(client, auth, world):
    auth.logout()
    auth.login("scoped@example.com")
    assert _offered(client.get("/assignments?q=south").get_data(as_text=True)) == []
    assert _offered(client.get("/assignments?q=north").get_data(as_text=True)) == ["Anna North"]
