"""Whole pages kept for the person who asked, until something they could show is written.

A view marked :func:`cached_page` renders as usual the first time; its HTML is then kept under a
key made of everything the answer can depend on in the request: the whole ``Cookie`` header (the
signed session, hence the person, their language choice and their CSRF token), the user agent and
address (sign-in sessions are bound to both), ``Accept-Language``, the host, the scheme, the path
and the query string. The next identical request is answered by :class:`PageCache` before Flask
runs, if the page is still current.

Current means: the page generations it was read under have not moved since, and the entry has not
expired. There are two: everyone's (row 1 of ``page_generation``) and the person's own (row -id).
Every transaction that writes anything (any INSERT, UPDATE, DELETE or DDL, through the ORM, Core
or a raw statement, from a request or a CLI command) moves everyone's by one as it commits, in the
same transaction (``_bump_on_commit``), except an autosave that declared
:func:`personal_writes` and wrote only the tables it named, which moves its author's own only. The
app server's workers and the CLI commands all read the same rows, so a write anywhere retires every
page it could change in every worker. A page's generations are read before its data, so a page is
never kept under a generation newer than what it shows. Entries also lapse after
``PAGE_CACHE_SECONDS``, at the next quarter hour (when the date turns in any time zone, so "due"
and "overdue" stay right), before the session cookie would expire, and earlier when the view says
so (:func:`expires_at`, e.g. a quiz's deadline).

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
from flask_login import current_user
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
FIRST_WORD = re.compile(r"\s*(\w+)")
READ_ONLY = {"SELECT", "PRAGMA", "SHOW", "SET", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "EXPLAIN", "VALUES"}
WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
TABLE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
EVERYONE = 1  # the row every kept page depends on; person p's own row is -p
BUMP = "INSERT INTO page_generation (id, n) VALUES ({row}, 1) ON CONFLICT (id) DO UPDATE SET n = page_generation.n + 1"
READ = "SELECT id, n FROM page_generation WHERE id IN (1, {row})"


class PageGeneration(db.Model):
    """Row 1 moves whenever a transaction writes to the database; row -p when a transaction writes
    only what person p's own pages show (see :func:`personal_writes`)."""

    __tablename__ = "page_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


def cached_page(view: Callable) -> Callable:
    """Mark a GET view whose HTML may be kept for the same person's identical request."""
    view.page_cache = True
    return view


def personal_writes(*tables: str) -> None:
    """Declare that this request's writes, as long as they touch only ``tables``, change only the
    signed-in person's own pages, so they retire only those (an autosave of a quiz answer or of a
    card draft, several a minute per person). A view marked :func:`cached_page` must therefore
    never show another person's answers in progress; it shows finished attempts and approved cards.
    A write to any other table in the same transaction retires everyone's pages, as usual."""
    g.page_cache_personal = (int(current_user.id), frozenset(tables))


def expires_at(when: datetime) -> None:
    """Lapse this page's entry no later than ``when`` (a naive UTC time), e.g. a deadline it shows."""
    stamp = when.timestamp() if when.tzinfo else (when - datetime(1970, 1, 1)).total_seconds()
    g.page_cache_until = min(getattr(g, "page_cache_until", math.inf), stamp)


# Tracking writes: every engine, every connection.


def _writes(statement: str) -> bool:
    head = FIRST_WORD.match(statement)  # every statement passes here: no copy of it is made
    if head is None:
        return False
    word = head.group(1).upper()
    if word == "WITH":
        return bool(WRITE_WORDS.search(statement))
    return word not in READ_ONLY


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, cursor, statement, parameters, context, executemany):
    if _writes(statement):
        match = TABLE.match(statement)
        conn.info.setdefault("page_cache.tables", set()).add(match.group(1).lower() if match else "*")
        if has_app_context():
            g.page_cache_wrote = True


def note_write(conn) -> None:
    """Count a write made on ``conn``'s DBAPI connection directly (a bulk COPY), unseen by SQLAlchemy."""
    conn.info.setdefault("page_cache.tables", set()).add("*")


def _row_to_bump(tables: set[str]) -> int:
    personal = g.get("page_cache_personal") if has_app_context() else None
    if personal is not None and tables <= personal[1]:
        return -personal[0]
    return EVERYONE


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn):
    tables = conn.info.pop("page_cache.tables", None)
    if not tables:
        return
    record = conn.connection.info  # lives as long as this DBAPI connection
    dbapi = conn.connection.dbapi_connection
    if not record.get("page_generation") and not _table_exists(conn.dialect.name, dbapi):
        return  # a migration before the table exists; no server can be keeping pages of this schema
    record["page_generation"] = True
    cursor = dbapi.cursor()
    try:
        cursor.execute(BUMP.format(row=int(_row_to_bump(tables))))
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn):
    conn.info.pop("page_cache.tables", None)


def _pair(found: dict[int, int], person: int) -> tuple[int, int]:
    """Everyone's generation and the person's own, from page_generation rows as {id: n}."""
    return found.get(EVERYONE, 0), found.get(-person, 0)


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
    person: int
    generations: tuple[int, int]  # everyone's and the person's own, when the page was read
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
        self.newest = 0  # the newest generation for everyone an entry was kept under
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
                if entry.expires > time.time() and entry.generations == self.generations(entry.person):
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
        person, generations, expires = plan
        kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
        kept += [("Content-Length", str(len(body))), ("X-Page-Cache", "hit")]
        self._keep(key, Entry(person, generations, expires, kept, body))
        return [body]

    # The generations as the hit path reads them: one indexed query on the worker's own connection.

    def generations(self, person: int) -> tuple[int, int] | None:
        for _try in range(2):
            try:
                cursor = self._connection().cursor()
                try:
                    cursor.execute(READ.format(row=-int(person)))
                    found = dict(cursor.fetchall())
                finally:
                    cursor.close()
                return _pair(found, person)
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
        if getattr(view, "page_cache", False) and current_user.is_authenticated:
            g.page_cache_wrote = False  # only this request's own writes count
            person = int(current_user.id)
            rows = db.session.execute(
                db.select(PageGeneration.id, PageGeneration.n).where(PageGeneration.id.in_((EVERYONE, -person)))
            )
            g.page_cache_read = (person, _pair(dict(rows.all()), person))

    def _after_request(self, response):
        """Plan to keep a qualifying answer; the middleware keeps it once its headers are final."""
        read = g.get("page_cache_read")
        if read is None or not self._keepable(response):
            return response
        now = time.time()
        expires = min(
            now + current_app.config["PAGE_CACHE_SECONDS"],
            (now // QUARTER_HOUR + 1) * QUARTER_HOUR,
            g.get("page_cache_until", math.inf),
            self._session_expiry(),
        )
        if expires > now:
            request.environ[PLAN_KEY] = (*read, expires)
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
            everyone = entry.generations[0]
            if everyone > self.newest:  # every entry kept before the last write for everyone is dead: free it
                self.newest = everyone
                for stale in [k for k, e in self.entries.items() if e.generations[0] < everyone]:
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
