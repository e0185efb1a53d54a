"""Scorecard scoring, exactly as content-format.md says; arithmetic in exact fractions.

- an item earns its points on yes, 0 on no; n/a items are left out entirely;
- section percent = earned / applicable points; a section with no applicable item is left out;
- total = sum(weight * section percent) / sum(weight) over the sections not left out;
- a critical item answered no marks a critical failure: with on_critical "zero" the total is 0,
  with "fail" the computed total is kept; section percents are always reported;
- passed when total >= pass_percent and there is no critical failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from app.content.model import Checklist

ANSWERS = ("yes", "no", "na")


def _exact(value: float) -> Fraction:
    return Fraction(str(value))


@dataclass
class ItemScore:
    item_id: str
    section: int
    answer: str
    earned: Fraction
    possible: Fraction
    critical: bool
    skill: str | None

    @property
    def failed(self) -> bool:
        return self.answer == "no"


@dataclass
class SectionScore:
    title: str
    weight: Fraction
    earned: Fraction
    possible: Fraction

    @property
    def percent(self) -> Fraction | None:
        return None if self.possible == 0 else 100 * self.earned / self.possible


@dataclass
class CardScore:
    sections: list[SectionScore]
    items: list[ItemScore]
    computed_total: Fraction | None
    critical_failed: bool
    on_critical: str
    pass_percent: Fraction
    missing: list[str] = field(default_factory=list)

    @property
    def total(self) -> Fraction | None:
        if self.critical_failed and self.on_critical == "zero":
            return Fraction(0)
        return self.computed_total

    @property
    def passed(self) -> bool:
        return self.total is not None and self.total >= self.pass_percent and not self.critical_failed


def score_card(checklist: Checklist, answers: dict[str, str]) -> CardScore:
    """Score answers ({item id: yes|no|na}) against a checklist; unanswered items are listed in ``missing``."""
    sections: list[SectionScore] = []
    items: list[ItemScore] = []
    missing: list[str] = []
    for index, section in enumerate(checklist.sections):
        earned = possible = Fraction(0)
        for item in section.items:
            answer = answers.get(item.id)
            if answer not in ANSWERS:
                missing.append(item.id)
                continue
            points = _exact(item.points)
            if answer == "na":
                items.append(ItemScore(item.id, index, answer, Fraction(0), Fraction(0), item.critical, item.skill))
                continue
            got = points if answer == "yes" else Fraction(0)
            earned += got
            possible += points
            items.append(ItemScore(item.id, index, answer, got, points, item.critical, item.skill))
        sections.append(SectionScore(section.title, _exact(section.weight), earned, possible))
    counted = [s for s in sections if s.percent is not None]
    weights = sum((s.weight for s in counted), Fraction(0))
    total = sum((s.weight * s.percent for s in counted), Fraction(0)) / weights if counted else None
    critical_failed = any(i.critical and i.answer == "no" for i in items)
    return CardScore(
        sections, items, total, critical_failed, checklist.on_critical, _exact(checklist.pass_percent), missing
    )
