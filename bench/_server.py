"""Shared by the benchmarks: run the app under gunicorn on 127.0.0.1, sign people in, read a worker's memory."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A benchmark stopped with SIGTERM still runs its clean-up, so no gunicorn is left behind.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
BIN = Path(sys.executable).parent
PASSWORD = "rapport-demo"


def empty_database(url: str) -> None:
    """Drop everything in a PostgreSQL database the benchmark was given (a SQLite file is made fresh anyway)."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, **extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_ENV": "development",
        "SECRET_KEY": "bench-secret",
        "LOGIN_LIMIT_PER_ACCOUNT": "100000/minute",
        "LOGIN_LIMIT_PER_ADDRESS": "100000/minute",
        **extra,
    }


def start(target: str, env: dict, workers: int = 2, port: int | None = None, log: Path | None = None):
    """Start gunicorn (sync workers) serving ``target`` (module:app); returns (process, base URL)."""
    port = port or free_port()
    out = open(log, "a") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            target,
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn for {target} exited with {process.returncode}") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn for {target} did not answer on {url}")


def stop(process, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def serving(target: str, env: dict, workers: int = 2, log: Path | None = None):
    process, url = start(target, env, workers, log=log)
    try:
        yield process, url
    finally:
        stop(process)


def login(session, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in with the real form (CSRF token included); ``session`` is a requests.Session."""
    page = session.get(f"{base}/login").text
    token = csrf(page)
    answer = session.post(
        f"{base}/login", data={"email": email, "password": password, "csrf_token": token}, allow_redirects=False
    )
    if answer.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}: HTTP {answer.status_code}")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def workers_of(process) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
