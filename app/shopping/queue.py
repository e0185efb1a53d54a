"""HR's review queue: the cards of one status in the reader's scope, a page at a time, with what the list
shows of each (and, for approved cards, the state of the employee's copy)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, func, select

from app.core.inputs import paginate_rows
from app.people import services as people_services
from app.people.models import Department, User
from app.shopping import acknowledgement
from app.shopping.models import Scorecard


@lru_cache(maxsize=2)
def _statements(scoped: bool):
    """The cards of the bound ``status`` (in the subtree of the bound ``root`` when ``scoped``): a page of
    them as rows of what the list shows (``limit`` and ``offset`` bound), newest submission first, and
    their number. Built once: building and keying them on every request cost more than running them."""
    where = Scorecard.status == bindparam("status")
    if scoped:
        where = where & Scorecard.department_id.in_(people_services.subtree_select(bindparam("root")))
    # A card leaves draft only by being submitted, so in every status but draft each card has its
    # submission time (and in draft none has): no NULLs to place, and both engines read the page in
    # the order of ix_scorecards_status_submitted. "NULLS LAST" made PostgreSQL sort all the status's
    # cards (28 ms for the approved ones of the large demo data, against 0.1 ms).
    rows = (
        select(
            Scorecard.id,
            Department.path.label("department_path"),
            Scorecard.visited_at,
            Scorecard.late,
            User.name.label("shopper_name"),
            Scorecard.total_percent,
            Scorecard.critical_failed,
        )
        .outerjoin(Department, Department.id == Scorecard.department_id)
        .outerjoin(User, User.id == Scorecard.shopper_id)
        .where(where)
        .order_by(Scorecard.submitted_at.desc(), Scorecard.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return rows, select(func.count()).select_from(Scorecard).where(where)


@dataclass
class ReviewQueue:
    page: object  # a Flask-SQLAlchemy pagination of rows: id, department_path, visited_at, late, shopper_name, ...
    receipts: dict[int, str]  # card id -> state of the employee's copy (approved cards only)
    receipt_counts: dict[str, int] | None  # state -> cards (approved cards only)


def review_queue(actor, status: str, page: int, per_page: int) -> ReviewQueue:
    """One page of the cards of ``status`` that ``actor`` sees, newest submission first."""
    root = people_services.scope_root(actor)
    rows, count = _statements(root is not None)
    params = {"status": status} if root is None else {"status": status, "root": root}
    if status != "approved":
        listed = paginate_rows(rows, count, params, page, per_page)
        return ReviewQueue(listed, {}, None)
    # The approved cards counted by the state of the employee's copy are all of them, once each: their sum
    # is the number of cards in the list, which is not counted a second time (3 ms on the large demo data).
    cards = people_services.scoped(select(Scorecard).where(Scorecard.status == status), Scorecard.department_id, actor)
    counts = acknowledgement.counts(cards)
    listed = paginate_rows(rows, count, params, page, per_page, total=sum(counts.values()))
    return ReviewQueue(listed, acknowledgement.states(listed.items), counts)
