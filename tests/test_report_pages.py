"""HR's report pages show what their figures say elsewhere: a department's people, page by page, each with
the figures of the one rule for them, and as many in all as the department's headcount."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.content.models import ContentItem
from app.extensions import db
from app.learning import services as learning
from app.learning.assigned import assigned_courses
from app.people.models import Department, User
from app.reports import services as reports
from app.shopping.scores import shop_average
from tests.test_hr_scope import world  # noqa: F401 - a fixture
from tests.test_notify import complete_course
from tests.test_reports import company  # noqa: F401 - a fixture

PERSON = re.compile(
    r'<th scope="row"><a href="/reports/employees/(\d+)[^"]*">([^<]+)</a></th>\s*'
    r"<td>([^<]+)</td>\s*<td>(\d+)</td>\s*<td>([^<]+)</td>\s*<td>(?:<strong>)?(\d+)"
)


def _listed(client, url: str) -> tuple[list[tuple], str]:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    return PERSON.findall(page), page


def _expected(person: User, period) -> tuple:
    """What the person's own rules say: their shop average (withheld below the minimum) and cards in the
    period, and their assigned courses now, done in the round, overdue."""
    score = shop_average(person.id, period)
    courses = assigned_courses(person)
    done, overdue = sum(c.done for c in courses), sum(bool(c.overdue) for c in courses)
    return (
        str(person.id),
        person.name,
        "—" if score.average is None else f"{score.average:.1f}",
        str(score.cards),
        f"{done} of {len(courses)}" if courses else "—",
        str(overdue),
    )


def test_a_departments_people_come_page_by_page_with_their_own_figures(app, client, auth, company, make_user):  # noqa: F811
    region, a, b = company["region"], company["a"], company["b"]
    make_user("employee", department=b, email="gone@example.com", name="Аа Ушедший", active=False)
    make_user("employee", department=region, email="r1@example.com", name="Бб Региональный")
    make_user("employee", email="nowhere@example.com", name="Аа Нигде")  # in no department: not listed
    course = db.session.scalars(select(ContentItem).where(ContentItem.slug == "complaint-handling")).one()
    learning.create_assignment(company["hr"], course, department=region, due_on=date.today() - timedelta(days=1))
    db.session.commit()
    complete_course(company["staff"]["a2"], datetime.now() - timedelta(days=1))
    app.config["MIN_CARDS_FOR_SCORE"] = 2  # a1's two cards show an average, b1's one does not
    app.config["PER_PAGE"] = 2
    auth.login("hr@example.com")

    everyone = db.session.scalars(  # by name in the database's collation
        select(User)
        .where(User.department_id.in_([region.id, a.id, b.id]), User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()
    june = reports.Period(date(2026, 6, 1), date(2026, 6, 30))
    for period, query in ((reports.Period(), ""), (june, "&from=2026-06-01&to=2026-06-30")):
        expected = [_expected(p, period) for p in everyone]
        assert len(expected) == 4 and {row[4] for row in expected} == {"0 of 1", "1 of 1"}
        averages = {row[2] != "—" for row in expected}
        assert averages == ({True, False} if period == reports.Period() else {False}), averages
        shown = []
        for number in (1, 2):
            rows, page = _listed(client, f"/reports/departments/{region.id}?page={number}{query}")
            assert len(rows) == 2
            shown += rows
            # as many people in all as the department's headcount, in the table above
            headcount = reports.department_report(period, roots=[region.id])[0].employees
            assert headcount == 4 and f"{headcount} in all" in page
        assert shown == expected, query
        assert client.get(f"/reports/departments/{region.id}?page=3{query}").status_code == 404
    # one of a1's two cards falls in the second half of May: below the minimum, no average there
    late_may, _page = _listed(client, f"/reports/departments/{a.id}?from=2026-05-20&to=2026-05-31")
    a1 = company["staff"]["a1"]
    assert [row for row in late_may if row[0] == str(a1.id)] == [(str(a1.id), a1.name, "—", "1", "0 of 1", "1")]
    assert _listed(client, f"/reports/departments/{a.id}")[0][0][2:4] == (f"{shop_average(a1.id).average:.1f}", "2")


def _csv_rows(client, url: str) -> list[str]:
    body = client.get(url).data.decode("utf-8-sig")
    return [line.split(",")[0] for line in body.splitlines()[1:]]  # the headers first


def test_the_company_report_lists_the_top_of_what_its_reader_sees(client, auth, world, make_user):  # noqa: F811
    """Unscoped HR: the top departments by name; HR scoped to a department deeper down: that department
    (not its parent, not its children); under a root: the root and its children, by name."""
    from app.people import services as people

    admin = db.session.scalars(select(User).where(User.email == "admin@example.com")).one()
    shop = db.session.scalars(select(Department).where(Department.path == "North/Shop")).one()
    people.create_department(admin, "Annex", shop)
    people.create_department(admin, "Alpha", world["north"])
    db.session.commit()
    deep = make_user("hr", email="deep@example.com")
    people.set_scope(admin, deep, shop)
    db.session.commit()
    auth.login("wide@example.com")
    assert _csv_rows(client, "/reports/?format=csv") == ["Company", "North", "South"]
    assert _csv_rows(client, f"/reports/?format=csv&root={world['north'].id}") == [
        "North",
        "North/Alpha",
        "North/Shop",
    ]
    auth.logout()
    auth.login("deep@example.com")
    assert _csv_rows(client, "/reports/?format=csv") == ["Company", "North/Shop"]
    page = client.get("/reports/").get_data(as_text=True)
    assert (
        f'href="/reports/departments/{shop.id}"' in page
        and f'href="/reports/departments/{world["north"].id}"' not in page
    )
    assert client.get(f"/reports/?format=csv&root={world['north'].id}").status_code == 404
