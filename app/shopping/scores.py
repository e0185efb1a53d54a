"""A person's shop average, with the fairness minimum: one rule for their own results, their dashboard
and HR's page about them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from sqlalchemy import and_, bindparam, func, select

from app.extensions import db
from app.shopping.models import Scorecard


@dataclass(frozen=True)
class ShopAverage:
    cards: int  # approved cards about the person
    scored: int  # of them, those with a result (a card answered all n/a has none)
    average: float | None  # over the scored cards; None below the minimum
    minimum: int  # MIN_CARDS_FOR_SCORE


def approved_about(user_id: int, period=None):
    """SQL: the approved cards observing this person (in ``period``, a reports Period, when given)."""
    clause = and_(Scorecard.employee_id == user_id, Scorecard.status == "approved")
    return clause if period is None else and_(clause, period.clause(Scorecard.visited_at))


def shop_average(user_id: int, period=None) -> ShopAverage:
    """The average result of the person's approved cards that have one, shown only when at least
    MIN_CARDS_FOR_SCORE cards have a result, so that one or two visits do not label anyone."""
    return shop_averages([user_id], period)[user_id]


def shop_averages(user_ids, period=None) -> dict[int, ShopAverage]:
    """:func:`shop_average` for each of ``user_ids``, in one query (a list of people with their figures)."""
    minimum = current_app.config["MIN_CARDS_FOR_SCORE"]
    ids = sorted(set(user_ids))
    out = {uid: ShopAverage(0, 0, None, minimum) for uid in ids}
    if not ids:
        return out
    start, end = (None, None) if period is None else (period.start_dt, period.end_dt)
    rows = db.session.execute(_averages_statement(start, end), {"ids": ids})
    for uid, cards, scored, average in rows:
        out[uid] = shown_average(cards, scored, average, minimum)
    return out


def shown_average(cards, scored, average, minimum: int) -> ShopAverage:
    """A person's figures as :func:`averages_select` sums them (None where they have no card), the average
    withheld below the fairness ``minimum``."""
    shown = float(average) if average is not None and (scored or 0) >= minimum else None
    return ShopAverage(int(cards or 0), int(scored or 0), shown, minimum)


def averages_select(start, end, people):
    """SQL: per person of ``people`` (an IN operand: an expanding parameter or a select of ids), their
    approved cards visited from ``start`` and before ``end`` (either open), those with a result and the
    average of those; columns ``employee_id``, ``cards``, ``scored``, ``average``."""
    clause = and_(Scorecard.employee_id.in_(people), Scorecard.status == "approved")
    if start is not None:
        clause = and_(clause, Scorecard.visited_at >= start)
    if end is not None:
        clause = and_(clause, Scorecard.visited_at < end)
    return (
        select(
            Scorecard.employee_id,
            func.count(Scorecard.id).label("cards"),
            func.count(Scorecard.total_percent).label("scored"),
            func.avg(Scorecard.total_percent).label("average"),
        )
        .where(clause)
        .group_by(Scorecard.employee_id)
    )


@lru_cache(maxsize=32)
def _averages_statement(start, end):
    """The statement of :func:`shop_averages` for a period (visits from ``start``, before ``end``, either
    open), the people bound as ``ids``: built once, as building it took longer than running it."""
    return averages_select(start, end, bindparam("ids", expanding=True))
