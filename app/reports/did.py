"""An honest training effect: a difference in differences with a 95 % interval and the smallest effect
the data could have detected. The definitions are in docs/training-effect.md; in short, per skill:

* **trained**: people whose first completion of a course training the skill falls inside the period;
  their *before* cards are those visited from the period's start up to that completion, their *after*
  cards from the completion to the period's end;
* **comparison**: people with cards of the skill in the period who had not completed such a course by
  the period's end (nor before it); for each trained person their cards are split at that person's
  completion date too (same calendar windows), so a comparison card counts once for every trained
  person it lies before or after;
* a rate is passed ÷ applicable items of the skill on approved cards (n/a left out);
* effect = (after − before of the trained) − (after − before of the comparison);
* the 95 % interval is analytic: effect ± 1.96 × SE, SE from the cards (each card a cluster: the
  linearised, sandwich variance of the four ratios, the comparison's two taken together because
  they share cards); MDE = (1.96 + 0.84) × SE, the effect a test at alpha 0.05 would find with 80 %
  power.

Figures for fewer cards or people than configured are withheld; per-person effects are never made.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select

from app.extensions import db

Z_95 = 1.959963984540054
Z_80 = 0.8416212335729143


@dataclass
class CardRow:
    card_id: int
    person: int
    visited_at: datetime
    passed: int
    items: int


@dataclass
class Group:
    cards: int = 0
    before_cards: int = 0
    after_cards: int = 0
    people: int = 0
    before: float | None = None
    after: float | None = None


@dataclass
class Estimate:
    trained: Group
    comparison: Group
    effect: float | None = None
    ci: tuple[float, float] | None = None
    se: float | None = None
    mde: float | None = None
    enough_data: bool = False
    more_visits: int = 0  # visits still needed before figures are shown
    more_trained: int = 0  # people
    more_comparison: int = 0


@dataclass
class SkillEffect:
    skill: str
    estimate: Estimate
    courses: list[tuple[int, Estimate]] = field(default_factory=list)  # (course item id, its estimate)


def _ratio_influence(rows, weights, total_w_items: float) -> tuple[float | None, list[float]]:
    """The weighted ratio Σ w·passed / Σ w·items and each card's influence on it."""
    if total_w_items <= 0:
        return None, [0.0] * len(rows)
    rate = sum(w * r.passed for r, w in zip(rows, weights, strict=True)) / total_w_items
    return rate, [w * (r.passed - rate * r.items) / total_w_items for r, w in zip(rows, weights, strict=True)]


def _side(rows: list[CardRow], before_w: list[float], after_w: list[float]):
    b_total = sum(w * r.items for r, w in zip(rows, before_w, strict=True))
    a_total = sum(w * r.items for r, w in zip(rows, after_w, strict=True))
    before, b_infl = _ratio_influence(rows, before_w, b_total)
    after, a_infl = _ratio_influence(rows, after_w, a_total)
    group = Group(
        cards=len(rows),
        before_cards=sum(1 for w in before_w if w),
        after_cards=sum(1 for w in after_w if w),
        people=len({r.person for r in rows}),
        before=before,
        after=after,
    )
    n = len(rows)
    variance = 0.0
    if n > 1:
        variance = n / (n - 1) * sum((a - b) ** 2 for a, b in zip(a_infl, b_infl, strict=True))
    return group, variance


def _groups(people, first_done, start, end, trained_only) -> tuple[dict[int, datetime], set[int]]:
    """(trained person -> completion, comparison people) among the people with cards; people trained
    before the period (or, for one course, trained by another) are in neither."""
    trained_at: dict[int, datetime] = {}
    comparison: set[int] = set()
    for person in people:
        done = first_done.get(person)
        if done is None or (end is not None and done >= end):
            comparison.add(person)
        elif (start is None or done >= start) and (trained_only is None or person in trained_only):
            trained_at[person] = done
    return trained_at, comparison


