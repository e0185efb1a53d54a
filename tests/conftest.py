"""Test fixtures: one migrated database per run, emptied before every test.

Runs on SQLite by default; set DATABASE_URL (postgresql+psycopg://...) to run on PostgreSQL.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestingConfig
from app.extensions import db
from demo.cli import register as register_demo

SAMPLES = Path(__file__).parent / "samples"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class FreshContextClient(FlaskClient):
    """Runs every request in its own app context, as a real server does.

    Without this, a request would reuse the test's app context and share ``g``
    (the cached CSRF token, the signed-in user) with earlier requests.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's own session sees what the request wrote
        return response


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_schema(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    _reset_schema(url)
    app = create_app({**_config(url)})
    with app.app_context():
        upgrade()  # migrations are the only way tables are made, in tests too
        db.engine.dispose()
    return url


def _config(url: str, **extra) -> dict:
    cfg = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    cfg.update(SQLALCHEMY_DATABASE_URI=url, **extra)
    return cfg


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # content_items and content_versions point at each other; check keys only at commit.
        db.session.execute(text("PRAGMA defer_foreign_keys=ON"))
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the test database with extra config; tables are emptied first."""
    apps = []

    def factory(**extra):
        app = create_app(_config(database_url, **extra))
        app.instance_path = str(tmp_path)
        app.test_client_class = FreshContextClient
        register_demo(app)  # as wsgi.py does: `flask demo` fills a test database
        with app.app_context():
            _empty_tables()
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


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

    counter = {"n": 0}

    def factory(*roles, department=None, email=None, name=None, password="secret-password-1", active=True):
        counter["n"] += 1
        n = counter["n"]
        user = services.create_user(
            None,
            email or f"user{n}@example.com",
            name or f"Тест Пользователь{n}",
            department,
            roles or ["employee"],
            password=password,
        )
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
