"""Resident memory of one gunicorn worker after 10,000 mixed requests (target: under 150 MB).

    .venv/bin/python bench/memory.py DATABASE_URL [--requests 10000]

DATABASE_URL holds a demo company (small or large). One sync worker serves every request, so all
10,000 land on it: the pages of bench/queries.py for every role, signed in as the demo accounts,
round-robin from four client threads. Prints the worker's RSS after warming up and at the end.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _server  # noqa: E402
from bench.queries import PAGES, targets  # noqa: E402


def page_ids(database_url: str) -> dict[str, str]:
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        return targets()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--requests", type=int, default=10_000)
    args = parser.parse_args()
    ids = page_ids(args.database_url)
    urls = [(role, template.format(**ids)) for role, template in PAGES]
    with _server.serving("wsgi:app", _server.app_env(args.database_url), workers=1) as (process, base):
        (worker,) = _server.workers_of(process)
        sessions = {}
        for role, _path in urls:
            if role not in sessions:
                sessions[role] = requests.Session()
                _server.login(sessions[role], base, f"{role}@example.com")
        for role, path in urls:  # warm-up: every page once
            sessions[role].get(base + path)
        warm = _server.rss_mb(worker)
        errors, done, lock = [], [0], threading.Lock()

        def client(offset: int) -> None:
            own = {}
            for role in sessions:
                own[role] = requests.Session()
                own[role].cookies.update(sessions[role].cookies)
            n = offset
            while True:
                with lock:
                    if done[0] >= args.requests:
                        return
                    done[0] += 1
                role, path = urls[n % len(urls)]
                n += 1
                status = own[role].get(base + path, allow_redirects=False).status_code
                if status != 200:
                    errors.append((path, status))

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i * 7,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        final = _server.rss_mb(worker)
    print(f"database: {args.database_url}")
    print(f"{args.requests} requests over {len(urls)} pages in {elapsed:.1f} s, {len(errors)} answers other than 200")
    print(f"{'worker RSS after warm-up':32s} {warm:8.1f} MB")
    print(f"{'worker RSS after the run':32s} {final:8.1f} MB   target < 150 MB: {'met' if final < 150 else 'MISSED'}")
    if errors:
        print("errors:", errors[:10])


if __name__ == "__main__":
    main()
