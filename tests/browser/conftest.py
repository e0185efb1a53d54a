"""Browser journeys: Python Playwright driving Debian's Chromium against the real app.

The app runs as its own process (``flask run``) on 127.0.0.1 with a fresh database built the
way a newcomer builds it: migrations, ``content import``, ``demo``. It is a SQLite file of its
own, or, when the suite runs on PostgreSQL, a database of its own on the same server
(``<name>_browser``, recreated each run), so the per-test cleanup of the main suite never
touches it. Under pytest-xdist each worker that runs a journey has its own server, port and
database (``<name>_gw0_browser``).

When Chromium is missing the journeys are skipped with a loud warning; under CI
(``CI`` set) they fail instead, and ``.ci/run`` installs Chromium first.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import worker_database_url

SERVER_START_SECONDS = 180
TIMEOUT_MS = 15_000  # actions and assertions alike: a loaded 2-core machine can take seconds to answer


@pytest.fixture(scope="session", autouse=True)
def _assertion_timeout():
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
DEMO_PASSWORD = "rapport-demo"
PHONE = {"width": 390, "height": 844}


def _missing_browser() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -r requirements.txt)"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    return None


def missing_browser_message() -> str | None:
    reason = _missing_browser()
    return None if reason is None else f"BROWSER JOURNEYS NOT RUN: {reason}"


def pytest_collection_modifyitems(config, items):
    """Without a browser the journeys are skipped; tests/conftest.py has already said so loudly, or,
    under CI, stopped the run (before any pytest-xdist worker started)."""
    message = missing_browser_message()
    if message is None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(message)
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.skip(reason=message))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env: dict, *args: str, timeout: int = 600) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _live_env(base: Path, database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "EVIDENCE_DIR": str(base / "evidence"),
        "SECRET_KEY": "browser-journeys",
        "APP_ENV": "development",
        "CONTENT_DIR": os.environ.get("BROWSER_CONTENT_DIR", str(ROOT / "content")),
        "LOGIN_LIMIT_PER_ACCOUNT": "100/minute",
        "LOGIN_LIMIT_PER_ADDRESS": "300/minute",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # the demo's fifty people and every sign-in, cheaper
    }


def _build_demo_site(base: Path, database_url: str) -> None:
    """A database built the way a newcomer builds it: migrations, ``content import``, ``demo``."""
    env = _live_env(base, database_url)
    _flask(env, "db", "upgrade")
    _flask(env, "content", "import", env["CONTENT_DIR"])
    _flask(env, "demo")


def _live_database(tmp_path_factory, base: Path) -> str:
    """The live server's fresh database with the demo, on the engine the suite runs on.

    Under pytest-xdist the demo site is built once per run, by the first worker to need it (the
    others wait on a lock), and each worker gets a copy: of the SQLite file and the evidence folder,
    or ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. A single process builds it in place."""
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith("postgresql")
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        own = worker_database_url(url, "_browser", fresh=True) if postgres else f"sqlite:///{base / 'rapport.db'}"
        _build_demo_site(base, own)
        return own
    shared = tmp_path_factory.getbasetemp().parent / "live-demo"  # the run's folder, above each worker's
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if postgres:
            template = make_url(url)
            template = template.set(database=f"{template.database}_browser").render_as_string(hide_password=False)
        else:
            template = f"sqlite:///{shared / 'rapport.db'}"
        if not (shared / "built").exists():
            if postgres:
                _recreate_database(template)
            _build_demo_site(shared, template)
            (shared / "built").touch()
        if (shared / "evidence").exists():
            shutil.copytree(shared / "evidence", base / "evidence")
        if not postgres:
            shutil.copyfile(shared / "rapport.db", base / "rapport.db")
            return f"sqlite:///{base / 'rapport.db'}"
        own = worker_database_url(url, "_browser")
        _recreate_database(own, template=make_url(template).database)
        return own


def _recreate_database(url: str, template: str | None = None) -> None:
    """Drop and create ``url``'s PostgreSQL database (as a copy of ``template``), through the server's
    ``postgres`` database."""
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"' + (f' TEMPLATE "{template}"' if template else "")))
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real app with demo data on a free port; yields its base URL."""
    base = tmp_path_factory.mktemp("live")
    env = _live_env(base, _live_database(tmp_path_factory, base))
    port = _free_port()
    log = open(base / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    # Until it answers: on a loaded machine (two xdist workers, each with a server) starting can take far
    # longer than the ten seconds this once allowed, and the first tests then met a refused connection.
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=5)
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((base / "server.log").read_text()) from None
            if time.monotonic() > deadline:
                process.terminate()
                raise RuntimeError(f"the live server did not answer in {SERVER_START_SECONDS} s") from None
            time.sleep(0.1)
    yield {"url": url, "env": env, "dir": base}
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for page in getattr(item, "_pages", []):
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / f"{item.name}-{id(page)}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                report.sections.append(("screenshot", str(path)))
            except Exception:  # noqa: BLE001 - a screenshot must never hide the real failure
                pass


@pytest.fixture
def new_page(browser, live_server, request):
    """new_page(phone=False, locale="en") -> a page in its own browser context."""
    contexts = []
    request.node._pages = []

    def factory(phone: bool = False, locale: str = "en"):
        context = browser.new_context(
            base_url=live_server["url"],
            locale=locale,
            viewport=PHONE if phone else {"width": 1280, "height": 900},
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        request.node._pages.append(page)
        return page

    yield factory
    for context in contexts:
        context.close()


def login(page, email: str, password: str = DEMO_PASSWORD, language: str | None = None) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)  # by id: the form's labels are in the page's language
    page.locator("#password").fill(password)
    page.locator("#submit").click()
    page.wait_for_url(lambda url: "/login" not in url)
    if language:
        use_language(page, language)


def use_language(page, language: str) -> None:
    """Read in ``language``: a person's stored language (the demo employee's is Russian) wins over the
    browser's, so they switch with the header's picker, as anyone would (and it is stored)."""
    if page.locator("html").get_attribute("lang") == language:
        return
    menu = page.locator(".menu-button")  # on a phone the picker is behind the header's Menu button
    if menu.count() and menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    person = page.locator("details.user-menu")  # signed in, it is in the person's menu
    if person.count() and person.get_attribute("open") is None:
        person.locator("summary").click()
    with page.expect_navigation():
        page.locator("select#lang").select_option(language)
