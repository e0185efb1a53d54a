"""HR's review queue: the cards of one status in the reader's scope, a page at a time, with what the list
shows of each (and, for approved cards, the state of the employee's copy)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, load_only

from app.core.inputs import paginate
from app.extensions import db
from app.people import services as people_services
from app.people.models import Department, User
from app.shopping import acknowledgement
from app.shopping.models import Scorecard

# What a row of the list reads: the card's few columns, its department's path and its shopper's name;
# not its answers and sections, nor the shopper's roles (each a statement of its own otherwise).
_ROW = (
    load_only(
        Scorecard.id,
        Scorecard.department_id,
        Scorecard.shopper_id,
        Scorecard.employee_id,
        Scorecard.status,
        Scorecard.visited_at,
        Scorecard.submitted_at,
        Scorecard.approved_at,
        Scorecard.late,
        Scorecard.total_percent,
        Scorecard.critical_failed,
    ),
    joinedload(Scorecard.department).load_only(Department.path),
    joinedload(Scorecard.shopper).load_only(User.name).options(lazyload(User.roles)),
    lazyload(Scorecard.answers),
    lazyload(Scorecard.sections),
)


@dataclass
class ReviewQueue:
    page: object  # a Flask-SQLAlchemy pagination of Scorecard
    receipts: dict[int, str]  # card id -> state of the employee's copy (approved cards only)
    receipt_counts: dict[str, int] | None  # state -> cards (approved cards only)


def review_queue(actor, status: str, page: int, per_page: int) -> ReviewQueue:
    """One page of the cards of ``status`` that ``actor`` sees, newest submission first."""
    cards = people_services.scoped(select(Scorecard).where(Scorecard.status == status), Scorecard.department_id, actor)
    # A card leaves draft only by being submitted, so in every status but draft each card has its
    # submission time (and in draft none has): no NULLs to place, and both engines read the page in
    # the order of ix_scorecards_status_submitted. "NULLS LAST" made PostgreSQL sort all the status's
    # cards (28 ms for the approved ones of the large demo data, against 0.1 ms).
    ordered = cards.options(*_ROW).order_by(Scorecard.submitted_at.desc(), Scorecard.id.desc())
    if status != "approved":
        return ReviewQueue(paginate(ordered, per_page=per_page, page=page), {}, None)
    # The approved cards counted by the state of the employee's copy are all of them, once each: their sum
    # is the number of cards in the list, which is not counted a second time (3 ms on the large demo data).
    counts = acknowledgement.counts(cards)
    listed = db.paginate(ordered, page=page, per_page=per_page, error_out=True, count=False)
    listed.total = sum(counts.values())
    return ReviewQueue(listed, acknowledgement.states(listed.items), counts)
