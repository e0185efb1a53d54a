"""Test fixtures: one migrated database per run, one app per configuration, one rolled-back transaction per test.

Runs on SQLite by default; set DATABASE_URL (postgresql+psycopg://...) to run on PostgreSQL.

Each test runs inside one outer transaction on one connection, rolled back at its end. Every session
joins it with a SAVEPOINT: the test's own, each request's (``FreshContextClient`` opens a fresh app
context per request) and each CLI command's; so ``commit()`` in a view releases a savepoint, and
what one session committed the next one reads, as on a real database.

A test whose data must be seen by other connections (a real server answering from threads,
parallel requests, subprocesses, a second connection of its own) is marked
``@pytest.mark.committed``: it commits for real, and the tables are emptied before and after it.
A transactional test that touches the database from another thread fails with a message saying so.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import sys
import threading
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from app import create_app
from app.auth import services as auth_services
from app.config import TestingConfig
from app.extensions import db, limiter
from app.people import models as people_models
from demo.cli import register as register_demo
from demo.company import DEMO_PASSWORD

SAMPLES = Path(__file__).parent / "samples"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


BROWSER_TESTS = Path(__file__).parent / "browser"


def _selects_browser_tests(config) -> bool:
    """Whether the paths this run collects include tests/browser (and no --ignore leaves it out)."""
    here = config.invocation_params.dir
    ignored = [(here / p).resolve() for p in config.getoption("ignore") or []]
    if any(BROWSER_TESTS.is_relative_to(p) for p in ignored):
        return False
    for arg in config.args:
        path = (here / arg.split("::")[0]).resolve()
        if BROWSER_TESTS.is_relative_to(path) or path.is_relative_to(BROWSER_TESTS):
            return True
    return False


def pytest_configure(config):
    """A missing browser is told here, once, in the process that reports: under pytest-xdist a worker's
    warning or error would not be shown. Under CI (``CI`` set) it fails the run instead of skipping."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not _selects_browser_tests(config):
        return
    from tests.browser.conftest import missing_browser_message

    message = missing_browser_message()
    if message is None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(message)
    sys.stderr.write(f"\n{'!' * 78}\n{message}\n{'!' * 78}\n")


class _TestTransaction:
    """The connection the running test's sessions share (None for a ``committed`` test)."""

    connection = None
    engine = None
    thread: int | None = None


TX = _TestTransaction()


def _settle_test_session() -> None:
    """Before a request or command: end the test's own read-only transaction.

    The test's session holds a SAVEPOINT from its first read on; a request would nest inside it, and a
    later ``db.session.rollback()`` in the test would then undo what the request committed. On a
    database of its own connections, the test's rollback never touches a request's commit; so a
    transaction of the test's session that wrote nothing is ended first (nothing is lost).
    """
    if TX.connection is None or not has_app_context():
        return
    session = db.session()
    if session.in_transaction() and not session.info.get("test_wrote"):
        if not (session.new or session.dirty or session.deleted):
            session.rollback()


class FreshContextClient(FlaskClient):
    """Runs every request in its own app context, as a real server does.

    Without this, a request would reuse the test's app context and share ``g``
    (the cached CSRF token, the signed-in user) with earlier requests.
    """

    def open(self, *args, **kwargs):
        _settle_test_session()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's own session sees what the request wrote
        return response


class SettlingCliRunner(FlaskCliRunner):
    def invoke(self, *args, **kwargs):
        _settle_test_session()
        return super().invoke(*args, **kwargs)


def _joining_session_class(base: type) -> type:
    """``db.session``'s class, bound to the test's connection while a transactional test runs."""

    class TestSession(base):
        def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
            if TX.connection is not None and bind is None and self._db.engines.get(None) is TX.engine:
                if threading.get_ident() != TX.thread:
                    raise RuntimeError(
                        "Another thread used the database inside a test's rolled-back transaction: "
                        "mark the test @pytest.mark.committed (see tests/conftest.py)."
                    )
                return TX.connection
            return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    @event.listens_for(TestSession, "after_flush")
    def _wrote(session, _flush_context):
        session.info["test_wrote"] = True

    @event.listens_for(TestSession, "do_orm_execute")
    def _executed(state):
        if not state.is_select:
            state.session.info["test_wrote"] = True

    @event.listens_for(TestSession, "after_transaction_end")
    def _ended(session, transaction):
        if transaction.parent is None:
            session.info.pop("test_wrote", None)

    return TestSession


db.session.session_factory.class_ = _joining_session_class(db.session.session_factory.class_)
# Bound to a connection already in a transaction, a session's commit releases its own SAVEPOINT.
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


