"""The roll-up tables: figures per department and day, per department and month, and failed items.

Shop, quiz and skill figures per day and per month (a month's row is the sum of its days' rows);
checklist item failures per month and over all time. No figure has more than two tiers: a figure
over all time adds up the monthly rows. Every row is derived: :mod:`app.rollups.figures` defines how
each is computed from the base tables, once, and recomputes the rows a change touches with that same SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class _Dated:
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)  # monthly tables: the month's first day


class _ShopFigures:
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    cards: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)  # cards with a total (a card of only n/a answers has none)
    sum_percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)
    critical: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)


class _QuizFigures:
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    sum_percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)


class _SkillFigures:
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)
    quiz_answers: Mapped[int] = mapped_column(Integer)  # questions of the skill in finished attempts
    quiz_correct: Mapped[int] = mapped_column(Integer)
    shop_items: Mapped[int] = mapped_column(Integer)  # yes or no answers on approved cards' items of the skill
    shop_passed: Mapped[int] = mapped_column(Integer)


class ShopDaily(_Dated, _ShopFigures, db.Model):
    __tablename__ = "shop_daily"


class ShopMonthly(_Dated, _ShopFigures, db.Model):
    __tablename__ = "shop_monthly"


class QuizDaily(_Dated, _QuizFigures, db.Model):
    __tablename__ = "quiz_daily"


class QuizMonthly(_Dated, _QuizFigures, db.Model):
    __tablename__ = "quiz_monthly"


class SkillDaily(_Dated, _SkillFigures, db.Model):
    __tablename__ = "skill_daily"


class SkillMonthly(_Dated, _SkillFigures, db.Model):
    """A department's skill figures per month; over all time, the sums of these rows per department and
    skill. The index holds every column, so those sums read it alone, in its order, without a sort
    (about 57,000 rows on the large data)."""

    __tablename__ = "skill_monthly"
    __table_args__ = (
        Index(
            "ix_skill_monthly_sums",
            "department_id",
            "skill",
            "day",
            "quiz_answers",
            "quiz_correct",
            "shop_items",
            "shop_passed",
        ),
    )


class ItemTotal(db.Model):
    """Failed and applicable (yes or no) answers per department and checklist item, over all time."""

    __tablename__ = "item_total"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)  # "" for an item without a skill
    failed: Mapped[int] = mapped_column(Integer)
    applicable: Mapped[int] = mapped_column(Integer)


class ItemMonthly(db.Model):
    """Failed and applicable answers per department, month (its first day) and checklist item.

    Item failure rates for a period add up the whole months here and read the answers of the days
    at its edges only.
    """

    __tablename__ = "item_monthly"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)  # "" for an item without a skill
    failed: Mapped[int] = mapped_column(Integer)
    applicable: Mapped[int] = mapped_column(Integer)


# Per kind: the daily and the monthly table.
TIERS = {
    "shop": (ShopDaily, ShopMonthly),
    "quiz": (QuizDaily, QuizMonthly),
    "skill": (SkillDaily, SkillMonthly),
}
MEASURES = {
    "shop": ("cards", "scored", "sum_percent", "passed", "critical", "late"),
    "quiz": ("attempts", "sum_percent", "passed"),
    "skill": ("quiz_answers", "quiz_correct", "shop_items", "shop_passed"),
}
# Per kind: what a department's average sums, and over what (the cards with a result; the attempts).
AVERAGES = {"shop": ("sum_percent", "scored"), "quiz": ("sum_percent", "attempts")}
_AVERAGE_AT = {kind: tuple(MEASURES[kind].index(m) for m in names) for kind, names in AVERAGES.items()}


def average(kind: str, figures: Sequence) -> float | None:
    """A department's ``kind`` average from its roll-up figures summed (``MEASURES[kind]``, in that order),
    None when nothing counts: the one definition of the reports, their monthly trend and the dashboards."""
    total, over = _AVERAGE_AT[kind]
    return float(figures[total]) / float(figures[over]) if figures[over] else None
