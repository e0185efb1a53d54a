"""One rule, one function (issue 20): the pages that show the same fact agree, and opening a page writes nothing.

- which assignments reach a person and whether each is done in its round: the employee's dashboard,
  their learning page, HR's report about them and the overdue list (SQL) say the same after a
  recurring round rolls over, and again after it is completed anew;
- a person's shop average with the fairness minimum: their results page, their dashboard and HR's
  page about them show it (the same figure) or none of them does, with MIN-1 and MIN scored cards;
- the shopper's card page: a GET writes nothing; the first save (autosave, form, file) makes the draft.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from babel.dates import format_date
from sqlalchemy import func, select, update

from app.content import services as content
from app.core.audit import AuditEntry, utcnow
from app.extensions import db
from app.learning import services as learning
from app.learning.models import Assignment
from app.learning.stats import overdue_people
from app.notify.reminders import add_months, reopen_recurring
from app.rollups import CourseStatus
from app.shopping import services as shopping
from app.shopping.models import Evidence, Scorecard, ScorecardAnswer, Visit
from tests.conftest import csrf_from
from tests.helpers import branch_world
from tests.test_notify import complete_course

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture
def world(runner, make_user):
    return branch_world(runner, make_user)


def _page(client, auth, email: str, url: str) -> str:
    auth.login(email)
    response = client.get(url)
    auth.logout()
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- assigned, and done in the round
def _states(client, auth, anna) -> dict[str, str]:
    """What each page says of Anna's one assigned course: completed, overdue or neither."""
    dashboard = _page(client, auth, "anna@example.com", "/dashboard/employee")
    mine = _page(client, auth, "anna@example.com", "/learn/my")
    report = _page(client, auth, "hr@example.com", f"/reports/employees/{anna.id}")

    def state(completed: bool, overdue: bool) -> str:
        assert not (completed and overdue)
        return "completed" if completed else "overdue" if overdue else "open"

    overdue_list = [row[1] for row in overdue_people()]
    return {
        "dashboard": state('tag-create">completed<' in dashboard, 'tag-error">overdue<' in dashboard),
        "learning page": state("<td>completed</td>" in mine, "<strong>overdue</strong>" in mine),
        "HR report": state("<td>completed</td>" in report, "<td>overdue</td>" in report),
        "overdue list": "overdue" if "anna@example.com" in overdue_list else "not overdue",
    }


def test_dashboard_learning_page_and_hr_report_agree_when_a_round_rolls_over(client, auth, world):
    anna = world["anna"]
    past = utcnow() - timedelta(days=400)  # the first round began 13 months ago, and was completed then
    (assignment,) = learning.create_assignment(
        world["hr"], world["course"], users=[anna], due_on=(past + timedelta(days=14)).date(), repeat_months=12
    )
    db.session.execute(update(Assignment).where(Assignment.id == assignment.id).values(created_at=past))
    db.session.commit()
    complete_course(anna, past + timedelta(days=1))
    assert _states(client, auth, anna) == {
        "dashboard": "completed",
        "learning page": "completed",
        "HR report": "completed",
        "overdue list": "not overdue",
    }

    reopen_recurring(utcnow())  # the second round began a month ago; its due date has passed
    db.session.commit()
    db.session.refresh(assignment)
    assert assignment.cycle == 2 and assignment.cycle_started_at == add_months(past, 12)
    assert assignment.due_on < date.today()
    assert _states(client, auth, anna) == {
        "dashboard": "overdue",
        "learning page": "overdue",
        "HR report": "overdue",
        "overdue list": "overdue",
    }

    complete_course(anna, utcnow() - timedelta(minutes=10))  # done again, in this round
    assert _states(client, auth, anna) == {
        "dashboard": "completed",
        "learning page": "completed",
        "HR report": "completed",
        "overdue list": "not overdue",
    }


