"""The employee's copy of each approved card about them: opened, acknowledged or disputed, and HR's view of
which cards are still unread some days after approval (ACK_UNREAD_DAYS).

A card's state for HR, from its rows: ``disputed`` when the employee disputed an item, else
``acknowledged`` once they acknowledged it, else ``read`` once they opened it, else ``unread`` when it was
approved ACK_UNREAD_DAYS or more ago, else ``new``; ``nobody`` for a card that names no employee.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
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


def states(cards: list[Scorecard], now: datetime | None = None) -> dict[int, str]:
    """{card id: state} for approved cards (see the module's docstring)."""
    ids = [c.id for c in cards]
    if not ids:
        return {}
    now = now or utcnow()
    receipts = {
        r.card_id: r
        for r in db.session.scalars(select(CardAcknowledgement).where(CardAcknowledgement.card_id.in_(ids)))
    }
    disputed = set(db.session.scalars(select(Dispute.card_id).where(Dispute.card_id.in_(ids))))
    days = timedelta(days=current_app.config["ACK_UNREAD_DAYS"])
    out = {}
    for card in cards:
        receipt = receipts.get(card.id)
        if card.employee_id is None:
            out[card.id] = "nobody"
        elif card.id in disputed:
            out[card.id] = "disputed"
        elif receipt is not None and receipt.acknowledged_at is not None:
            out[card.id] = "acknowledged"
        elif receipt is not None:
            out[card.id] = "read"
        elif card.approved_at is not None and now - card.approved_at >= days:
            out[card.id] = "unread"
        else:
            out[card.id] = "new"
    return out


def counts(stmt, now: datetime | None = None) -> dict[str, int]:
    """{state: how many} of the approved cards ``stmt`` (a select of Scorecard) gives."""
    columns = (Scorecard.id, Scorecard.employee_id, Scorecard.approved_at)  # all that states() reads of a card
    cards = db.session.execute(stmt.where(Scorecard.status == "approved").order_by(None).with_only_columns(*columns))
    out = dict.fromkeys(STATES, 0)
    for state in states(cards.all(), now).values():
        out[state] += 1
    return out
