"""A shopper's own visits: what is still to do, in full, and what is done (the card submitted or reviewed),
a page at a time.

Once these were the 200 visits with the latest windows, at once: a shopper with more had their older
history out of reach and, were one of the older visits still without a card, that one too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.content.models import ContentItem, ContentVersion
from app.core.inputs import paginate
from app.extensions import db
from app.people.models import User
from app.shopping.models import Scorecard, Visit, visits_with_card_state

DONE = ("submitted", "approved", "rejected")  # the card's statuses of a visit with nothing left to do


@dataclass
class MyVisits:
    to_do: dict[str, list[Visit]]  # by state (returned, overdue, due, upcoming), latest window first
    done: object  # a page (Flask-SQLAlchemy's Pagination) of the visits whose card is submitted or reviewed
    done_by_state: dict[str, list[Visit]]  # that page's visits by state (submitted, approved, rejected)


def _mine(shopper: User):
    """The shopper's visits not cancelled, with what their lists show, latest window first."""
    return (
        select(Visit)
        .options(
            joinedload(Visit.department),
            visits_with_card_state(),
            joinedload(Visit.checklist_item).joinedload(ContentItem.published).load_only(ContentVersion.title),
        )
        .where(Visit.shopper_id == shopper.id, Visit.cancelled_at.is_(None))
        .order_by(Visit.window_start.desc(), Visit.id.desc())
    )


_DONE = Visit.card.has(Scorecard.status.in_(DONE))


def visits_to_do(shopper: User) -> list[Visit]:
    """Every visit of the shopper's still to do (no card yet, a draft, or a card returned to them), latest
    window first: what their home and their dashboard list, whatever the number of visits done."""
    return list(db.session.scalars(_mine(shopper).where(~_DONE)))


def my_visits(shopper: User, today: date) -> MyVisits:
    to_do: dict[str, list[Visit]] = {}
    for visit in visits_to_do(shopper):
        to_do.setdefault(visit.state(today), []).append(visit)
    page = paginate(_mine(shopper).where(_DONE))
    done_by_state: dict[str, list[Visit]] = {}
    for visit in page.items:
        done_by_state.setdefault(visit.state(today), []).append(visit)
    return MyVisits(to_do, page, done_by_state)
