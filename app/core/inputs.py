"""Numbers and dates from the URL, bounded before they reach a query.

A value the database cannot hold (an id of 2^31 or more in an INTEGER column, an OFFSET past
64 bits) or a date the calendar arithmetic cannot step past (9999-12-31 plus a day) is the
client's mistake: each is refused here as a 4xx instead of failing inside SQL as a 500.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, request
from flask_sqlalchemy.pagination import Pagination
from werkzeug.routing import IntegerConverter

from app.core.rows import rows
from app.extensions import db

INT_MAX = 2**31 - 1  # ids are INTEGER columns: PostgreSQL refuses a larger number in a query
MAX_PAGE = 10**6  # far past any list; keeps OFFSET well inside 64 bits
FIRST_DAY = date(1970, 1, 1)  # reports, visits and feeds never reach outside these years
LAST_DAY = date(2100, 12, 31)


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


class _Rows(Pagination):
    """A page of rows from statements built once (see :func:`paginate_rows`)."""

    def _query_items(self) -> list:
        stmt, _, params = self._query_args["statements"]
        return rows(stmt, {**params, "limit": self.per_page, "offset": self._query_offset}).all()

    def _query_count(self) -> int:
        _, count, params = self._query_args["statements"]
        return rows(count, params).scalar_one()


def paginate(stmt, per_page: int | None = None, page: int | None = None):
    """One page of a list: ``page`` (a service given the number its route read with :func:`page_number`),
    else the page asked in the URL; a page that is not there is a 404, never a 500."""
    page = page_number() if page is None else page
    return db.paginate(stmt, page=page, per_page=per_page or current_app.config["PER_PAGE"], error_out=True)


def paginate_rows(stmt, count, params: dict, page: int, per_page: int):
    """:func:`paginate` for a list of rows of several columns (what the list shows, no ORM objects) from
    statements built once: ``stmt`` with ``LIMIT :limit OFFSET :offset``, ``count`` its number of rows,
    both given ``params``. Building and keying a statement on every request costs more than running it."""
    return _Rows(statements=(stmt, count, params), page=page, per_page=per_page, max_per_page=None, error_out=True)


def in_calendar(day: date) -> bool:
    """True if a date lies in the years the platform reports on (FIRST_DAY..LAST_DAY)."""
    return FIRST_DAY <= day <= LAST_DAY