def test_a_course_done_for_one_assignment_is_due_by_the_one_still_waiting(client, auth, world):
    """Two assignments of one course reach Anna: her branch's, due a month ago and done by her completion,
    and her own recurring one, whose new round began after that completion and is due next week. The
    course is not done (the new round waits) but not overdue either: every page, the overdue list and the
    stored course status say so, and all say overdue once the waiting round's own date has passed."""
    anna, course = world["anna"], world["course"]
    learning.create_assignment(
        world["hr"], course, department=world["branch"], due_on=date.today() - timedelta(days=30)
    )
    past = utcnow() - timedelta(days=370)  # twelve months on, the recurring one reopens five days ago
    (recurring,) = learning.create_assignment(
        world["hr"], course, users=[anna], due_on=(past + timedelta(days=14)).date(), repeat_months=12
    )
    db.session.execute(update(Assignment).where(Assignment.id == recurring.id).values(created_at=past))
    db.session.commit()
    complete_course(anna, utcnow() - timedelta(days=40))  # done for both, in the recurring one's first round
    reopen_recurring(utcnow())
    db.session.commit()
    db.session.refresh(recurring)
    assert recurring.cycle == 2 and recurring.due_on > date.today() > recurring.cycle_started_at.date()

    def stored() -> tuple:
        return db.session.execute(
            select(CourseStatus.done, CourseStatus.due_on).where(CourseStatus.user_id == anna.id)
        ).one()

    assert _states(client, auth, anna) == {
        "dashboard": "open",
        "learning page": "open",
        "HR report": "open",
        "overdue list": "not overdue",
    }
    assert tuple(stored()) == (False, recurring.due_on)
    shown = f"<td>{format_date(recurring.due_on, 'medium', locale='en')}</td>"  # the date it is due by
    assert shown in _page(client, auth, "anna@example.com", "/learn/my")

    recurring.due_on = date.today() - timedelta(days=1)  # as if the week had passed
    db.session.commit()
    assert _states(client, auth, anna) == {
        "dashboard": "overdue",
        "learning page": "overdue",
        "HR report": "overdue",
        "overdue list": "overdue",
    }
    assert tuple(stored()) == (False, date.today() - timedelta(days=1))
    assert overdue_people()[0][3] == date.today() - timedelta(days=1)  # by the waiting one's date


def test_the_catalogue_and_the_course_page_count_only_this_rounds_work(client, auth, world):
    """The catalogue and a course's page count the cases done in the course's current round, as the
    learning page does: last round's work stops counting when a recurring course reopens."""
    anna = world["anna"]
    past = utcnow() - timedelta(days=400)
    (assignment,) = learning.create_assignment(
        world["hr"], world["course"], users=[anna], due_on=(past + timedelta(days=14)).date(), repeat_months=12
    )
    db.session.execute(update(Assignment).where(Assignment.id == assignment.id).values(created_at=past))
    db.session.commit()
    complete_course(anna, past + timedelta(days=1))

    def counts() -> tuple[bool, bool]:
        slug = world["course"].slug
        catalogue = _page(client, auth, "anna@example.com", "/learn")
        course = _page(client, auth, "anna@example.com", f"/learn/courses/{slug}")
        return "1 of 1 cases completed" in catalogue, "1 of 1 cases completed" in course

    assert counts() == (True, True)
    reopen_recurring(utcnow())
    db.session.commit()
    assert counts() == (False, False)
    complete_course(anna, utcnow() - timedelta(minutes=10))
    assert counts() == (True, True)


