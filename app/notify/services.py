"""Recording notices exactly once, reading them, and each person's email choices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.core.audit import utcnow
from app.core.errors import DomainError
from app.core.inputs import paginate_rows
from app.extensions import db
from app.notify.kinds import KINDS
from app.notify.models import EMAIL_PENDING, EMAIL_SKIPPED, EmailOptOut, Notice


@dataclass(frozen=True)
class Pending:
    """One notice to record: for whom, under which unique key, with which parameters and link."""

    user_id: int
    key: str
    params: dict
    link: str | None


def path_for(endpoint: str, **values) -> str:
    """The site-relative path of a page, also outside a request (``notify run`` has none)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _insert_once(values: dict) -> bool:
    """INSERT the notice unless its key exists; True when this call created it.

    ON CONFLICT DO NOTHING keeps the surrounding transaction usable on both SQLite and PostgreSQL, and
    two processes inserting the same key at once end with one row: the second waits and does nothing.
    """
    table = Notice.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        stmt = (
            dialect_insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[table.c.key])
            .returning(table.c.id)
        )
        # RETURNING gives a row only when this statement inserted one (rowcount is not reliable here).
        return db.session.execute(stmt).scalar() is not None
    try:  # any other database: a savepoint, so a duplicate leaves the outer transaction intact
        with db.session.begin_nested():
            db.session.execute(insert(table).values(**values))
    except IntegrityError:
        return False
    return True


def _found(column, values: list, *where) -> set:
    """The values of ``column`` among ``values`` that exist (looked up in chunks of 500)."""
    out: set = set()
    for start in range(0, len(values), 500):
        out |= set(db.session.scalars(select(column).where(column.in_(values[start : start + 500]), *where)))
    return out


def record(kind: str, notices: Iterable[Pending], now: datetime | None = None) -> int:
    """Record notices of one kind, each at most once ever (by key); returns how many are new.

    Email is queued for ``notify run`` unless the person switched this kind off.
    """
    if kind not in KINDS:
        raise DomainError(f"unknown notice kind {kind}")
    # Most candidates of a reminder run exist already: skip them by the unique index rather than
    # attempting every insert again (ON CONFLICT still settles races between processes).
    notices = list(notices)
    existing = _found(Notice.key, [n.key for n in notices]) if notices else set()
    fresh = [n for n in notices if n.key not in existing]
    if not fresh:
        return 0
    opted_out = set()
    if not KINDS[kind].mandatory:
        opted_out = _found(EmailOptOut.user_id, sorted({n.user_id for n in fresh}), EmailOptOut.kind == kind)
    now = now or utcnow()
    created = 0
    for n in fresh:
        created += _insert_once(
            {
                "key": n.key,
                "user_id": n.user_id,
                "kind": kind,
                "params": n.params,
                "link": n.link,
                "created_at": now,
                "email_state": EMAIL_SKIPPED if n.user_id in opted_out else EMAIL_PENDING,
            }
        )
    return created


# ---------------------------------------------------------------- reading
def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notice.id)).where(Notice.user_id == user.id, Notice.read_at.is_(None)))


def unread_figure(user_id):
    """The unread count as a scalar subquery over ``user_id`` (a column), for reading it in the same
    statement as the signed-in person (the header shows it on every page)."""
    return (
        select(func.count(Notice.id))
        .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        .scalar_subquery()
        .label("unread_notices")
    )


# Built once: a page of the person's notices, newest first, as rows of what the list shows (no ORM
# objects: loading twenty-five of them, and building the statement anew, cost more than the query).
_NOTICE_ROWS = (
    select(
        Notice.id,
        Notice.kind,
        Notice.params,
        Notice.link,
        Notice.created_at,
        Notice.read_at.is_(None).label("unread"),
        Notice.withdrawn_at,
    )
    .where(Notice.user_id == bindparam("user_id"))
    .order_by(Notice.created_at.desc(), Notice.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_NOTICE_COUNT = select(func.count()).select_from(Notice).where(Notice.user_id == bindparam("user_id"))


def paginate_notices(user, page: int):
    """One page of the person's notices, newest first: rows of id, kind, params, link, created_at, unread
    and withdrawn_at (a page past the last is a 404)."""
    return paginate_rows(_NOTICE_ROWS, _NOTICE_COUNT, {"user_id": user.id}, page, current_app.config["PER_PAGE"])


def mark_read(user, notice: Notice, now: datetime | None = None) -> None:
    """Mark one of the person's own notices read; raises DomainError for anyone else's."""
    if notice.user_id != user.id:
        raise DomainError("This notice is not yours.")
    if notice.read_at is None:
        notice.read_at = now or utcnow()
    db.session.flush()


def mark_all_read(user, now: datetime | None = None) -> int:
    """Mark every unread notice of the person read; returns how many."""
    result = db.session.execute(
        update(Notice)
        .where(Notice.user_id == user.id, Notice.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# ---------------------------------------------------------------- email choices
def email_opt_outs(user) -> set[str]:
    return set(db.session.scalars(select(EmailOptOut.kind).where(EmailOptOut.user_id == user.id)))


def set_email_choices(user, choices: dict[str, bool]) -> None:
    """Switch email on or off per optional kind; mandatory kinds are always emailed and are ignored here."""
    current = email_opt_outs(user)
    for kind, wanted in choices.items():
        if kind not in KINDS or KINDS[kind].mandatory:
            continue
        if wanted and kind in current:
            db.session.delete(db.session.get(EmailOptOut, (user.id, kind)))
        elif not wanted and kind not in current:
            db.session.add(EmailOptOut(user_id=user.id, kind=kind))
    db.session.flush()
