"""Every page of the speed targets against a one-query reference, in one process (issue 20).

    DATABASE_URL=... .venv/bin/python bench/pages.py [--runs N] [--cpu] [--only TEXT]
    DATABASE_URL=... .venv/bin/python bench/pages.py --profile PATH [--as EMAIL]

The database must hold the demo company (`flask --app wsgi db upgrade && flask --app wsgi content
import && flask --app wsgi demo`, or `demo --size large`). The reference is defined here: a minimal
Flask app that renders one small Jinja template from one indexed query (a user row by primary key) on
the same database. It and every page are timed the same way: the WSGI callable is called as a server
calls it, with the signed-in browser's cookie, the body read to the end, the median of N runs after a
warm-up, every page rendered afresh. Prints per page the median, its ratio to the reference, the
target (2x the reference for the empty signed-in page, 4x for learner pages, 8x for HR pages) and the
SQL statements the request issued. The 1-minute load average is printed next to each figure.

With `--cpu`, every figure (the reference's too) is the CPU time of this process (`time.process_time`,
the database's work included on SQLite, not the PostgreSQL server's) instead of the time on the wall
clock: on a machine shared with other work, the wall clock also counts the time the process waited
for a core, which moves with the others' load; CPU time moves much less.

With `--profile PATH`, prints instead the functions with the most cumulative time (cProfile) over N
requests of that one page (signed in as the employee, or as `--as EMAIL`): where its time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask, render_template  # noqa: E402
from jinja2 import DictLoader  # noqa: E402
from sqlalchemy import Engine, create_engine, event, select, text  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from bench import floor  # noqa: E402
from bench._server import PASSWORD, csrf  # noqa: E402

RUNS = 21
WARM = 3
EMPLOYEE = "employee@example.com"
HR = "hr@example.com"

REFERENCE_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ user.name }}</title></head>
<body><main><h1>{{ user.name }}</h1><p>{{ user.email }}</p></main></body>
</html>
"""

# (label, who, path template, target as a multiple of the reference)
PAGES = [
    ("empty signed-in page (floor)", EMPLOYEE, floor.PATH, 2),
    ("learner: dashboard", EMPLOYEE, "/dashboard/employee", 4),
    ("learner: catalogue", EMPLOYEE, "/learn", 4),
    ("learner: my learning", EMPLOYEE, "/learn/my", 4),
    ("learner: course", EMPLOYEE, "/learn/courses/{course}", 4),
    ("learner: case", EMPLOYEE, "/learn/cases/{case}", 4),
    ("learner: quiz", EMPLOYEE, "/learn/quizzes/{quiz}", 4),
    ("learner: attempt (open)", EMPLOYEE, "/learn/attempts/{open_attempt}", 4),
    ("learner: result", EMPLOYEE, "/learn/attempts/{attempt}/result", 4),
    ("learner: notifications", EMPLOYEE, "/notifications", 4),
    ("HR: company report", HR, "/reports/", 8),
    ("HR: region report", HR, "/reports/departments/{region}", 8),
    ("HR: department report", HR, "/reports/departments/{team}", 8),
    ("HR: employee report", HR, "/reports/employees/{employee}", 8),
    ("HR: review queue", HR, "/shop/review", 8),
]


