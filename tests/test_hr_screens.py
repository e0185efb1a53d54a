"""HR's screens in Russian: every value a person reads is a translated label, never a stored code."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.content.models import ContentItem
from app.core import audit
from app.extensions import db
from app.learning import services as learning
from app.shopping import services as shopping
from app.shopping.models import Scorecard
from tests.test_reports import company  # noqa: F401  (the fixture)

RU = {"Accept-Language": "ru"}


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# Codes stored in the database that a page must turn into words.
RAW_CODES = [
    r"\boverdue\b",
    r"\bin_progress\b",
    r"\bnot_started\b",
    r"\bapproved\b",
    r"\bsubmitted\b",
    r"\bopen\b",
    r"\bapproved\b",
    r"\bgreet-30s\b",
    r"\bintroduced\b",
    r"\bpolite\b",
    r"\bopen-questions\b",
    r"\bparaphrased\b",
    r"\bauth\.login\b",
    r"\bcard\.(submit|approve)\b",
    r"\bdispute\.open\b",
    r"\\u0[0-9a-fA-F]{3}",
    r"ответ: (yes|no|na)\b",
]


@pytest.fixture
def hr_data(company, make_user):  # noqa: F811
    """The report company, plus a dispute left open, an overdue course and a sign-in in the log."""
    a1 = company["staff"]["a1"]
    card = db.session.scalars(
        select(Scorecard).where(Scorecard.employee_id == a1.id, Scorecard.status == "approved").order_by(Scorecard.id)
    ).first()
    shopping.open_dispute(a1, card, "introduced", "Клиент сам попросил не представляться.", now=card.approved_at)
    course = db.session.scalars(select(ContentItem).where(ContentItem.kind == "course")).first()
    learning.create_assignment(None, course, users=[a1], due_on=date.today() - timedelta(days=3))
    audit.record(company["hr"], "auth.login", "user", company["hr"].id, None, {"note": "Сотрудник"})
    db.session.commit()
    return company


def test_hr_pages_in_russian_show_labels_not_codes(client, auth, hr_data):
    auth.login("hr@example.com")
    a1 = hr_data["staff"]["a1"]
    pages = [
        "/dashboard/hr",
        "/people",
        "/audit",
        "/reports/",
        f"/reports/departments/{hr_data['a'].id}",
        f"/reports/employees/{a1.id}",
        "/shop/disputes",
        "/shop/visits",
        "/shop/review?status=approved",
    ]
    for path in pages:
        response = client.get(path, headers=RU)
        assert response.status_code == 200, path
        text = visible(response.get_data(as_text=True))
        for pattern in RAW_CODES:
            found = re.search(pattern, text)
            assert found is None, (
                f"{path}: {found.group(0)!r} in {text[max(0, found.start() - 80) : found.end() + 80]!r}"
            )
    people = visible(client.get("/people", headers=RU).get_data(as_text=True))
    assert "Имя и фамилия" in people and "Название" not in people
    disputes = visible(client.get("/shop/disputes", headers=RU).get_data(as_text=True))
    assert "ответ: Нет" in disputes and "Представился по имени" in disputes
    employee = visible(client.get(f"/reports/employees/{a1.id}", headers=RU).get_data(as_text=True))
    assert "просрочен" in employee
    card = db.session.scalars(select(Scorecard).where(Scorecard.employee_id == a1.id).order_by(Scorecard.id)).first()
    review = visible(client.get(f"/shop/cards/{card.id}", headers=RU).get_data(as_text=True))
    assert "Оспорено: открыт" in review
    home = visible(client.get("/dashboard/hr", headers=RU).get_data(as_text=True))
    assert "Вход в систему" in home


def test_audit_details_are_stored_and_shown_readable(client, auth, hr_data):
    """The log's details are kept as readable JSON (no \\u escapes) and shown as "label: value"."""
    raw = db.session.execute(
        db.text("SELECT CAST(after AS TEXT) FROM audit_log WHERE action = 'dispute.open'")
    ).scalar()
    assert "Клиент сам попросил" in raw and "\\u" not in raw
    auth.login("hr@example.com")
    page = visible(client.get("/audit?action=dispute.open", headers=RU).get_data(as_text=True))
    assert "Причина: Клиент сам попросил не представляться." in page
    assert "Пункт: Представился по имени" in page