def test_the_learner_pages_show_the_assignment_due_first_as_its_object_says(client, auth, world):
    """My learning and the dashboard read the assignments as plain rows: they show the one due first
    with its due date and reason, as the assignment objects HR's pages use say."""
    from babel.dates import format_date

    anna = world["anna"]
    later, sooner = date.today() + timedelta(days=20), date.today() + timedelta(days=5)
    learning.create_assignment(world["hr"], world["course"], users=[anna], due_on=later)
    learning.create_assignment(world["hr"], world["course"], users=[anna], due_on=sooner, reason="shop")
    db.session.commit()
    (row,) = learning.assigned_courses(anna)
    (plain,) = learning.assigned_courses(anna, objects=False)
    assert (plain.assignment.id, plain.assignment.due_on, plain.assignment.reason) == (
        row.assignment.id,
        sooner,
        "shop",
    )
    assert (plain.done, plain.overdue, plain.progress.total) == (row.done, row.overdue, row.progress.total)

    shown = format_date(sooner, "medium", locale="en")
    mine = _page(client, auth, "anna@example.com", "/learn/my")
    assert "assigned after a mystery-shop visit" in mine and f"<td>{shown}</td>" in mine
    assert f"Due: {shown}" in _page(client, auth, "anna@example.com", "/dashboard/employee")


def test_the_loop_to_training_sees_an_open_assignment_as_the_pages_do(world):
    """A failed shop does not assign a course again while it is assigned and not done in its round."""
    anna = world["anna"]
    learning.create_assignment(world["hr"], world["course"], users=[anna], due_on=date.today() + timedelta(days=30))
    db.session.commit()
    (row,) = learning.assigned_courses(anna)
    assert not row.done
    before = db.session.scalar(select(func.count(Assignment.id)))
    card = _approved_card(world, None)
    db.session.execute(update(ScorecardAnswer).where(ScorecardAnswer.card_id == card.id).values(answer="no"))
    db.session.commit()
    db.session.refresh(card)
    assert shopping.assign_training_after(card, utcnow()) == []  # the open one stands
    assert db.session.scalar(select(func.count(Assignment.id))) == before


# ---------------------------------------------------------------- the shop average
def _approved_card(world, percent: float | None) -> Scorecard:
    """An approved card about Anna with this result (None: every item answered n/a)."""
    today = date.today()
    visit = shopping.schedule_visits(world["hr"], [world["branch"]], world["checklist"], today, today, None)
    card = shopping.card_for_visit(world["shopper"], visit[0])
    card.employee_id = world["anna"].id
    card.visited_at = utcnow() - timedelta(days=1)
    card.status = "approved"
    card.total_percent = percent
    card.passed = percent is not None and percent >= 80
    db.session.commit()
    return card


def _figure(html: str) -> float | None:
    """The shop average a page shows, as a number, or None when it shows none."""
    found = re.search(r'class="figure">([^<]*)<', html)
    return None if found is None else float(re.sub(r"[^\d.,]", "", found.group(1)).replace(",", "."))


def _averages(client, auth, anna) -> dict[str, float | None]:
    return {
        "own results": _figure(_page(client, auth, "anna@example.com", "/shop/results")),
        "dashboard": _figure(_page(client, auth, "anna@example.com", "/dashboard/employee")),
        "HR page": _figure(_page(client, auth, "hr@example.com", f"/reports/employees/{anna.id}")),
    }


def test_own_results_dashboard_and_hr_page_show_the_same_average_from_the_minimum(app, client, auth, world):
    minimum = app.config["MIN_CARDS_FOR_SCORE"]
    assert minimum >= 2
    anna = world["anna"]
    results = [70.0 + 10 * n for n in range(minimum)]
    for percent in results[:-1]:
        _approved_card(world, percent)
    _approved_card(world, None)  # a card with no result counts as a card, not towards the minimum
    nothing = _averages(client, auth, anna)
    assert nothing == {"own results": None, "dashboard": None, "HR page": None}, "MIN-1 cards with a result"

    _approved_card(world, results[-1])
    shown = _averages(client, auth, anna)
    expected = round(sum(results) / len(results), 1)
    assert shown == {"own results": expected, "dashboard": expected, "HR page": expected}, "MIN cards"


# ---------------------------------------------------------------- the card page writes nothing on GET
def _rows() -> dict[str, int]:
    return {
        "cards": db.session.scalar(select(func.count(Scorecard.id))),
        "answers": db.session.scalar(select(func.count(ScorecardAnswer.id))),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
    }


