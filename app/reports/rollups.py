"""Per-department, per-day sums of results, kept current as results arrive.

Reports add these small rows up instead of scanning every attempt and card, so a
company report costs the same with a thousand results or a million. Every change
to an approved card or a finished attempt goes through :func:`add_card` or
:func:`add_attempt` in the same transaction as the change itself; a change is
recorded as the old figures taken away (``sign=-1``) and the new ones added.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ShopDaily(db.Model):
    __tablename__ = "shop_daily"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    cards: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)  # cards with a total (a card of only n/a answers has none)
    sum_percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)
    critical: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)


class QuizDaily(db.Model):
    __tablename__ = "quiz_daily"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    sum_percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)


def _upsert(model, keys: dict, values: dict) -> None:
    """Add ``values`` to the row at ``keys``, creating it if needed, in one statement."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    table = model.__table__
    stmt = insert(table).values(**keys, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: table.c[name] + stmt.excluded[name] for name in values}
    )
    db.session.execute(stmt)


def add_card(card, sign: int = 1) -> None:
    """Count an approved card (or, with ``sign=-1``, take it away before its figures change)."""
    if card.status != "approved" or card.visited_at is None:
        return
    _upsert(
        ShopDaily,
        {"department_id": card.department_id, "day": card.visited_at.date()},
        {
            "cards": sign,
            "scored": sign * int(card.total_percent is not None),
            "sum_percent": sign * (card.total_percent or 0.0),
            "passed": sign * int(bool(card.passed)),
            "critical": sign * int(bool(card.critical_failed)),
            "late": sign * int(bool(card.late)),
        },
    )


def add_attempt(attempt, department_id: int | None, sign: int = 1) -> None:
    """Count a finished attempt under the person's department (or take it away with ``sign=-1``)."""
    if attempt.status != "finished" or attempt.finished_at is None or department_id is None:
        return
    _upsert(
        QuizDaily,
        {"department_id": department_id, "day": attempt.finished_at.date()},
        {
            "attempts": sign,
            "sum_percent": sign * (attempt.percent or 0.0),
            "passed": sign * int(bool(attempt.passed)),
        },
    )


def rebuild() -> None:
    """Recompute every roll-up row from the cards and attempts (after a bulk load, or to repair)."""
    day = "date({})" if db.engine.dialect.name == "sqlite" else "CAST({} AS DATE)"
    db.session.execute(ShopDaily.__table__.delete())
    db.session.execute(QuizDaily.__table__.delete())
    db.session.execute(
        text(
            f"""
            INSERT INTO shop_daily (department_id, day, cards, scored, sum_percent, passed, critical, late)
            SELECT department_id, {day.format("visited_at")}, COUNT(*), COUNT(total_percent),
                   COALESCE(SUM(total_percent), 0), SUM(CASE WHEN passed THEN 1 ELSE 0 END),
                   SUM(CASE WHEN critical_failed THEN 1 ELSE 0 END), SUM(CASE WHEN late THEN 1 ELSE 0 END)
            FROM scorecards WHERE status = 'approved' AND visited_at IS NOT NULL
            GROUP BY department_id, {day.format("visited_at")}
            """
        )
    )
    db.session.execute(
        text(
            f"""
            INSERT INTO quiz_daily (department_id, day, attempts, sum_percent, passed)
            SELECT department_id, {day.format("finished_at")}, COUNT(*), COALESCE(SUM(percent), 0),
                   SUM(CASE WHEN passed THEN 1 ELSE 0 END)
            FROM quiz_attempts
            WHERE status = 'finished' AND finished_at IS NOT NULL AND department_id IS NOT NULL
            GROUP BY department_id, {day.format("finished_at")}
            """
        )
    )
