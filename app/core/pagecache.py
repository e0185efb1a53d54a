"""Whole pages kept for the person who asked, until anything in the database changes.

A view marked :func:`cached_page` renders as usual the first time; its HTML is then kept under a
key made of everything the answer can depend on in the request: the whole ``Cookie`` header (the
signed session, hence the person, their language choice and their CSRF token), the user agent and
address (sign-in sessions are bound to both), ``Accept-Language``, the host, the scheme, the path
and the query string. The next identical request is answered by :class:`PageCache` before Flask
runs, if the page is still current.

Current means: the database's *page generation* has not moved since the page was rendered, and the
entry has not expired. Every transaction that writes anything (any INSERT, UPDATE, DELETE or DDL,
through the ORM, Core or a raw statement, from a request or a CLI command) moves the generation by
one as it commits, in the same transaction (:func:`track_writes`); the app server, every worker and
every CLI command read the same row, so a write anywhere retires every kept page everywhere. A page
is read only after the generation is, so a page can never be kept under a generation newer than its
data. Entries also lapse after ``PAGE_CACHE_SECONDS``, at the next quarter hour (when the date turns
in any time zone, so "due" and "overdue" stay right), before the session cookie would expire, and
earlier when the view says so (:func:`expires_at`, e.g. a quiz's deadline).

Only a 200 HTML answer to a GET is kept, and only when the request wrote nothing, changed nothing in
the session (a flashed message read, a CSRF token minted) and set no cookie. Each worker keeps its own
entries, least recently used first out, within ``PAGE_CACHE_MAX_BYTES``.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g, has_app_context, request, session
from itsdangerous.encoding import base64_decode, bytes_to_int
from sqlalchemy import BigInteger, Integer, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

ENVIRON_KEY = "rapport.page_cache.key"
PLAN_KEY = "rapport.page_cache.plan"
QUARTER_HOUR = 15 * 60
# The parts of a request an answer can depend on, besides the path and the query string.
KEY_HEADERS = (
    "HTTP_COOKIE",
    "HTTP_USER_AGENT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "REMOTE_ADDR",
    "wsgi.url_scheme",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)
READ_ONLY = {"SELECT", "PRAGMA", "SHOW", "SET", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "EXPLAIN", "VALUES"}
WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
BUMP = "INSERT INTO page_generation (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = page_generation.n + 1"
READ = "SELECT n FROM page_generation WHERE id = 1"


class PageGeneration(db.Model):
    """One row whose number moves whenever a transaction writes to the database."""

    __tablename__ = "page_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


def cached_page(view: Callable) -> Callable:
    """Mark a GET view whose HTML may be kept for the same person's identical request."""
    view.page_cache = True
    return view


def expires_at(when: datetime) -> None:
    """Lapse this page's entry no later than ``when`` (a naive UTC time), e.g. a deadline it shows."""
    stamp = when.timestamp() if when.tzinfo else (when - datetime(1970, 1, 1)).total_seconds()
    g.page_cache_until = min(getattr(g, "page_cache_until", math.inf), stamp)


# Tracking writes: every engine, every connection.


def _writes(statement: str) -> bool:
    head = statement.lstrip().split(None, 1)
    if not head:
        return False
    word = head[0].upper()
    if word == "WITH":
        return bool(WRITE_WORDS.search(statement))
    return word not in READ_ONLY


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, cursor, statement, parameters, context, executemany):
    if _writes(statement):
        conn.info["page_cache.wrote"] = True
        if has_app_context():
            g.page_cache_wrote = True


def note_write(conn) -> None:
    """Count a write made on ``conn``'s DBAPI connection directly (a bulk COPY), unseen by SQLAlchemy."""
    conn.info["page_cache.wrote"] = True


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn):
    if not conn.info.pop("page_cache.wrote", False):
        return
    record = conn.connection.info  # lives as long as this DBAPI connection
    dbapi = conn.connection.dbapi_connection
    if not record.get("page_generation") and not _table_exists(conn.dialect.name, dbapi):
        return  # a migration before the table exists; no server can be keeping pages of this schema
    record["page_generation"] = True
    cursor = dbapi.cursor()
    try:
        cursor.execute(BUMP)
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn):
    conn.info.pop("page_cache.wrote", None)


def _table_exists(dialect: str, dbapi) -> bool:
    cursor = dbapi.cursor()
    try:
        if dialect == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'page_generation'")
            return cursor.fetchone() is not None
        cursor.execute("SELECT to_regclass('page_generation') IS NOT NULL")
        return bool(cursor.fetchone()[0])
    finally:
        cursor.close()


# Keeping pages.


@dataclass
class Entry:
    generation: int
    expires: float
    headers: list[tuple[str, str]]
    body: bytes


