"""HR's overdue list (the assignments page): the courses longest past due and not done, earliest first, for
people with a department and for people assigned by name without one, within an HR person's scope."""

from __future__ import annotations

import re
from datetime import date, timedelta

from app.core.audit import utcnow
from app.extensions import db
from app.learning import services as learning
from app.learning.stats import overdue_people
from app.people import services as people
from tests.helpers import branch_world
from tests.test_notify import complete_course


def test_the_overdue_list_is_earliest_first_over_people_with_and_without_a_department(client, auth, runner, make_user):
    world = branch_world(
        runner,
        make_user,
        boris=("employee", "boris@example.com", "Boris Brown", True),
        vera=("employee", "vera@example.com", "Vera White", False),  # no department: assigned by name only
        carl=("employee", "carl@example.com", "Carl Green", True),
    )
    other = people.create_department(None, "Арбат", None)
    db.session.commit()
    dora = make_user("employee", email="dora@example.com", name="Dora Black", department=other)
    today = date.today()
    course = world["course"]
    learning.create_assignment(world["hr"], course, users=[world["vera"]], due_on=today - timedelta(days=30))
    learning.create_assignment(world["hr"], course, department=world["branch"], due_on=today - timedelta(days=10))
    learning.create_assignment(world["hr"], course, users=[dora], due_on=today - timedelta(days=20))
    learning.create_assignment(world["hr"], course, users=[world["carl"]], due_on=today + timedelta(days=5))
    db.session.commit()
    complete_course(world["boris"], utcnow())  # done: never overdue

    def emails(**kwargs) -> list[str]:
        return [row[1] for row in overdue_people(**kwargs)]

    # earliest first (Vera, without a department, then Dora), then the branch by name; Carl's course is
    # due in five days (the branch assignment's date, the earliest, is his too: he is overdue by it)
    assert emails() == ["vera@example.com", "dora@example.com", "anna@example.com", "carl@example.com"]
    assert overdue_people()[0][3] == today - timedelta(days=30)
    assert emails(limit=2) == ["vera@example.com", "dora@example.com"]
    # an HR person's scope holds departments: nobody without one, nobody outside it
    assert emails(scope={world["branch"].id}) == ["anna@example.com", "carl@example.com"]
    # as of a day before the branch's due date only the two older ones are overdue
    assert emails(today=today - timedelta(days=11)) == ["vera@example.com", "dora@example.com"]
    # a deactivated person leaves the list, with or without a department
    people.set_user_active(world["hr"], world["vera"], False)
    db.session.commit()
    assert "vera@example.com" not in emails()

    auth.login("hr@example.com")
    page = client.get("/assignments").get_data(as_text=True)
    listed = page.split("<h2>Overdue</h2>", 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<small>([^<]+)</small>", listed) == ["dora@example.com", "anna@example.com", "carl@example.com"]


def test_the_overdue_list_says_when_more_are_overdue_than_it_lists(client, auth, runner, make_user, monkeypatch):
    """Cut at two: the two longest overdue are listed, and the page says the list goes on; with room for
    all, it says nothing."""
    from app.learning import manage

    world = branch_world(
        runner,
        make_user,
        boris=("employee", "boris@example.com", "Boris Brown", True),
        carl=("employee", "carl@example.com", "Carl Green", True),
    )
    today = date.today()
    for n, person in enumerate((world["boris"], world["carl"], world["anna"])):
        learning.create_assignment(world["hr"], world["course"], users=[person], due_on=today - timedelta(days=30 - n))
    db.session.commit()
    auth.login("hr@example.com")

    def overdue_section() -> str:
        page = client.get("/assignments").get_data(as_text=True)
        return page.split("<h2>Overdue</h2>", 1)[1].split("<h2>", 1)[0]

    monkeypatch.setattr(manage, "OVERDUE_LISTED", 2)
    cut = overdue_section()
    assert re.findall(r"<small>([^<]+@[^<]+)</small>", cut) == ["boris@example.com", "carl@example.com"]
    assert "Only the 2 courses longest overdue are listed." in cut
    monkeypatch.setattr(manage, "OVERDUE_LISTED", 3)
    assert "longest overdue are listed" not in overdue_section()
