"""Page throughput under gunicorn (2 sync workers) measured with wrk, against a minimal reference app.

    .venv/bin/python bench/throughput.py DATABASE_URL [--seconds 10] [--connections 4]

DATABASE_URL holds a demo company. The project and the reference (bench/reference/app.py: one
template, one indexed query) run side by side under the same gunicorn settings; wrk
(`apt-get install -y wrk`) loads each page in turn, signed in as the demo account that sees it.
Prints requests per second for each page and the reference, and their ratio (target: at least 0.8).
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
from bench.memory import page_ids  # noqa: E402

PAGES = [
    ("case page", "employee", "/learn/cases/{case}"),
    ("learner dashboard", "employee", "/dashboard/employee"),
    ("quiz page", "employee", "/learn/quizzes/{quiz}"),
    ("HR department report", "hr", "/reports/departments/{parent}"),
]


AGENT = "rapport-bench"  # sign-in sessions are bound to the browser's user agent: wrk must send the same one
STATUS_SCRIPT = Path(__file__).with_name("status.lua")


def wrk(url: str, seconds: int, connections: int, cookie: str | None = None) -> tuple[float, int]:
    """Requests per second, and how many answers were not 200 (a redirect to sign-in counts as a failure)."""
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
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rate, int(re.search(r"NON200 (\d+)", out).group(1))


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
    ):
        reference_rate, _bad = wrk(f"{reference}/", args.seconds, args.connections)
        sessions = {}
        for label, role, template in PAGES:
            if role not in sessions:
                sessions[role] = requests.Session()
                sessions[role].headers["User-Agent"] = AGENT
                _server.login(sessions[role], base, f"{role}@example.com")
            url = base + template.format(**ids)
            # Opened once the way a browser does, keeping the cookie it answers with (a form's CSRF token).
            check = sessions[role].get(url, allow_redirects=False)
            if check.status_code != 200:
                sys.exit(f"{url} answered {check.status_code} to {role}; fix the set-up before measuring")
            cookie = "; ".join(f"{c.name}={c.value}" for c in sessions[role].cookies)
            rate, bad = wrk(url, args.seconds, args.connections, cookie)
            rows.append((label, template.format(**ids), rate, bad))
    print(f"database: {args.database_url}; gunicorn 2 sync workers; wrk -t2 -c{args.connections} -d{args.seconds}s")
    print(f"{'page':24s} {'req/s':>8s} {'reference':>10s} {'ratio':>6s} {'non-200':>8s}")
    for label, _path, rate, bad in rows:
        ratio = rate / reference_rate
        print(
            f"{label:24s} {rate:8.1f} {reference_rate:10.1f} {ratio:6.2f} {bad:8d}  {'met' if ratio >= 0.8 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