# A password hash (scrypt) costs a noticeable fraction of a second: a test suite signing in a thousand
# times checks each (hash, password) pair once; the answer is the same every time.
_check_password_once = functools.lru_cache(maxsize=4096)(check_password_hash)
people_models.check_password_hash = _check_password_once
auth_services.check_password_hash = _check_password_once


@functools.lru_cache(maxsize=64)
def _hash_once(password: str) -> str:
    """make_user's hash of a password: made once, as the app makes it (people made by hand share its salt)."""
    return generate_password_hash(password, method="scrypt")


def _hash_demo_password_once(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    """`flask demo` gives its fifty people one password: its hash is made once per run, not fifty times per demo."""
    if password == DEMO_PASSWORD and method == "scrypt":
        return _hash_once(password)
    return generate_password_hash(password, method=method, salt_length=salt_length)


people_models.generate_password_hash = _hash_demo_password_once


def worker_database_url(url: str, suffix: str = "", fresh: bool = False) -> str:
    """The database this pytest process uses: ``url``'s, or under pytest-xdist one per worker
    (PostgreSQL ``test`` -> ``test_gw0``, SQLite ``test.db`` -> ``test_gw0.db``), with ``suffix``
    appended. A PostgreSQL database is made on the same server when missing (``fresh``: made anew)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    tag = (f"_{worker}" if worker else "") + suffix
    target = make_url(url)
    if not tag or not target.database:
        return url
    if not url.startswith("postgresql"):
        path = Path(target.database)
        return target.set(database=str(path.with_stem(path.stem + tag))).render_as_string(hide_password=False)
    name = target.database + tag
    # CREATE DATABASE runs outside a transaction, on a database that exists: the server's own, else the URL's.
    for maintenance in ("postgres", target.database):
        engine = create_engine(target.set(database=maintenance), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                if fresh:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            break
        except OperationalError:
            if maintenance == target.database:
                raise
        finally:
            engine.dispose()
    return target.set(database=name).render_as_string(hide_password=False)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return worker_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"  # under xdist, each worker's temp dir


def _reset_schema(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    from tests import helpers

    helpers.RUN_FOLDER[:] = [tmp_path_factory.getbasetemp().parent]  # where workers share the demo's rows
    url = _database_url(tmp_path_factory)
    _reset_schema(url)
    app = create_app({**_config(url)})
    with app.app_context():
        upgrade()  # migrations are the only way tables are made, in tests too
        _empty_tables(db.engine)  # every test starts from empty tables
        db.engine.dispose()
    return url


def _config(url: str, **extra) -> dict:
    cfg = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    cfg.update(SQLALCHEMY_DATABASE_URI=url, **extra)
    return cfg


def _empty_tables(engine) -> None:
    """Delete every row for real: before and after a ``committed`` test."""
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # content_items and content_versions point at each other; check keys only at commit.
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                conn.execute(table.delete())


def _build_app(url: str, engine=None, **extra):
    """An app on the test database; its sessions use ``engine`` (the shared one) when given."""
    app = create_app(_config(url, **extra))
    app.test_client_class = FreshContextClient
    app.test_cli_runner_class = SettlingCliRunner
    register_demo(app)  # as wsgi.py does: `flask demo` fills a test database
    if engine is not None:
        with app.app_context():
            own = db.engines[None]
            if own.url == engine.url:
                db._app_engines[app][None] = engine  # one pool; query listeners on db.engine see all
                own.dispose()
    return app


class _SharedApp:
    """The app built once per run; its config is put back as it was before each test."""

    def __init__(self, url: str):
        self.app = _build_app(url)
        with self.app.app_context():
            self.engine = db.engine
        self.config = dict(self.app.config)

    def fresh(self):
        self.app.config.clear()
        self.app.config.update({k: copy.copy(v) for k, v in self.config.items()})
        limiter.enabled = self.app.config["RATELIMIT_ENABLED"]  # an app built with limits switched them on
        return self.app


@pytest.fixture(scope="session")
def _shared_app(database_url):
    shared = _SharedApp(database_url)
    yield shared
    shared.engine.dispose()


# PostgreSQL's sequences are not rolled back with a transaction: each test's ids start at 1 again, as
# after TRUNCATE ... RESTART IDENTITY (tests may name the first row's id).
RESTART_SEQUENCES = """
SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass, 1, false)
FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL
"""


def _begin_test_transaction(engine):
    connection = engine.connect()
    driver = connection.connection.driver_connection
    sqlite = engine.dialect.name == "sqlite"
    if engine.dialect.name == "postgresql":
        with connection.begin():
            connection.exec_driver_sql(RESTART_SEQUENCES)
    level = driver.isolation_level if sqlite else None
    if sqlite:
        driver.isolation_level = None  # else the driver's own transactions end at a SAVEPOINT's release
    transaction = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")

    def end():
        transaction.rollback()
        if sqlite:
            driver.isolation_level = level
        connection.close()

    return connection, end


@pytest.fixture
def make_app(request, database_url, tmp_path, _shared_app):
    """make_app(**extra): the app on the test database; with extra config, an app built for the test.

    The app without extra config is built once per run (its config restored for each test); extra
    settings may be read only when an app is built (limits, proxies), so those get an app of their own.
    """
    committed = request.node.get_closest_marker("committed") is not None
    engine = _shared_app.engine
    if committed:
        _empty_tables(engine)
    else:
        connection, end = _begin_test_transaction(engine)
        TX.connection, TX.engine, TX.thread = connection, engine, threading.get_ident()

    def factory(**extra):
        if extra:
            app = _build_app(database_url, engine, **extra)
        else:
            app = _shared_app.fresh()
        app.instance_path = str(tmp_path)
        return app

    try:
        yield factory
    finally:
        _shared_app.fresh()
        if committed:
            _empty_tables(engine)
        else:
            TX.connection = TX.engine = TX.thread = None
            end()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = "secret-password-1"):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def logout(self):
        page = self.client.get("/dashboard", follow_redirects=True)
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def learner(runner, client, auth, make_user):
    """The sample content imported and an employee (e@example.com) signed in on ``client``."""
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    user = make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    return user


@pytest.fixture
def make_user(app):
    """make_user(role="hr", department=..., email=...) -> a committed User with password secret-password-1."""
    from app.people import services
    from app.people.passwords import check_new_password

    counter = {"n": 0}

    def factory(*roles, department=None, email=None, name=None, password="secret-password-1", active=True):
        counter["n"] += 1
        n = counter["n"]
        if password:
            check_new_password(password, field="password")
        user = services.create_user(
            None,
            email or f"user{n}@example.com",
            name or f"Тест Пользователь{n}",
            department,
            roles or ["employee"],
        )
        if password:
            user.password_hash = _hash_once(password)
        user.active = active
        db.session.commit()
        return user

    return factory


def post_form(client, url: str, data: dict, page_url: str | None = None, **kwargs):
    """POST a form with the CSRF token taken from ``page_url`` (default: the same URL)."""
    page = client.get(page_url or url)
    data = {**data, "csrf_token": csrf_from(page.get_data(as_text=True))}
    return client.post(url, data=data, **kwargs)


SKIP_LINKS = re.compile(r"format=|/export|/download|\.zip|\.csv|/evidence/|/static/|/api/|/logout")


def crawl(client, start: list[str], limit: int):
    """(path, HTML) of each page shape (ids as N) reachable by links from ``start``, up to ``limit`` shapes.

    Downloads, exports, evidence files, the API and signing out are not followed.
    """
    from urllib.parse import urlsplit

    queue, seen = list(start), set()
    while queue and len(seen) < limit:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path.split("?")[0])
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(path, follow_redirects=True)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        body = response.get_data(as_text=True)
        yield path, body
        for href in re.findall(r'href="(/[^"#]*)"', body):
            if not SKIP_LINKS.search(href):
                url = urlsplit(href)
                queue.append(url.path + (f"?{url.query}" if url.query else ""))


# ---------------------------------------------------------------- the accessibility tour's summary
# The tour (tests/browser/test_accessibility.py) records each page it checked as a user property of its
# test; the report carries it to this process, also from a pytest-xdist worker, and the counts are
# printed at the end of the run. Here, not in tests/browser/conftest.py: under xdist only this
# conftest is loaded where the summary is written.
A11Y_PROPERTY = "a11y"
A11Y_RESULTS: list[tuple] = []  # (role, size, path, axe counts by impact, page width on a phone)


def pytest_runtest_logreport(report):
    if report.when == "call":
        A11Y_RESULTS.extend(value for name, value in report.user_properties if name == A11Y_PROPERTY)


def pytest_terminal_summary(terminalreporter):
    """Print the axe-core counts per page of the accessibility crawl."""
    if not A11Y_RESULTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("accessibility: axe-core violations per page (critical/serious/moderate/minor)")
    for role, size, path, counts, width in A11Y_RESULTS:
        c = counts
        fit = f"  {width}px" if width is not None else ""
        write(f"{role:9s} {size:8s} {c['critical']}/{c['serious']}/{c['moderate']}/{c['minor']}  {path}{fit}")
