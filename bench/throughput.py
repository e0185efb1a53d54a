"""Page throughput under gunicorn (2 sync workers) measured with wrk, against a minimal reference app.

    .venv/bin/python bench/throughput.py DATABASE_URL [--seconds 10] [--connections 4]

DATABASE_URL holds a demo company. The project and the reference (bench/reference/app.py: one
template, one indexed query) run side by side under the same gunicorn settings; wrk
(`apt-get install -y wrk`) loads each page in turn, signed in as the demo account that sees it.
Prints requests per second for each page, rendered on every request, and its ratio to the reference.

Two floors come first, both rendered on every request: the project's ``/healthz`` (Flask, the
project's request hooks and one query, no session, no template) and an empty signed-in page
(bench/floor.py: the session, the person and their roles, the access rule and the site's layout
around nothing). No page rendered afresh can beat the second, so it says how close one could come.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _server  # noqa: E402
from bench import floor as empty_page  # noqa: E402
from bench.memory import page_ids  # noqa: E402

PAGES = [
    ("case page", "employee", "/learn/cases/{case}"),
    ("learner dashboard", "employee", "/dashboard/employee"),
    ("quiz page", "employee", "/learn/quizzes/{quiz}"),
    ("HR department report", "hr", "/reports/departments/{parent}"),
]


AGENT = "rapport-bench"  # sign-in sessions are bound to the browser's user agent: wrk must send the same one
STATUS_SCRIPT = Path(__file__).with_name("status.lua")


def wrk(url: str, seconds: int, connections: int, cookie: str | None = None) -> dict:
    """Requests per second and answers other than 200 (a redirect to sign-in counts)."""
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "-s",
        str(STATUS_SCRIPT),
        "-H",
        f"User-Agent: {AGENT}",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "bad": int(re.search(r"NON200 (\d+)", out).group(1)),
    }


def signed_in(base: str, role: str) -> requests.Session:
    """A browser session of the demo account of ``role``, signed in on ``base``."""
    session = requests.Session()
    session.headers["User-Agent"] = AGENT
    _server.login(session, base, f"{role}@example.com")
    return session


def opened(session: requests.Session, base: str, path: str, role: str) -> str:
    """The Cookie header to measure ``path`` with: the page opened once the way a browser does, keeping
    the cookie it answers with (a form's CSRF token). Exits unless it answers 200."""
    check = session.get(base + path, allow_redirects=False)
    if check.status_code != 200:
        sys.exit(f"{path} answered {check.status_code} to {role}; fix the set-up before measuring")
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    ids = page_ids(args.database_url)
    env = _server.app_env(args.database_url)
    rows = []
    with (
        _server.serving("wsgi:app", env) as (_p, base),
        _server.serving("bench.reference.app:app", env) as (_r, reference),
        _server.serving("bench.floor:floor_app()", env) as (_f, floor),
    ):
        reference_rate = wrk(f"{reference}/", args.seconds, args.connections)["rate"]
        sessions = {}
        floors = [("the project's /healthz", wrk(f"{floor}/healthz", args.seconds, args.connections))]
        cookie = opened(signed_in(floor, "employee"), floor, empty_page.PATH, "employee")
        floors.append(
            ("an empty signed-in page", wrk(f"{floor}{empty_page.PATH}", args.seconds, args.connections, cookie))
        )
        for label, role, template in PAGES:
            if role not in sessions:
                sessions[role] = signed_in(base, role)
            path = template.format(**ids)
            cookie = opened(sessions[role], base, path, role)
            rows.append((label, wrk(base + path, args.seconds, args.connections, cookie)))
    print(f"database: {args.database_url}; gunicorn 2 sync workers; wrk -t2 -c{args.connections} -d{args.seconds}s")
    print(f"reference (one template from one indexed query): {reference_rate:.1f} req/s")
    print(f"{'page':24s} {'req/s':>9s} {'ratio':>6s} {'non-200':>8s}")
    for label, rendered in floors:
        print(
            f"{label:24s} {rendered['rate']:9.1f} {rendered['rate'] / reference_rate:6.2f} {rendered['bad']:8d}  floor"
        )
    for label, rendered in rows:
        print(f"{label:24s} {rendered['rate']:9.1f} {rendered['rate'] / reference_rate:6.2f} {rendered['bad']:8d}")
    print("every request runs the page (no page cache)")


if __name__ == "__main__":
    main()