def test_hr_home_counts_what_waits_and_links_to_each_list(client, auth, hr_data):
    from app.rollups import CourseStatus
    from app.shopping.models import Visit

    checklist = db.session.scalars(select(ContentItem).where(ContentItem.kind == "checklist")).first()
    past = date.today() - timedelta(days=20)
    ended = Visit(
        department_id=hr_data["b"].id,
        checklist_item_id=checklist.id,
        channel="visit",
        window_start=past,
        window_end=past + timedelta(days=7),
    )
    running = Visit(
        department_id=hr_data["a"].id,
        checklist_item_id=checklist.id,
        channel="visit",
        window_start=past,
        window_end=date.today() + timedelta(days=3),
    )
    db.session.add_all([ended, running])
    db.session.commit()
    overdue = sum(
        1 for s in db.session.scalars(select(CourseStatus)) if not s.done and s.due_on and s.due_on < date.today()
    )
    assert overdue >= 1
    auth.login("hr@example.com")
    page = client.get("/dashboard/hr", headers=RU).get_data(as_text=True)
    text = visible(page)
    assert "1 Анкеты ждут проверки" in text  # b1's card, never approved
    assert f"{overdue} Просроченные курсы" in text
    assert "1 Открытые возражения" in text and "1 Просроченные визиты" in text
    for url in ("/shop/review?status=submitted", "/assignments", "/shop/disputes?status=open", "/shop/visits?late=1"):
        assert f'href="{url}"' in page
    late = visible(client.get("/shop/visits?late=1", headers=RU).get_data(as_text=True)).split("Все визиты")[1]
    assert "Регион/Филиал Б" in late and "Регион/Филиал А" not in late
    everything = visible(client.get("/shop/visits", headers=RU).get_data(as_text=True)).split("Только просроченные")[1]
    assert "Регион/Филиал А" in everything


def test_department_page_lists_people_with_their_figures(client, auth, hr_data):
    from app.shopping.scores import shop_average
    from tests.test_queries import counted

    a1, a2 = hr_data["staff"]["a1"], hr_data["staff"]["a2"]
    auth.login("hr@example.com")
    url = f"/reports/departments/{hr_data['a'].id}"
    page = client.get(url, headers=RU).get_data(as_text=True)
    row = re.search(
        rf'<tr>\s*<th scope="row"><a href="/reports/employees/{a1.id}[^"]*">[^<]+</a></th>(.*?)</tr>', page, re.S
    )
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert shop_average(a1.id).average is None  # two approved cards: below the fairness minimum of three
    assert cells[0] == "—" and cells[1] == "2"
    assert re.sub("<[^>]+>", "", cells[2]) == "0 из 1" and re.sub("<[^>]+>", "", cells[3]) == "1"
    client.get(url)
    with counted() as few:
        client.get(url)
    from app.people import services as people

    for n in range(6):
        people.create_user(None, f"more{n}@example.com", f"Ещё {n}", hr_data["a"], ["employee"])
    db.session.commit()
    with counted() as many:
        client.get(url)
    assert len(many) == len(few)
    assert a2.name in client.get(url).get_data(as_text=True)


def test_the_people_of_a_department_page_by_name_with_their_figures(app, client, auth, hr_data):
    from app.people import services as people

    for n in range(3):
        people.create_user(None, f"page{n}@example.com", f"Яков {n}", hr_data["a"], ["employee"])
    db.session.commit()
    app.config["PER_PAGE"] = 2
    auth.login("hr@example.com")
    url = f"/reports/departments/{hr_data['a'].id}"
    listed = []
    for number in (1, 2, 3):
        page = client.get(f"{url}?page={number}", headers=RU)
        assert page.status_code == 200
        names = re.findall(
            r'<th scope="row"><a href="/reports/employees/\d+[^"]*">([^<]+)</a></th>', page.get_data(as_text=True)
        )
        assert 1 <= len(names) <= 2
        listed += names
    from app.people.models import User

    everyone = sorted(db.session.scalars(select(User.name).where(User.department_id == hr_data["a"].id, User.active)))
    assert listed == everyone and len(everyone) == 5
    assert client.get(f"{url}?page=4").status_code == 404
    a1 = hr_data["staff"]["a1"]
    on_its_page = client.get(f"{url}?page={everyone.index(a1.name) // 2 + 1}", headers=RU).get_data(as_text=True)
    row = re.search(rf'<a href="/reports/employees/{a1.id}[^"]*">[^<]+</a></th>(.*?)</tr>', on_its_page, re.S)
    assert re.findall(r"<td>(.*?)</td>", row.group(1), re.S)[:2] == ["—", "2"]  # below the minimum, two cards
