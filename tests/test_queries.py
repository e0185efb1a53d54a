"""List pages issue the same number of SQL statements whether they show a few rows or a full page."""

from __future__ import annotations

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