def _visit(world) -> Visit:
    today = date.today()
    (visit,) = shopping.schedule_visits(
        world["hr"], [world["branch"]], world["checklist"], today, today + timedelta(days=7), world["shopper"]
    )
    db.session.commit()
    return visit


def test_opening_the_card_page_writes_nothing_and_the_first_autosave_makes_the_draft(client, auth, world):
    visit = _visit(world)
    auth.login("shop@example.com")
    before = _rows()
    url = f"/shop/visits/{visit.id}/card"
    for _ in range(2):
        page = client.get(url)
        assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _rows() == before and before["cards"] == 0
    # the shopper sees the whole form, as for a saved draft, and typing saves it
    title = content.published("checklist", world["checklist"].slug).title
    assert title in html and 'name="answer-polite"' in html and "Submit the card" in html
    assert f'data-autosave="/shop/visits/{visit.id}/autosave"' in html
    token = csrf_from(html)
    r = client.post(
        f"/shop/visits/{visit.id}/autosave",
        json={"name": "answer-polite", "value": "no"},
        headers={"X-CSRFToken": token},
    )
    assert r.status_code == 200 and r.get_json() == {"saved": True}
    card = db.session.scalars(select(Scorecard)).one()
    assert card.status == "draft" and {a.item_id: a.answer for a in card.answers}["polite"] == "no"
    # the page now works on the card itself, and shows the answer saved
    html = client.get(url).get_data(as_text=True)
    assert f'data-autosave="/shop/cards/{card.id}/autosave"' in html
    assert re.search(r'name="answer-polite" value="no"\s+checked', html)
    again = _rows()
    client.get(url)
    assert _rows() == again
    # a second autosave through the visit's address finds the same card
    client.post(
        f"/shop/visits/{visit.id}/autosave", json={"name": "summary", "value": "ok"}, headers={"X-CSRFToken": token}
    )
    assert db.session.scalar(select(func.count(Scorecard.id))) == 1


def test_a_refused_first_autosave_or_another_shoppers_visit_makes_no_draft(client, auth, world, make_user):
    visit = _visit(world)
    auth.login("shop@example.com")
    token = csrf_from(client.get(f"/shop/visits/{visit.id}/card").get_data(as_text=True))
    r = client.post(
        f"/shop/visits/{visit.id}/autosave", json={"name": "nonsense", "value": "x"}, headers={"X-CSRFToken": token}
    )
    assert r.status_code == 400 and r.is_json
    assert db.session.scalar(select(func.count(Scorecard.id))) == 0
    auth.logout()
    make_user("shopper", email="other@example.com")
    auth.login("other@example.com")
    token = csrf_from(client.get("/shop/").get_data(as_text=True))
    r = client.post(
        f"/shop/visits/{visit.id}/autosave", json={"name": "summary", "value": "x"}, headers={"X-CSRFToken": token}
    )
    assert r.status_code == 404
    assert client.get(f"/shop/visits/{visit.id}/card").status_code == 404
    assert db.session.scalar(select(func.count(Scorecard.id))) == 0


def test_a_file_attached_before_the_first_save_makes_the_draft(client, auth, world):
    visit = _visit(world)
    auth.login("shop@example.com")
    html = client.get(f"/shop/visits/{visit.id}/card").get_data(as_text=True)
    assert f'action="/shop/visits/{visit.id}/evidence"' in html
    r = client.post(
        f"/shop/visits/{visit.id}/evidence",
        data={"csrf_token": csrf_from(html), "file": (BytesIO(PNG), "photo.png")},
        content_type="multipart/form-data",
    )
    # back to the card, at its evidence
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/shop/visits/{visit.id}/card#evidence")
    card = db.session.scalars(select(Scorecard)).one()
    assert [e.card_id for e in db.session.scalars(select(Evidence))] == [card.id]
    assert "photo.png" in client.get(f"/shop/visits/{visit.id}/card").get_data(as_text=True)
