"""The loop to training speaks the learner's language, reopens what they completed, and takes back what a
dispute overturns (issue 22, item 2); a person's language comes from the import, their first sign-in
or their own choice."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.content import services as content
from app.core.audit import utcnow
from app.extensions import db
from app.learning import services as learning
from app.learning.models import Assignment
from app.notify.kinds import render
from app.notify.models import Notice
from app.people import services as people
from app.people.models import User
from app.shopping import services as shopping
from app.shopping.models import Dispute
from tests.conftest import post_form
from tests.test_notify import complete_course

SAMPLES = Path(__file__).parent / "samples" / "valid"

ENGLISH_CASE = """---
id: courier-en
title: The courier came without calling
lang: en
skills: [complaint-handling]
minutes: 5
---
## Situation
A customer calls: the courier came without calling and she was not at home.
"""

ENGLISH_COURSE = """---
id: complaint-handling-en
title: Handling complaints
lang: en
skills: [complaint-handling, empathy]
cases: [courier-en]
---
The same course, in English.
"""


@pytest.fixture
def world(runner, make_user, tmp_path):
    tree = tmp_path / "content"
    shutil.copytree(SAMPLES, tree)
    (tree / "cases" / "courier-en.md").write_text(ENGLISH_CASE, encoding="utf-8")
    (tree / "courses" / "complaints-en.md").write_text(ENGLISH_COURSE, encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(tree)])
    assert result.exit_code == 0, result.output
    branch = people.create_department(None, "Тверская", None)
    db.session.commit()
    return {
        "branch": branch,
        "hr": make_user("hr", email="hr@example.com", name="Елена Кадрова"),
        "shopper": make_user("shopper", email="shop@example.com", name="Игорь Проверкин"),
        "make_user": make_user,
    }


def _employee(world, email: str, language: str | None) -> User:
    user = world["make_user"]("employee", email=email, department=world["branch"], name="Мария Новикова")
    user.locale = language
    db.session.commit()
    return user


def _approve_failed_card(world, employee: User) -> list[Assignment]:
    """A card about ``employee`` with "polite" (skill: empathy) failed, approved by HR: the loop runs."""
    today = date.today()
    checklist = content.published("checklist", "branch-visit").item
    (visit,) = shopping.schedule_visits(world["hr"], [world["branch"]], checklist, today, today, world["shopper"])
    card = shopping.card_for_visit(world["shopper"], visit)
    items = [i.id for i in content.document(card.checklist_version).items()]
    shopping.save_draft(
        card,
        answers={i: ("no" if i == "polite" else "yes") for i in items},
        comments={"polite": "Был груб"},
        visited_at=utcnow() - timedelta(hours=2),
        duration_min=10,
        employee_id=employee.id,
        summary="ok",
    )
    shopping.submit_card(card)
    created = shopping.review_card(world["hr"], card, "approve")
    db.session.commit()
    return created


def _courses(assignments) -> list[str]:
    return sorted(a.course_item.slug for a in assignments)


def _open_rows(user: User) -> dict[str, bool]:
    """The person's assigned courses: slug -> done in its current round."""
    return {row.assignment.course_item.slug: row.done for row in learning.assigned_courses(user)}


def _notices(user: User, kind: str) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.user_id == user.id, Notice.kind == kind)))


def test_a_new_russian_speaker_gets_only_the_russian_course_in_an_open_round(world):
    maria = _employee(world, "maria@example.com", "ru")
    created = _approve_failed_card(world, maria)
    assert _courses(created) == ["complaint-handling"]
    assert _open_rows(maria) == {"complaint-handling": False}
    (notice,) = _notices(maria, "assignment")
    assert render("assignment", notice.params).title == "New course assigned: Работа с жалобами"


def test_without_a_language_of_their_own_the_company_default_decides(world):
    nobody = _employee(world, "new@example.com", None)
    assert _courses(_approve_failed_card(world, nobody)) == ["complaint-handling-en"]


def test_one_who_finished_the_english_course_gets_the_russian_one_open(world):
    maria = _employee(world, "maria@example.com", "ru")
    learning.mark_read(maria, content.published("case", "courier-en"), now=utcnow() - timedelta(days=20))
    learning.refresh_completions(maria)
    db.session.commit()
    created = _approve_failed_card(world, maria)
    assert _courses(created) == ["complaint-handling"]
    assert _open_rows(maria) == {"complaint-handling": False}


