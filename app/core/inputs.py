"""Numbers and dates from the URL, bounded before they reach a query.

A value the database cannot hold (an id of 2^31 or more in an INTEGER column, an OFFSET past
64 bits) or a date the calendar arithmetic cannot step past (9999-12-31 plus a day) is the
client's mistake: each is refused here as a 4xx instead of failing inside SQL as a 500.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote

from flask import Request, abort, current_app, request
from flask_sqlalchemy.pagination import Pagination
from werkzeug import urls as _registers_url_quote  # noqa: F401 - the codec error handler named below
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

from app.core.errors import BadInput
from app.core.i18n import lazy_gettext as _l
from app.core.rows import rows
from app.extensions import db

INT_MAX = 2**31 - 1  # ids are INTEGER columns: PostgreSQL refuses a larger number in a query
MAX_PAGE = 10**6  # far past any list; keeps OFFSET well inside 64 bits
FIRST_DAY = date(1970, 1, 1)  # reports, visits and feeds never reach outside these years
LAST_DAY = date(2100, 12, 31)
SEARCH_MAX = 300  # characters of a search (``?q=``): as long as the longest title, name or email searched


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number past INTEGER's range matches no route, so it is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def record_id(value: str) -> int:
    """``request.args.get(name, type=record_id)``: an id an INTEGER column can hold.

    Text that is not a number (or 0, "none chosen") gives the default, as ``type=int`` did; a number
    no record can have (negative, or 2^31 and more) is a 404, as the same id in a path is.
    """
    text = value.strip()
    if not text.isascii():  # int() would read the digits of other scripts too
        raise ValueError(value)
    number = int(text)
    if number == 0:
        raise ValueError(value)
    if not 1 <= number <= INT_MAX:
        abort(404)
    return number


def page_number() -> int:
    """The ``?page=`` asked for; 404 unless it is a whole number from 1 to MAX_PAGE."""
    raw = request.args.get("page", "1").strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        abort(404)
    return int(raw)


def search_words() -> str:
    """The words of the search asked for (``?q=``), trimmed. Longer than :data:`SEARCH_MAX` is a 400
    saying so: nothing searched is that long, and SQLite refuses a LIKE pattern past 50,000 bytes."""
    words = request.args.get("q", "").strip()
    if len(words) > SEARCH_MAX:
        raise BadInput(_l("A search is at most %(n)d characters long.", n=SEARCH_MAX), field="q")
    return words


class _Rows(Pagination):
    """A page of rows from statements built once (see :func:`paginate_rows`)."""

    def _query_items(self) -> list:
        stmt, _, params, _total = self._query_args["statements"]
        return rows(stmt, {**params, "limit": self.per_page, "offset": self._query_offset}).all()

    def _query_count(self) -> int:
        _, count, params, total = self._query_args["statements"]
        return total if total is not None else rows(count, params).scalar_one()


def paginate(stmt, per_page: int | None = None, page: int | None = None):
    """One page of a list: ``page`` (a service given the number its route read with :func:`page_number`),
    else the page asked in the URL; a page that is not there is a 404, never a 500."""
    page = page_number() if page is None else page
    return db.paginate(stmt, page=page, per_page=per_page or current_app.config["PER_PAGE"], error_out=True)


def paginate_rows(stmt, count, params: dict, page: int, per_page: int, total: int | None = None):
    """:func:`paginate` for a list of rows of several columns (what the list shows, no ORM objects) from
    statements built once: ``stmt`` with ``LIMIT :limit OFFSET :offset``, ``count`` its number of rows,
    both given ``params`` (``total``: that number, when the caller knows it already, and ``count`` is not
    run). Building and keying a statement on every request costs more than running it."""
    return _Rows(
        statements=(stmt, count, params, total), page=page, per_page=per_page, max_per_page=None, error_out=True
    )


def in_calendar(day: date) -> bool:
    """True if a date lies in the years the platform reports on (FIRST_DAY..LAST_DAY)."""
    return FIRST_DAY <= day <= LAST_DAY


# ------------------------------------------------------------------ URL-encoded form bodies
_RUNS = re.compile(r"[%0-9A-Fa-f]+")  # where escapes may be: found in one quick pass


def _unquoted(run: re.Match) -> str:
    """A run of hex digits and percent signs, unquoted: when it holds nothing but escapes after its first
    (a long text typed in Cyrillic), all at once; otherwise by the standard library."""
    text = run[0]
    start = text.find("%")
    if start < 0:
        return text
    end = start + (len(text) - start) // 3 * 3
    escapes = text[start:end]
    if escapes[::3].count("%") == len(escapes) // 3 and "%" not in escapes[1::3] + escapes[2::3]:
        decoded = bytes.fromhex(escapes.replace("%", "")).decode("utf-8", "werkzeug.url_quote")
        return text[:start] + decoded + text[end:]  # fewer than three characters: no escape
    return unquote(text, errors="werkzeug.url_quote")


def unquote_plus(text: str) -> str:
    """``urllib.parse.unquote_plus`` as Werkzeug calls it for a form (invalid UTF-8 kept as its %XX), with
    runs of escapes decoded at once in C: the standard one steps through every escape in Python, about
    100 ms for a field of 200,000 Cyrillic letters (under 10 ms here)."""
    text = text.replace("+", " ")
    return _RUNS.sub(_unquoted, text) if "%" in text else text


def parse_form(body: str) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(body, keep_blank_values=True, errors="werkzeug.url_quote")``, Werkzeug's
    reading of a URL-encoded form, pair for pair."""
    pairs = []
    for pair in body.split("&"):
        if pair:
            name, _sep, value = pair.partition("=")
            pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


class _FormParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        return stream, self.cls(parse_form(stream.read().decode())), self.cls()


class FormRequest(Request):
    """Flask's request, its URL-encoded form read by :func:`parse_form` (the body's size is bounded before
    it is read: ``app.errors.refuse_oversized_form``)."""

    form_data_parser_class = _FormParser
