"""State changes that happen once, whatever the clicks.

Two requests that both read "submitted" and both approve would each run the approval's side
effects. A transition is therefore one conditional UPDATE (``... WHERE status IN (allowed)``):
the database lets exactly one request change the row, and :func:`transition` tells the caller
whether it was this one. Work that reads several rows and writes them back (rescoring a card,
saving a quiz attempt's answers) first takes the row's lock with :func:`lock`, so the next request
waits and then sees what the first one wrote.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import false, inspect, or_, select, update

from app.core.errors import DomainError
from app.extensions import db


class StateConflict(DomainError):
    """The object is no longer in a state that allows the action (another request got there first).

    ``status`` is its current state, for the caller to show or return.
    """

    def __init__(self, message: str, status: str | None):
        super().__init__(message)
        self.status = status


def _identity(obj):
    mapper = inspect(obj).mapper
    (key,) = mapper.primary_key
    return mapper, key, inspect(obj).identity[0]


def transition(obj, *, allowed: Iterable, to, column: str = "status", **values) -> bool:
    """Set the attribute ``column`` to ``to`` (and the attributes in ``values``) on ``obj``'s row only
    while it is one of ``allowed`` (None for NULL); True when this request made the change.
    ``obj`` is reloaded either way, so it shows the current state."""
    db.session.flush()
    mapper, key, ident = _identity(obj)
    current = mapper.columns[column]
    allowed = list(allowed)
    known = [v for v in allowed if v is not None]
    condition = or_(current.in_(known) if known else false(), current.is_(None) if None in allowed else false())
    changes = {mapper.columns[name]: value for name, value in {column: to, **values}.items()}
    result = db.session.execute(update(mapper.local_table).where(key == ident, condition).values(changes))
    stamped = [name for name, c in mapper.columns.items() if c.onupdate is not None]  # updated_at and the like
    db.session.refresh(obj, attribute_names=[column, *values, *stamped])
    return result.rowcount == 1


def lock(obj):
    """Lock ``obj``'s row until the transaction ends and reload it with what others have committed.

    A second request locking the same row waits here. SQLite has no row locks, but it runs one
    writer at a time, which serialises the same work.
    """
    db.session.flush()
    mapper, key, ident = _identity(obj)
    db.session.execute(select(key).where(key == ident).with_for_update())
    # Reloaded by a statement of its own: PostgreSQL reads the locked row afresh once the lock is
    # granted, but rows joined in the locking statement would come from before the wait.
    db.session.refresh(obj)
    return obj