def test_a_course_already_completed_is_reopened_not_counted(world):
    maria = _employee(world, "maria@example.com", "ru")
    complete_course(maria, utcnow() - timedelta(days=10))  # the Russian course, ten days ago
    learning.refresh_completions(maria)
    db.session.commit()
    (assignment,) = _approve_failed_card(world, maria)
    assert assignment.course_item.slug == "complaint-handling" and assignment.cycle_started_at is not None
    assert _open_rows(maria) == {"complaint-handling": False}  # the old completion does not count
    (notice,) = _notices(maria, "assignment")
    assert "You completed this course before" in " ".join(render("assignment", notice.params).lines)

    complete_course(maria, utcnow())  # done again, in the new round
    learning.refresh_completions(maria)
    assert _open_rows(maria) == {"complaint-handling": True}


def test_an_accepted_dispute_withdraws_the_assignment_and_its_notice(app, client, auth, world):
    maria = _employee(world, "maria@example.com", "ru")
    (assignment,) = _approve_failed_card(world, maria)
    card_id = int(assignment.source_ref.split(":")[1])

    auth.login("maria@example.com")
    page = client.get(f"/shop/results/{card_id}").get_data(as_text=True)
    assert "Оспорить" in page  # she reads in Russian, and may still dispute
    r = post_form(client, f"/shop/results/{card_id}", {"item": "polite", "reason": "Я был вежлив"})
    assert r.status_code == 302
    auth.logout()

    auth.login("hr@example.com")
    dispute = db.session.scalars(select(Dispute)).one()
    r = post_form(
        client, f"/shop/disputes/{dispute.id}", {"accept": "1", "new_answer": "yes"}, page_url="/shop/disputes"
    )
    assert r.status_code == 302
    auth.logout()

    db.session.refresh(assignment)
    assert assignment.cancelled_at is not None
    assert _open_rows(maria) == {}
    (announced,) = _notices(maria, "assignment")
    assert announced.withdrawn_at is not None
    (withdrawn,) = _notices(maria, "assignment_withdrawn")
    assert render("assignment_withdrawn", withdrawn.params).title == "Course withdrawn: Работа с жалобами"
    auth.login("maria@example.com")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Курс отменён: Работа с жалобами" in page and "отменено" in page


def test_a_dispute_leaves_the_course_that_another_failed_item_still_requires(world):
    maria = _employee(world, "maria@example.com", "ru")
    (assignment,) = _approve_failed_card(world, maria)
    card = db.session.get(shopping.Scorecard, int(assignment.source_ref.split(":")[1]))
    for answer in card.answers:  # a second item of the same skill failed too
        if answer.item_id == "greet-30s":
            answer.answer, answer.skill = "no", "empathy"
    db.session.commit()
    dispute = shopping.open_dispute(maria, card, "polite", "Я был вежлив")
    shopping.settle_dispute(world["hr"], dispute, True, None, "yes")
    db.session.commit()
    db.session.refresh(assignment)
    assert assignment.cancelled_at is None and _notices(maria, "assignment_withdrawn") == []


# ---------------------------------------------------------------- where a person's language comes from
def test_the_first_sign_in_keeps_the_browsers_language_and_later_ones_do_not_change_it(client, make_user):
    user = make_user("employee", email="new@example.com")
    assert user.locale is None

    def sign_in(accept: str) -> None:
        page = client.get("/login", headers={"Accept-Language": accept}).get_data(as_text=True)
        from tests.conftest import csrf_from

        data = {"csrf_token": csrf_from(page), "email": "new@example.com", "password": "secret-password-1"}
        assert client.post("/login", data=data, headers={"Accept-Language": accept}).status_code == 302

    sign_in("bg-BG,bg;q=0.9,en;q=0.5")
    db.session.refresh(user)
    assert user.locale == "bg"
    post_form(client, "/logout", {}, page_url="/notifications")
    sign_in("ru-RU,ru;q=0.9")
    db.session.refresh(user)
    assert user.locale == "bg"


def test_disputes_closed_say_why(client, auth, world):
    maria = _employee(world, "maria@example.com", "ru")
    (assignment,) = _approve_failed_card(world, maria)
    card = db.session.get(shopping.Scorecard, int(assignment.source_ref.split(":")[1]))
    card.approved_at = datetime.now() - timedelta(days=30)
    db.session.commit()
    auth.login("maria@example.com")
    page = client.get(f"/shop/results/{card.id}").get_data(as_text=True)
    assert "Оспаривание закрыто" in page and "<summary>Оспорить</summary>" not in page
