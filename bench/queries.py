"""SQL statements per page on the small and the large demo company: the same count on both means no N+1.

    .venv/bin/python bench/queries.py SMALL_DATABASE_URL LARGE_DATABASE_URL

Each URL names a database holding `flask --app wsgi demo` (small) or `demo --size large`, after
`db upgrade` and `content import`. Every page is requested once to warm caches, then once more
while the engine counts the statements it executes. Prints one row per page with both counts;
with `--show`, also the statements of every page whose counts differ, to trace the difference.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

PASSWORD = "rapport-demo"


def targets() -> dict[str, str]:
    """Ids that exist in any demo company: a department with children, a person, a card, a case, a quiz."""
    from app.content.models import ContentItem
    from app.learning.models import QuizAttempt
    from app.people.models import Department, User
    from app.shopping.models import Scorecard

    employee = db.session.scalars(select(User).where(User.email == "employee@example.com")).one()
    parent = db.session.scalar(
        select(Department.parent_id).where(Department.parent_id.is_not(None)).order_by(Department.id).limit(1)
    )
    team = employee.department_id
    card = db.session.scalar(select(Scorecard.id).where(Scorecard.status == "approved").order_by(Scorecard.id))
    attempt = db.session.scalar(
        select(QuizAttempt.id).where(QuizAttempt.user_id == employee.id, QuizAttempt.status == "finished")
    )
    case = db.session.scalar(select(ContentItem.slug).where(ContentItem.kind == "case").order_by(ContentItem.slug))
    quiz = db.session.scalar(select(ContentItem.slug).where(ContentItem.kind == "quiz").order_by(ContentItem.slug))
    course = db.session.scalar(select(ContentItem.slug).where(ContentItem.kind == "course").order_by(ContentItem.slug))
    return {
        "parent": str(parent),
        "team": str(team),
        "employee": str(employee.id),
        "card": str(card),
        "attempt": str(attempt),
        "case": case,
        "quiz": quiz,
        "course": course,
    }


PAGES = [
    ("employee", "/dashboard/employee"),
    ("employee", "/learn"),
    ("employee", "/learn/my"),
    ("employee", "/learn/courses/{course}"),
    ("employee", "/learn/cases/{case}"),
    ("employee", "/learn/quizzes/{quiz}"),
    ("employee", "/shop/results"),
    ("employee", "/notifications"),
    ("shopper", "/dashboard/shopper"),
    ("shopper", "/shop/"),
    ("hr", "/dashboard/hr"),
    ("hr", "/reports/"),
    ("hr", "/reports/?root={parent}"),
    ("hr", "/reports/departments/{parent}"),
    ("hr", "/reports/departments/{team}"),
    ("hr", "/reports/employees/{employee}"),
    ("hr", "/shop/review"),
    ("hr", "/shop/visits"),
    ("hr", "/shop/disputes"),
    ("hr", "/assignments"),
    ("hr", "/people"),
    ("hr", "/departments"),
    ("trainer", "/authoring/"),
    ("trainer", "/quizzes/{quiz}/stats"),
    ("admin", "/admin/outbox"),
]


def count_queries(url: str) -> tuple[dict[str, int | str], dict[str, list[str]]]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    counts: dict[str, int | str] = {}
    seen: dict[str, list[str]] = {}
    with app.app_context():
        ids = targets()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, sql, *a: statements.append(sql))
    clients = {}
    for role, template in PAGES:
        client = clients.get(role)
        if client is None:
            client = clients[role] = app.test_client()
            answer = client.post("/login", data={"email": f"{role}@example.com", "password": PASSWORD})
            if answer.status_code != 302:
                sys.exit(f"could not sign in as {role}@example.com on {url}")
        path = template.format(**ids)
        client.get(path)  # warm: content caches, compiled templates
        statements.clear()
        response = client.get(path)
        key = f"{role:8s} {template}"
        counts[key] = len(statements) if response.status_code == 200 else f"HTTP {response.status_code}"
        seen[key] = [" ".join(sql.split())[:110] for sql in statements]
    return counts, seen


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--show"]
    if len(args) != 2:
        sys.exit(__doc__)
    (small, small_sql), (large, large_sql) = count_queries(args[0]), count_queries(args[1])
    print(f"{'page':52s} {'small':>6s} {'large':>6s}")
    same = 0
    for key in small:
        a, b = small[key], large[key]
        same += a == b
        print(f"{key:52s} {a!s:>6s} {b!s:>6s}{'' if a == b else '   differs'}")
    print(f"{same} of {len(small)} pages issue the same number of statements on both data sets")
    if "--show" in sys.argv:
        for key in small:
            if small[key] != large[key]:
                print(f"\n{key}\n  only on the small data set:")
                for sql in sorted((Counter(small_sql[key]) - Counter(large_sql[key])).elements()):
                    print(f"    {sql}")
                print("  only on the large data set:")
                for sql in sorted((Counter(large_sql[key]) - Counter(small_sql[key])).elements()):
                    print(f"    {sql}")


if __name__ == "__main__":
    main()
