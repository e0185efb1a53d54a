"""The employee's copy of each approved card about them: opened, acknowledged or disputed, and HR's view of
which cards are still unread some days after approval (ACK_UNREAD_DAYS).

A card's state for HR, from its rows: ``disputed`` when the employee disputed an item, else
``acknowledged`` once they acknowledged it, else ``read`` once they opened it, else ``unread`` when it was
approved ACK_UNREAD_DAYS or more ago, else ``new``; ``nobody`` for a card that names no employee.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.audit import utcnow
from app.core.i18n import lazy_gettext as _l
from app.core.transitions import StateConflict, transition
from app.extensions import db
from app.shopping.models import CardAcknowledgement, Dispute, Scorecard

STATES = {
    "new": _l("not opened yet"),
    "unread": _l("unread after the days allowed"),
    "read": _l("read, not acknowledged"),
    "acknowledged": _l("acknowledged"),
    "disputed": _l("disputed"),
    "nobody": _l("nobody identified"),
}


def state_label(state: str) -> str:
    return str(STATES.get(state, state))


def receipt_of(card: Scorecard) -> CardAcknowledgement | None:
    return db.session.scalars(select(CardAcknowledgement).where(CardAcknowledgement.card_id == card.id)).first()


def record_opened(employee, card: Scorecard, now: datetime | None = None) -> CardAcknowledgement:
    """The receipt of the employee's first opening of their approved card (kept as it was on later ones)."""
    found = receipt_of(card)
    if found is not None:
        return found
    receipt = CardAcknowledgement(card_id=card.id, employee_id=employee.id, seen_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(receipt)
    except IntegrityError:  # opened in two tabs at once
        return receipt_of(card)
    return receipt


def acknowledge(employee, card: Scorecard, now: datetime | None = None) -> None:
    """The employee acknowledges the card once; a second click is told it already was."""
    now = now or utcnow()
    receipt = record_opened(employee, card, now)
    if not transition(receipt, column="acknowledged_at", allowed=(None,), to=now):
        raise StateConflict(_l("You have already acknowledged this card."), "acknowledged")
    audit.record(employee, "card.acknowledge", "scorecard", card.id)


def _state(now: datetime):
    """The state of a card as SQL, the rule of the module's docstring (a select of Scorecard outer-joined
    to its CardAcknowledgement): one definition for a page of cards and for the counts of thousands."""
    cutoff = now - timedelta(days=current_app.config["ACK_UNREAD_DAYS"])
    return case(
        (Scorecard.employee_id.is_(None), "nobody"),
        (select(Dispute.id).where(Dispute.card_id == Scorecard.id).exists(), "disputed"),
        (CardAcknowledgement.acknowledged_at.is_not(None), "acknowledged"),
        (CardAcknowledgement.id.is_not(None), "read"),
        (Scorecard.approved_at <= cutoff, "unread"),
        else_="new",
    )


def _with_receipt(stmt):
    return stmt.outerjoin(CardAcknowledgement, CardAcknowledgement.card_id == Scorecard.id)


def states(cards: list[Scorecard], now: datetime | None = None) -> dict[int, str]:
    """{card id: state} for approved cards (see the module's docstring), in one statement."""
    ids = [c.id for c in cards]
    if not ids:
        return {}
    stmt = _with_receipt(select(Scorecard.id, _state(now or utcnow()))).where(Scorecard.id.in_(ids))
    return dict(db.session.execute(stmt).all())


def counts(stmt, now: datetime | None = None) -> dict[str, int]:
    """{state: how many} of the approved cards ``stmt`` (a select of Scorecard) gives, counted in SQL: the
    approved cards of a large company are too many to bring into Python (99,419 on the large demo data:
    0.9 s on SQLite, and an IN list past PostgreSQL's 65,535 parameters)."""
    approved = stmt.where(Scorecard.status == "approved").order_by(None)
    cards = _with_receipt(approved.with_only_columns(_state(now or utcnow()).label("state"))).subquery()
    out = dict.fromkeys(STATES, 0)
    out.update(db.session.execute(select(cards.c.state, func.count()).group_by(cards.c.state)).all())
    return out