def estimate(
    rows: list[CardRow],
    first_done: dict[int, datetime],
    start: datetime | None,
    end: datetime | None,
    min_cards: int,
    min_people: int,
    trained_only: set[int] | None = None,
) -> Estimate:
    """The difference in differences for one skill from its cards in [start, end) and each person's
    first completion of a course training it (``trained_only``: count only these people as trained,
    for the figures of one course; the others trained in the period are left out)."""
    rows = [r for r in rows if r.items > 0]
    trained_at, comparison_people = _groups({r.person for r in rows}, first_done, start, end, trained_only)
    dates = sorted(trained_at.values())
    trained_rows = [r for r in rows if r.person in trained_at]
    t_before = [1.0 if r.visited_at < trained_at[r.person] else 0.0 for r in trained_rows]
    t_after = [1.0 - w for w in t_before]
    comparison_rows = [r for r in rows if r.person in comparison_people]
    c_after = [float(bisect_right(dates, r.visited_at)) for r in comparison_rows]  # completions on or before
    c_before = [len(dates) - a for a in c_after]  # completions after the visit
    trained, t_var = _side(trained_rows, t_before, t_after)
    comparison, c_var = _side(comparison_rows, c_before, c_after)
    result = Estimate(trained, comparison)
    cells = (trained.before_cards, trained.after_cards, comparison.before_cards, comparison.after_cards)
    result.more_visits = sum(max(0, min_cards - n) for n in cells)
    result.more_trained = max(0, min_people - trained.people)
    result.more_comparison = max(0, min_people - comparison.people)
    rates = (trained.before, trained.after, comparison.before, comparison.after)
    result.enough_data = not (result.more_visits or result.more_trained or result.more_comparison) and all(
        r is not None for r in rates
    )
    if not result.enough_data:
        trained.before = trained.after = comparison.before = comparison.after = None
        return result
    result.effect = (trained.after - trained.before) - (comparison.after - comparison.before)
    result.se = math.sqrt(t_var + c_var)
    result.ci = (result.effect - Z_95 * result.se, result.effect + Z_95 * result.se)
    result.mde = (Z_95 + Z_80) * result.se
    return result


# ---------------------------------------------------------------- reading the data
def _card_rows(period, scope: set[int] | None) -> dict[str, list[CardRow]]:
    """Per skill, one row per approved card with an identified person: passed and applicable items."""
    from app.shopping.models import Scorecard, ScorecardAnswer

    stmt = (
        select(
            ScorecardAnswer.skill,
            Scorecard.id,
            Scorecard.employee_id,
            Scorecard.visited_at,
            func.sum(case((ScorecardAnswer.answer == "yes", 1), else_=0)),
            func.count(ScorecardAnswer.id),
        )
        .join(ScorecardAnswer, ScorecardAnswer.card_id == Scorecard.id)
        .where(
            and_(Scorecard.status == "approved", Scorecard.employee_id.is_not(None), Scorecard.visited_at.is_not(None)),
            ScorecardAnswer.skill.is_not(None),
            ScorecardAnswer.answer.in_(("yes", "no")),
            period.clause(Scorecard.visited_at),
        )
        .group_by(ScorecardAnswer.skill, Scorecard.id, Scorecard.employee_id, Scorecard.visited_at)
    )
    if scope is not None:
        stmt = stmt.where(Scorecard.department_id.in_(sorted(scope)))
    out: dict[str, list[CardRow]] = {}
    for skill, card_id, person, visited, passed, items in db.session.execute(stmt):
        out.setdefault(skill, []).append(CardRow(card_id, person, visited, int(passed or 0), int(items or 0)))
    return out


def _completions(pairs: list[tuple[int, str]]) -> dict[str, dict[int, tuple[datetime, int]]]:
    """Per skill: person -> (first completion of a course training it, that course)."""
    from app.learning.models import CourseCompletion

    courses: dict[int, list[str]] = {}
    for course, skill in pairs:
        courses.setdefault(course, []).append(skill)
    out: dict[str, dict[int, tuple[datetime, int]]] = {}
    if not courses:
        return out
    rows = db.session.execute(
        select(CourseCompletion.user_id, CourseCompletion.course_item_id, CourseCompletion.completed_at).where(
            CourseCompletion.course_item_id.in_(sorted(courses))
        )
    )
    for person, course, done in rows:
        for skill in courses[course]:
            known = out.setdefault(skill, {}).get(person)
            if known is None or done < known[0]:
                out[skill][person] = (done, course)
    return out


def training_effects(period, scope: set[int] | None, min_cards: int, min_people: int) -> list[SkillEffect]:
    """Per skill trained by a published course: the estimate, and one per course training it."""
    from app import rollups

    pairs = rollups.course_skill_pairs(db.session.execute)
    cards = _card_rows(period, scope)
    done = _completions(pairs)
    start, end = period.start_dt, period.end_dt
    out = []
    for skill in sorted({s for _c, s in pairs}):
        rows = cards.get(skill, [])
        first = {person: when for person, (when, _course) in done.get(skill, {}).items()}
        effect = SkillEffect(skill, estimate(rows, first, start, end, min_cards, min_people))
        for course in sorted({c for c, s in pairs if s == skill}):
            by_course = {p for p, (_when, c) in done.get(skill, {}).items() if c == course}
            effect.courses.append(
                (course, estimate(rows, first, start, end, min_cards, min_people, trained_only=by_course))
            )
        out.append(effect)
    return out


def as_json(effect: SkillEffect) -> dict:
    e = effect.estimate
    return {
        "skill": effect.skill,
        "trained": {"cards": e.trained.cards, "before": e.trained.before, "after": e.trained.after},
        "comparison": {"cards": e.comparison.cards, "before": e.comparison.before, "after": e.comparison.after},
        "effect": e.effect,
        "ci": list(e.ci) if e.ci else None,
        "enough_data": e.enough_data,
    }
