"""Report timings on the large data set against the plain SQL that answers the same question.

    DATABASE_URL=sqlite:////tmp/large.db .venv/bin/python bench/reports.py

The database must hold `flask --app wsgi demo --size large` (after `db upgrade` and `content import`).
Prints median milliseconds over several runs for the project and the reference, and their ratio: what
the page's services compute, the whole page through the app rendered afresh, and the same page kept by
the page cache (HR opening it again with nothing written since).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.people.models import Department, User  # noqa: E402
from app.reports import services  # noqa: E402
from bench._server import PASSWORD  # noqa: E402

RUNS = 15

CLOSURE = """
WITH RECURSIVE closure(id, root) AS (
  SELECT id, id FROM departments UNION ALL
  SELECT d.id, c.root FROM departments d JOIN closure c ON d.parent_id = c.id)
"""
REFERENCE_COMPANY = (
    CLOSURE
    + """
SELECT c.root, COUNT(s.id), AVG(s.total_percent) FROM scorecards s JOIN closure c ON c.id = s.department_id
WHERE s.status = 'approved' GROUP BY c.root
"""
)
REFERENCE_QUIZ = (
    CLOSURE
    + """
SELECT c.root, COUNT(a.id), AVG(a.percent) FROM quiz_attempts a JOIN closure c ON c.id = a.department_id
WHERE a.status = 'finished' GROUP BY c.root
"""
)
REFERENCE_DEPT = """
WITH RECURSIVE sub(id) AS (SELECT CAST(:d AS INTEGER) UNION ALL SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id)
SELECT COUNT(*), AVG(total_percent) FROM scorecards WHERE status = 'approved' AND department_id IN (SELECT id FROM sub)
"""
REFERENCE_EMPLOYEE = """
SELECT COUNT(*), AVG(total_percent) FROM scorecards WHERE employee_id = :u AND status = 'approved'
"""


def median_ms(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def page_timings(paths: list[str]) -> dict[str, tuple[float, float]]:
    """Each report page as HR opens it, through the whole app in this process: the WSGI application is
    called as a server calls it, with the signed-in browser's headers, and the body read to the end.
    Returns (median ms rendered afresh, median ms kept and answered by the page cache) per path."""
    out: dict[str, list[float]] = {path: [] for path in paths}
    for seconds in (0, 300):
        app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PAGE_CACHE_SECONDS": seconds})
        client = app.test_client()
        if client.post("/login", data={"email": "hr@example.com", "password": PASSWORD}).status_code != 302:
            sys.exit("could not sign in as hr@example.com")
        for path in paths:
            client.get(path)  # warm: compiled templates, content caches, the session's CSRF token
            cookie = client.get_cookie("session")
            headers = {"Cookie": f"session={cookie.value}"}
            environ = EnvironBuilder(path=path, headers=headers, environ_base=client.environ_base).get_environ()

            def fetch(environ=environ, app=app, seconds=seconds):
                answer: list[str] = []
                body = b"".join(app(dict(environ), lambda status, headers, *_: answer.extend([status, headers])))
                assert answer[0].startswith("200") and body, (environ["PATH_INFO"], answer[0])
                kept = ("X-Page-Cache", "hit") in answer[1]
                assert kept == bool(seconds), "kept only with the cache on"

            if seconds:
                app(dict(environ), lambda *_: None)  # the first such request renders the page and keeps it
            out[path].append(median_ms(fetch))
    return {path: (times[0], times[1]) for path, times in out.items()}


def main() -> None:
    app = create_app()
    with app.app_context():
        engine = db.engine.dialect.name
        team = db.session.scalars(select(Department).where(Department.name == "Касса")).first()
        user = db.session.scalars(select(User).where(User.email == "employee1@example.com")).one()

        def company():  # what the report page computes (reports.routes.departments)
            rows, _company = services.company_report()
            services.skill_heatmap([r.id for r in rows if r.parent_id is None])

        children = list(db.session.scalars(select(Department.id).where(Department.parent_id == team.id)))

        def department():  # what the department page computes (reports.routes.department)
            services.department_report(roots=[team.id, *children])
            services.company_row(shop_only=True)
            services.item_failure_rates(team.id)
            services.monthly_trend(team.id)
            services.training_effect(team.id)

        def employee():
            services.employee_report(user)

        rows = [
            ("whole-company department report", company, lambda: (
                db.session.execute(text(REFERENCE_COMPANY)).all(), db.session.execute(text(REFERENCE_QUIZ)).all())),
            ("one department (roll-up, items, trend, effect)", department,
             lambda: db.session.execute(text(REFERENCE_DEPT), {"d": team.id}).all()),
            ("one employee", employee, lambda: db.session.execute(text(REFERENCE_EMPLOYEE), {"u": user.id}).all()),
        ]  # fmt: skip
        paths = ["/reports/", f"/reports/departments/{team.id}", f"/reports/employees/{user.id}"]
        figures = [(label, median_ms(project), median_ms(reference)) for label, project, reference in rows]
    pages = page_timings(paths)
    print(f"engine: {engine}, median of {RUNS} runs, milliseconds")
    print(f"{'report':48s} {'services':>9s} {'page':>7s} {'kept':>7s} {'reference':>10s} {'ratio':>6s} {'kept':>6s}")
    for (label, services_ms, reference_ms), path in zip(figures, paths, strict=True):
        rendered, kept = pages[path]
        print(
            f"{label:48s} {services_ms:9.1f} {rendered:7.1f} {kept:7.2f} {reference_ms:10.2f}"
            f" {services_ms / reference_ms:6.2f} {kept / reference_ms:6.2f}"
        )
    print(
        "services: what the page computes; page: the whole request rendered afresh (page cache off); kept: the "
        "same request answered by the page cache; ratio: services / reference; kept: kept / reference"
    )


if __name__ == "__main__":
    main()
