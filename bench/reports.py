"""Report timings on the large data set against the plain SQL that answers the same question.

    DATABASE_URL=sqlite:////tmp/large.db .venv/bin/python bench/reports.py

The database must hold `flask --app wsgi demo --size large` (after `db upgrade` and `content import`).
Prints median milliseconds over several runs for the project and the reference, and their ratio: what
the page's services compute and the whole page through the app, rendered afresh. Below them, the same timing of an
empty signed-in page (bench/floor.py): the floor under any page rendered afresh.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from app import (
    create_app,  # noqa: E402
    rollups,  # noqa: E402
)
from app.extensions import db  # noqa: E402
from app.people.models import Department, User  # noqa: E402
from app.reports import services  # noqa: E402
from bench import floor  # noqa: E402
from bench.pages import project_app, signed_in  # noqa: E402

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

# The same questions as the whole pages, asked of the base tables: every figure a team's page and an
# employee's page show, each as the plain SQL a person would write for it (no roll-up table is read).
TEAM = """
WITH RECURSIVE sub(root, id) AS (
  SELECT id, id FROM departments WHERE id = :d OR parent_id = :d
  UNION ALL SELECT sub.root, d.id FROM departments d JOIN sub ON d.parent_id = sub.id)
"""
PASSED = "SUM(CASE WHEN {} THEN 1 ELSE 0 END)"
COURSES = """
people(user_id, dept) AS (
  SELECT u.id, u.department_id FROM users u WHERE u.active = TRUE AND {people}
), up(user_id, dept) AS (
  SELECT user_id, dept FROM people
  UNION ALL SELECT up.user_id, d.parent_id FROM up JOIN departments d ON d.id = up.dept WHERE d.parent_id IS NOT NULL
), pairs(assignment_id, user_id) AS (
  SELECT a.id, a.user_id FROM assignments a JOIN people p ON p.user_id = a.user_id WHERE a.cancelled_at IS NULL
  UNION ALL SELECT a.id, up.user_id FROM assignments a JOIN up ON up.dept = a.department_id WHERE a.cancelled_at IS NULL
), per_person AS (
  SELECT pairs.user_id AS user_id, a.course_item_id AS course_item_id, MIN(a.due_on) AS due,
         MAX(a.cycle_started_at) AS round_start
  FROM pairs JOIN assignments a ON a.id = pairs.assignment_id GROUP BY pairs.user_id, a.course_item_id
), status AS (
  SELECT p.user_id, p.course_item_id, p.due,
         CASE WHEN c.id IS NOT NULL AND (p.round_start IS NULL
                   OR COALESCE(c.last_completed_at, c.completed_at) >= p.round_start) THEN 1 ELSE 0 END AS done
  FROM per_person p LEFT JOIN course_completions c ON c.user_id = p.user_id AND c.course_item_id = p.course_item_id
)
"""


def team_page_sql(month: str) -> list[str]:
    """Every figure of a department's page: its row and its children's (headcount, courses, quizzes,
    cards), the company's card average, item failure rates, the monthly trend (the training effect is
    added by the caller, from the cards and completions)."""
    in_team = "(SELECT id FROM sub WHERE root = :d)"
    return [
        TEAM + "SELECT sub.root, COUNT(u.id) FROM sub CROSS JOIN users u"
        " WHERE u.department_id = sub.id AND u.active = TRUE GROUP BY sub.root",
        TEAM
        + ", "
        + COURSES.format(people="u.department_id IN (SELECT id FROM sub)")
        + "SELECT sub.root, COUNT(*), SUM(s.done), SUM(CASE WHEN s.done = 0 AND s.due < :today THEN 1 ELSE 0 END)"
        " FROM status s JOIN people p ON p.user_id = s.user_id JOIN sub ON sub.id = p.dept GROUP BY sub.root",
        TEAM
        + "SELECT sub.root, COUNT(*), AVG(a.percent), "
        + PASSED.format("a.passed")
        + " FROM sub JOIN quiz_attempts a ON a.department_id = sub.id WHERE a.status = 'finished' GROUP BY sub.root",
        TEAM
        + "SELECT sub.root, COUNT(*), AVG(s.total_percent), "
        + PASSED.format("s.passed")
        + ", "
        + PASSED.format("s.critical_failed")
        + ", "
        + PASSED.format("s.late")
        + " FROM sub CROSS JOIN scorecards s WHERE s.department_id = sub.id AND s.status = 'approved' GROUP BY sub.root",
        "SELECT COUNT(*), AVG(total_percent) FROM scorecards WHERE status = 'approved'",
        TEAM + "SELECT a.item_id, COALESCE(a.skill, ''), " + PASSED.format("a.answer = 'no'") + ", COUNT(*)"
        " FROM scorecards s JOIN scorecard_answers a ON a.card_id = s.id"
        f" WHERE s.status = 'approved' AND a.answer IN ('yes', 'no') AND s.department_id IN {in_team}"
        " GROUP BY a.item_id, COALESCE(a.skill, '')"
        " ORDER BY " + PASSED.format("a.answer = 'no'") + " * 1.0 / COUNT(*) DESC, a.item_id LIMIT 20",
        TEAM + f"SELECT {month.format('visited_at')}, AVG(total_percent), COUNT(*) FROM scorecards"
        f" WHERE status = 'approved' AND department_id IN {in_team} GROUP BY {month.format('visited_at')}",
        TEAM + f"SELECT {month.format('finished_at')}, AVG(percent), COUNT(*) FROM quiz_attempts"
        f" WHERE status = 'finished' AND department_id IN {in_team} GROUP BY {month.format('finished_at')}",
    ]


EMPLOYEE_PAGE = [
    REFERENCE_EMPLOYEE,
    "SELECT * FROM scorecards WHERE employee_id = :u AND status = 'approved' ORDER BY visited_at",
    "SELECT i.id, i.slug, v.title FROM content_items i JOIN content_versions v ON v.id = i.published_version_id"
    " WHERE i.kind = 'quiz'",
    "SELECT quiz_item_id, COUNT(*), MAX(percent) FROM quiz_attempts WHERE user_id = :u AND status = 'finished'"
    " GROUP BY quiz_item_id",
    "SELECT quiz_item_id, percent FROM quiz_attempts WHERE user_id = :u AND status = 'finished' ORDER BY finished_at",
    "WITH RECURSIVE "
    + COURSES.format(people="u.id = :u")
    + "SELECT s.course_item_id, v.title, s.due, s.done FROM status s JOIN content_items i ON i.id = s.course_item_id"
    " JOIN content_versions v ON v.id = i.published_version_id WHERE s.user_id = :u ORDER BY s.due",
    "SELECT COUNT(*) FROM disputes WHERE employee_id = :u AND status = 'open'",
]


def median_ms(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def page_timings(paths: list[str]) -> dict[str, float]:
    """Each report page as HR opens it, through the whole app in this process: the WSGI application is
    called as a server calls it, with the signed-in browser's headers, and the body read to the end.
    Returns the median milliseconds per path, every request rendered afresh."""
    app = project_app()  # as shipped: CSRF protection and sign-in throttling on
    client = signed_in(app, "hr@example.com")
    out: dict[str, float] = {}
    for path in paths:
        client.get(path)  # warm: compiled templates, content caches, the session's CSRF token
        cookie = client.get_cookie("session")
        headers = {"Cookie": f"session={cookie.value}"}
        environ = EnvironBuilder(path=path, headers=headers, environ_base=client.environ_base).get_environ()

        def fetch(environ=environ):
            answer: list[str] = []
            body = b"".join(app(dict(environ), lambda status, sent, *_: answer.extend([status, sent])))
            assert answer[0].startswith("200") and body, (environ["PATH_INFO"], answer[0])

        out[path] = median_ms(fetch)
    return out


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

        month = "to_char({}, 'YYYY-MM')" if engine == "postgresql" else "strftime('%Y-%m', {})"
        team_sql = [text(sql) for sql in team_page_sql(month)]
        employee_sql = [text(sql) for sql in EMPLOYEE_PAGE]
        today = date.today()

        def team_page():  # every figure of the team's page from the base tables
            for sql in team_sql:
                db.session.execute(sql, {"d": team.id, "today": today}).all()
            ids = [i for (i,) in db.session.execute(text(TEAM + "SELECT id FROM sub WHERE root = :d"), {"d": team.id})]
            effect = rollups.effect_select(rollups.course_skill_pairs(db.session.execute), departments=ids).subquery()
            db.session.execute(
                select(
                    effect.c.skill,
                    *(func.sum(effect.c[c]) for c in rollups.EFFECT_FIGURES),
                    func.count(effect.c.employee_id),
                ).group_by(effect.c.skill)
            ).all()

        def employee_page():
            for sql in employee_sql:
                db.session.execute(sql, {"u": user.id, "today": today}).all()

        def company_reference():
            db.session.execute(text(REFERENCE_COMPANY)).all()
            db.session.execute(text(REFERENCE_QUIZ)).all()

        rows = [
            ("whole-company department report", company, company_reference, company_reference),
            ("one department (roll-up, items, trend, effect)", department,
             lambda: db.session.execute(text(REFERENCE_DEPT), {"d": team.id}).all(), team_page),
            ("one employee", employee,
             lambda: db.session.execute(text(REFERENCE_EMPLOYEE), {"u": user.id}).all(), employee_page),
        ]  # fmt: skip
        paths = ["/reports/", f"/reports/departments/{team.id}", f"/reports/employees/{user.id}"]
        figures = [
            (label, median_ms(project), median_ms(headline), median_ms(whole))
            for label, project, headline, whole in rows
        ]
    pages = page_timings(paths)
    empty_ms = page_timings([floor.PATH])[floor.PATH]
    print(f"engine: {engine}, median of {RUNS} runs, milliseconds")
    print(
        f"{'report':48s} {'services':>9s} {'page':>7s} {'ref: one figure':>16s}"
        f" {'ref: whole page':>16s} {'page/whole':>11s}"
    )
    for (label, services_ms, headline_ms, whole_ms), path in zip(figures, paths, strict=True):
        rendered = pages[path]
        print(
            f"{label:48s} {services_ms:9.1f} {rendered:7.1f} {headline_ms:16.2f} {whole_ms:16.2f}"
            f" {rendered / whole_ms:11.2f}"
        )
    print(
        f"{'an empty signed-in page (bench/floor.py)':48s} {'':>9s} {empty_ms:7.1f}"
        "   (the floor: what any page rendered afresh costs before it shows anything)"
    )
    print(
        "services: what the page computes; page: the whole request, rendered afresh.\n"
        "ref: one figure: the plain SQL for the page's headline figure (subtree card count and average; the "
        "company's per-department card and quiz figures); ref: whole page: plain SQL over the base tables for "
        "every figure the page shows (for the company, the same as one figure: a subset of its page)."
    )


if __name__ == "__main__":
    main()