def reference_app(url: str) -> tuple[Flask, Engine, int]:
    """The minimal Flask app: one small template, one user row by primary key, on the same database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        user_id = conn.execute(text("SELECT id FROM users WHERE email = :e"), {"e": EMPLOYEE}).scalar_one()
    app = Flask("reference")
    app.jinja_loader = DictLoader({"page.html": REFERENCE_PAGE})

    @app.get("/")
    def page():
        with engine.connect() as conn:
            user = conn.execute(text("SELECT id, name, email FROM users WHERE id = :id"), {"id": user_id}).one()
        return render_template("page.html", user=user)

    return app, engine, user_id


def load() -> float:
    return os.getloadavg()[0]


def fetcher(app: Callable, path: str, cookie: str | None, environ_base: dict | None = None) -> Callable[[], None]:
    """One request of ``path`` through the WSGI callable, the body read to the end; it must answer 200."""
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    environ = EnvironBuilder(path=path, headers=headers, environ_base=environ_base).get_environ()

    def fetch() -> None:
        answer: list[str] = []
        body = b"".join(app(dict(environ), lambda status, sent, *_: answer.extend([status, sent])))
        assert answer[0].startswith("200") and body, (path, answer[0])

    return fetch


CLOCK = time.perf_counter  # time.process_time with --cpu


def median_ms(fetch: Callable[[], None], runs: int) -> float:
    for _ in range(WARM):
        fetch()
    times = []
    for _ in range(runs):
        start = CLOCK()
        fetch()
        times.append((CLOCK() - start) * 1000)
    return statistics.median(times)


def statements(engine: Engine, fetch: Callable[[], None]) -> int:
    """How many SQL statements one request issues (a ``before_cursor_execute`` listener)."""
    seen: list[str] = []

    def count(_conn, _cursor, sql, *_args):
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fetch()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def targets() -> dict[str, str]:
    """Real ids from the demo company: the employee's course, case, quiz, a finished attempt (its result)
    and an open one (started here if there is none), a region, the employee's department, the employee."""
    from app.content.models import ContentItem
    from app.learning.models import QuizAttempt
    from app.people.models import Department, User

    employee = db.session.scalars(select(User).where(User.email == EMPLOYEE)).one()
    region = db.session.scalar(
        select(Department.id)
        .where(Department.parent_id.is_not(None), Department.id.in_(select(Department.parent_id)))
        .order_by(Department.id)
        .limit(1)
    )
    attempts = select(QuizAttempt.id).where(QuizAttempt.user_id == employee.id).order_by(QuizAttempt.id.desc())
    finished = db.session.scalar(attempts.where(QuizAttempt.status == "finished").limit(1))

    def slug(kind: str) -> str:
        return db.session.scalar(select(ContentItem.slug).where(ContentItem.kind == kind).order_by(ContentItem.slug))

    return {
        "course": slug("course"),
        "case": slug("case"),
        "quiz": slug("quiz"),
        "attempt": str(finished),
        "open_attempt": "",
        "region": str(region),
        "team": str(employee.department_id),
        "employee": str(employee.id),
    }


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on ``path``, as a browser would send it back."""
    return csrf(client.get(path).get_data(as_text=True))


def open_attempt(app: Flask, client, quiz: str) -> str:
    """The employee's open attempt at ``quiz``: the quiz page's start button, as a learner presses it."""
    token = csrf_token(client, f"/learn/quizzes/{quiz}")
    answer = client.post(f"/learn/quizzes/{quiz}/start", data={"csrf_token": token})
    location = answer.headers.get("Location", "")
    if answer.status_code != 302 or "/learn/attempts/" not in location:
        sys.exit(f"could not start an attempt at {quiz}: HTTP {answer.status_code} {location}")
    return location.rstrip("/").rsplit("/", 1)[-1]


def signed_in(app: Flask, email: str):
    client = app.test_client()
    form = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    if client.post("/login", data=form).status_code != 302:
        sys.exit(f"could not sign in as {email}")
    return client


def project_app() -> Flask:
    """The app as shipped (CSRF protection and sign-in throttling on), with the empty page."""
    return floor.with_empty_page(create_app())


def prepared(app: Flask, path: str, email: str, clients: dict) -> Callable[[], None]:
    client = clients.get(email) or clients.setdefault(email, signed_in(app, email))
    client.get(path)  # warm: compiled templates, content caches, the session's CSRF token
    return fetcher(app, path, client.get_cookie("session").value, client.environ_base)


def run(runs: int, only: str | None = None) -> None:
    url = os.environ["DATABASE_URL"]
    ref, ref_engine, _ = reference_app(url)
    ref_fetch = fetcher(ref, "/", None)
    app = project_app()
    with app.app_context():
        engine = db.engine
        ids = targets()
    clients: dict = {}
    clients[EMPLOYEE] = signed_in(app, EMPLOYEE)
    ids["open_attempt"] = open_attempt(app, clients[EMPLOYEE], ids["quiz"])

    clock = "CPU" if CLOCK is time.process_time else "wall-clock"
    print(f"engine: {engine.dialect.name}, median of {runs} runs after {WARM} warm-up, {clock} milliseconds")
    print(f"{'page':32s} {'path':34s} {'ms':>7s} {'ratio':>6s} {'target':>6s} {'':6s} {'SQL':>4s} {'load':>5s}")
    ref_ms = median_ms(ref_fetch, runs)
    ref_sql = statements(ref_engine, ref_fetch)
    print(f"{'reference (one query)':32s} {'/':34s} {ref_ms:7.2f} {1:6.2f} {'':6s} {'':6s} {ref_sql:4d} {load():5.2f}")
    met = 0
    pages = [page for page in PAGES if only is None or only.lower() in page[0].lower()]
    for label, email, template, target in pages:
        path = template.format(**ids)
        fetch = prepared(app, path, email, clients)
        ms = median_ms(fetch, runs)
        count = statements(engine, fetch)
        ratio = ms / ref_ms
        ok = ratio <= target
        met += ok
        verdict = "met" if ok else "MISSED"
        print(f"{label:32s} {path:34s} {ms:7.2f} {ratio:6.2f} {f'{target}x':>6s} {verdict:6s} {count:4d} {load():5.2f}")
    print(f"{met} of {len(pages)} pages within their target")


def profile(path: str, email: str, runs: int) -> None:
    app = project_app()
    clients: dict = {}
    fetch = prepared(app, path, email, clients)
    for _ in range(WARM):
        fetch()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        fetch()
    profiler.disable()
    print(f"{path} as {email}, {runs} requests, load {load():.2f}")
    pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--profile", metavar="PATH", help="profile one page instead of timing them all")
    parser.add_argument("--as", dest="email", default=EMPLOYEE, help="who opens the profiled page")
    parser.add_argument("--cpu", action="store_true", help="time CPU of this process, not the wall clock")
    parser.add_argument("--only", metavar="TEXT", help="time only the pages whose label contains TEXT")
    args = parser.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    if args.profile:
        profile(args.profile, args.email, args.runs)
    else:
        run(args.runs, args.only)


if __name__ == "__main__":
    main()