def request_key(environ: dict) -> bytes | None:
    """The key of a GET that carries a session cookie; None for anything that cannot be kept."""
    if environ.get("REQUEST_METHOD") != "GET" or not environ.get("HTTP_COOKIE"):
        return None
    digest = hashlib.blake2b(digest_size=20)
    for name in KEY_HEADERS:
        digest.update(str(environ.get(name, "")).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.digest()


class PageCache:
    """WSGI middleware answering a kept page's repeat request before Flask runs."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self.max_bytes = app.config["PAGE_CACHE_MAX_BYTES"]
        self.entries: OrderedDict[bytes, Entry] = OrderedDict()
        self.size = 0
        self.newest = 0  # the newest generation an entry was kept under
        self.lock = threading.Lock()
        self.local = threading.local()  # each thread (and forked worker) reads on its own connection
        app.extensions["page_cache"] = self
        app.before_request(self._before_request)
        app.after_request(self._after_request)

    def __call__(self, environ, start_response):
        key = request_key(environ)
        if key is not None:
            entry = self.entries.get(key)
            if entry is not None:
                if entry.expires > time.time() and entry.generation == self.generation():
                    with self.lock:
                        if key in self.entries:
                            self.entries.move_to_end(key)
                    start_response("200 OK", entry.headers)
                    return [entry.body]
                self._drop(key)
            environ[ENVIRON_KEY] = key
        seen: dict = {}

        def start(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, start)
        plan = environ.get(PLAN_KEY)
        if plan is None or not seen.get("status", "").startswith("200 "):
            return answer
        headers = seen["headers"]
        if any(name.lower() == "set-cookie" for name, _value in headers):
            return answer  # the session changed after all (saved once the view had returned)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        generation, expires = plan
        kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
        kept += [("Content-Length", str(len(body))), ("X-Page-Cache", "hit")]
        self._keep(key, Entry(generation, expires, kept, body))
        return [body]

    # The generation as the hit path reads it: one indexed query on the worker's own connection.

    def generation(self) -> int | None:
        for _try in range(2):
            try:
                cursor = self._connection().cursor()
                try:
                    cursor.execute(READ)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                return row[0] if row else 0
            except Exception:  # a lost connection: open a new one once, else let Flask answer
                self._close_reader()
        return None

    def _connection(self):
        local = self.local
        if getattr(local, "reader", None) is None or local.pid != os.getpid():
            with self.app.app_context():
                engine = db.engine
            raw = engine.raw_connection()
            raw.detach()  # the thread's own, outside the pool the requests use
            reader = raw.dbapi_connection
            reader.rollback()  # a pre-ping may have opened a transaction
            if engine.dialect.name == "sqlite":
                reader.isolation_level = None  # every read sees the latest commit
            else:
                reader.autocommit = True
            local.reader, local.pid = reader, os.getpid()
        return local.reader

    def _close_reader(self) -> None:
        reader, self.local.reader = getattr(self.local, "reader", None), None
        if reader is not None:
            try:
                reader.close()
            except Exception:  # noqa: S110 - already broken; a new one is opened next time
                pass

    # The full path: read the generation before the page's data, keep the answer if it qualifies.

    def _before_request(self):
        if ENVIRON_KEY not in request.environ:
            return
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "page_cache", False):
            g.page_cache_wrote = False  # only this request's own writes count
            g.page_cache_generation = db.session.scalar(db.select(PageGeneration.n).where(PageGeneration.id == 1)) or 0

    def _after_request(self, response):
        """Plan to keep a qualifying answer; the middleware keeps it once its headers are final."""
        generation = g.get("page_cache_generation")
        if generation is None or not self._keepable(response):
            return response
        now = time.time()
        expires = min(
            now + current_app.config["PAGE_CACHE_SECONDS"],
            (now // QUARTER_HOUR + 1) * QUARTER_HOUR,
            g.get("page_cache_until", math.inf),
            self._session_expiry(),
        )
        if expires > now:
            request.environ[PLAN_KEY] = (generation, expires)
        return response

    def _keepable(self, response) -> bool:
        return (
            response.status_code == 200
            and response.mimetype == "text/html"
            and not response.direct_passthrough
            and not session.modified
            and not g.get("page_cache_wrote")
        )

    def _session_expiry(self) -> float:
        """When the session cookie this page was rendered for stops being accepted."""
        value = request.cookies.get(current_app.config["SESSION_COOKIE_NAME"], "")
        try:
            signed_at = bytes_to_int(base64_decode(value.rsplit(".", 2)[1]))
        except (IndexError, ValueError, TypeError):
            return 0
        return signed_at + current_app.permanent_session_lifetime.total_seconds()

    def _keep(self, key: bytes, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:
            return
        with self.lock:
            if entry.generation > self.newest:  # every entry kept before the last write is dead: free it
                self.newest = entry.generation
                for stale in [k for k, e in self.entries.items() if e.generation < entry.generation]:
                    self.size -= len(self.entries.pop(stale).body)
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)

    def _drop(self, key: bytes) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)


def register(app) -> None:
    """Put the page cache in front of the app, unless ``PAGE_CACHE_SECONDS`` is 0."""
    if app.config.get("PAGE_CACHE_SECONDS", 0) > 0:
        app.wsgi_app = PageCache(app.wsgi_app, app)
