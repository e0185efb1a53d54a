"""List pages issue the same number of SQL statements whether they show a few rows or a full page."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event, select

from app.content.models import ContentItem
from app.extensions import db
from app.learning import services as learning
from app.people import services as people


@contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client, path: str) -> int:
    client.get(path)  # warm the caches a real worker keeps between requests
    with counted() as statements:
        assert client.get(path).status_code == 200, path
    return len(statements)


def grow(make_user, first: int, extra: int, region, course):
    """Add ``extra`` people, each in a department of their own, each with an assignment of their own."""
    for n in range(first, first + extra):
        team = people.create_department(None, f"Команда {n}", region)
        db.session.commit()
        person = make_user("employee", department=team, email=f"p{n}@example.com")
        learning.create_assignment(None, course, users=[person])
    db.session.commit()


def test_people_and_assignment_lists_do_not_query_per_row(client, auth, runner, make_user):
    runner.invoke(args=["content", "import", "tests/samples/valid"])
    make_user("hr", email="hr@example.com")
    region = people.create_department(None, "Регион", None)
    db.session.commit()
    course = db.session.scalars(select(ContentItem).where(ContentItem.kind == "course")).first()
    grow(make_user, 0, 2, region, course)
    auth.login("hr@example.com")
    few = {path: statements_for(client, path) for path in ("/people", "/assignments", "/shop/visits", "/shop/review")}
    grow(make_user, 2, 40, region, course)
    many = {path: statements_for(client, path) for path in few}
    assert many == few


def test_report_pages_cost_the_same_whatever_the_depth_of_the_tree(client, auth, make_user):
    """A department's page and a person's page name the department by its path; a deeper tree must not
    mean a statement more per level."""
    make_user("hr", email="hr@example.com")
    parent = None
    chain = []
    for level in range(6):
        parent = people.create_department(None, f"Уровень {level}", parent)
        chain.append(parent)
        db.session.commit()
    shallow_person = make_user("employee", department=chain[1], email="shallow@example.com")
    deep_person = make_user("employee", department=chain[5], email="deep@example.com")
    auth.login("hr@example.com")
    shallow = [statements_for(client, f"/reports/departments/{chain[1].id}"),
               statements_for(client, f"/reports/employees/{shallow_person.id}")]  # fmt: skip
    deep = [statements_for(client, f"/reports/departments/{chain[5].id}"),
            statements_for(client, f"/reports/employees/{deep_person.id}")]  # fmt: skip
    assert deep == shallow
    page = client.get(f"/reports/departments/{chain[5].id}").get_data(as_text=True)
    assert "Уровень 0/Уровень 1/Уровень 2/Уровень 3/Уровень 4/Уровень 5" in page


def test_dashboards_do_not_query_per_actor_or_checklist(client, auth, runner, make_user, tmp_path):
    """The HR dashboard names who did the latest actions and the shopper's names each visit's checklist:
    more people acting and more checklists in use must not mean more statements."""
    import shutil
    from datetime import date, timedelta
    from pathlib import Path

    from app.core import audit
    from app.shopping import services as shopping

    samples = Path(__file__).parent / "samples" / "valid"
    shutil.copytree(samples, tmp_path / "content")
    branch = (samples / "checklists" / "branch.md").read_text(encoding="utf-8")
    (tmp_path / "content" / "checklists" / "phone.md").write_text(
        branch.replace("id: branch-visit", "id: phone-visit").replace("title: Визит", "title: Звонок"), "utf-8"
    )
    assert runner.invoke(args=["content", "import", str(tmp_path / "content")]).exit_code == 0
    checklists = db.session.scalars(select(ContentItem).where(ContentItem.kind == "checklist")).all()
    assert len(checklists) == 2
    hr = make_user("hr", email="hr@example.com")
    shopper = make_user("shopper", email="shop@example.com")
    teams = [people.create_department(None, f"Команда {n}", None) for n in range(4)]
    db.session.commit()

    def visit(team, checklist, days):
        start = date.today() + timedelta(days=days)
        shopping.schedule_visits(hr, [team], checklist, start, start + timedelta(days=7), shopper)
        db.session.commit()

    visit(teams[0], checklists[0], 0)
    audit.record(hr, "test.action", "department", teams[0].id, None, {})
    db.session.commit()
    auth.login("hr@example.com")
    few_hr = statements_for(client, "/dashboard/hr")
    auth.logout()
    auth.login("shop@example.com")
    few_shop = statements_for(client, "/dashboard/shopper")

    for n in range(4):
        audit.record(make_user("hr", email=f"hr{n}@example.com"), "test.action", "department", teams[0].id, None, {})
    db.session.commit()
    visit(teams[1], checklists[1], 1)
    visit(teams[2], checklists[1], 2)
    auth.logout()
    auth.login("hr@example.com")
    assert statements_for(client, "/dashboard/hr") == few_hr
    auth.logout()
    auth.login("shop@example.com")
    page = client.get("/dashboard/shopper").get_data(as_text=True)
    assert "Звонок в отделение банка" in page and "Визит в отделение банка" in page
    assert statements_for(client, "/dashboard/shopper") == few_shop


def test_a_persons_report_costs_the_same_however_many_cards_they_have(client, auth, runner, make_user):
    """The chart reads each card's date and result from the rows the report loaded: recording HR's read
    of the page must not expire them and make the chart read every card again."""
    from datetime import timedelta

    from app.core.audit import utcnow
    from app.shopping import services as shopping

    runner.invoke(args=["content", "import", "tests/samples/valid"])
    team = people.create_department(None, "Команда", None)
    other = people.create_department(None, "Другая", None)
    db.session.commit()
    make_user("hr", email="hr@example.com")
    admin = make_user("admin", email="admin@example.com")
    shopper = make_user("shopper", email="shop@example.com", department=other)
    person = make_user("employee", email="p@example.com", department=team)
    items = ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]

    def cards(n: int) -> None:
        for day in range(n):
            payload = {
                "checklist": "branch-visit",
                "department": "Команда",
                "employee": "p@example.com",
                "visited_at": (utcnow() - timedelta(days=day + 1, minutes=len(items))).isoformat() + "+00:00",
                "answers": {k: "yes" for k in items},
            }
            card, _ = shopping.submit_from_api(shopper, payload)
            shopping.review_card(admin, card, "approve")
        db.session.commit()

    auth.login("hr@example.com")
    cards(1)
    few = statements_for(client, f"/reports/employees/{person.id}")
    cards(6)
    assert statements_for(client, f"/reports/employees/{person.id}") == few


def test_the_content_list_costs_the_same_for_a_few_items_and_for_many(app, client, auth, runner, make_user, tmp_path):
    from tests.test_content_list import write_content

    make_user("trainer", email="t@example.com")
    auth.login("t@example.com")
    runner.invoke(args=["content", "import", str(write_content(tmp_path / "few", 2, ["extra-000"]))])
    paths = ("/authoring/", "/authoring/?kind=quiz", "/authoring/?q=extra")
    few = {path: statements_for(client, path) for path in paths}
    many = write_content(tmp_path / "many", 60, [f"extra-{n:03d}" for n in range(60)])
    assert runner.invoke(args=["content", "import", str(many)]).exit_code == 0
    assert {path: statements_for(client, path) for path in paths} == few
    # drafts on the page are checked against the published ids read once, not once per draft
    from app.authoring import services as authoring

    def drafts(count: int) -> int:
        for n in range(count):
            authoring.save_draft(None, "case", f"extra-{n:03d}", f"---\nid: extra-{n:03d}\nquiz: none-{n}\n---\n")
        db.session.commit()
        return statements_for(client, "/authoring/?kind=case")

    assert drafts(1) == drafts(10)


def test_lists_of_visits_load_no_card_answers_or_sections(client, auth, runner):
    """A visit list shows each visit's state (its card's status); the answers and sections every card
    loads by default are not read for it (a shopper's 200 visits on the large demo data read 4,200 rows
    for them)."""
    from app.shopping.models import Scorecard, ScorecardAnswer, ScorecardSection, Visit
    from tests.helpers import demo_company

    demo_company(runner)
    carded = db.session.scalar(
        select(Visit.shopper_id).join(Scorecard, Scorecard.visit_id == Visit.id).where(Scorecard.status == "approved")
    )
    assert carded is not None  # the demo's shopper has visits with cards
    loaded: list = []

    def note(target, context):
        loaded.append(type(target).__name__)

    for model in (ScorecardAnswer, ScorecardSection):
        event.listen(model, "load", note)
    try:
        for email, paths in (
            ("shopper@example.com", ("/shop/", "/dashboard/shopper")),
            ("hr@example.com", ("/shop/visits", "/shop/visits?late=1")),
        ):
            auth.login(email, "rapport-demo")
            for path in paths:
                page = client.get(path)
                assert page.status_code == 200, path
                assert not loaded, f"{path} loaded {len(loaded)} card answers or sections"
            auth.logout()
        auth.login("hr@example.com", "rapport-demo")
        card = db.session.scalar(select(Scorecard.id).where(Scorecard.status == "approved"))
        assert client.get(f"/shop/cards/{card}").status_code == 200
        assert {"ScorecardAnswer", "ScorecardSection"} <= set(loaded)  # the card's own page does read them
    finally:
        for model in (ScorecardAnswer, ScorecardSection):
            event.remove(model, "load", note)


def test_a_managers_team_page_costs_the_same_for_a_few_people_and_for_many(client, auth, runner, make_user):
    """The team page lists each person with their shop average and their courses to do and overdue: read
    for everyone at once, not person by person; and each person's figures are their own."""
    from datetime import date, timedelta

    runner.invoke(args=["content", "import", "tests/samples/valid"])
    team = people.create_department(None, "Команда", None)
    db.session.commit()
    make_user("manager", email="lead@example.com", department=team)
    course = db.session.scalars(select(ContentItem).where(ContentItem.kind == "course")).first()

    def add(first: int, extra: int) -> None:
        for n in range(first, first + extra):
            person = make_user("employee", department=team, email=f"p{n}@example.com", name=f"Сотрудник {n:02d}")
            due = date.today() - timedelta(days=3) if n % 2 else date.today() + timedelta(days=3)
            learning.create_assignment(None, course, users=[person], due_on=due)
        db.session.commit()

    add(0, 2)
    auth.login("lead@example.com")
    few = statements_for(client, "/coaching/")
    add(2, 30)
    assert statements_for(client, "/coaching/") == few
    page = client.get("/coaching/").get_data(as_text=True)
    rows = re.findall(r"<tr><td>Сотрудник (\d\d)</td><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert len(rows) == 32
    assert all((todo, late) == ("1", "1" if int(n) % 2 else "0") for n, todo, late in rows)  # overdue: the odd ones
