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
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import String, select, type_coerce

from app.core.rows import rows
from app.extensions import db

Z_95 = 1.959963984540054
Z_80 = 0.8416212335729143


class CardRow(NamedTuple):
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


# ---------------------------------------------------------------- the estimate from sums
# Each side's figures need, over its cards, sums of the passed items x and applicable items y weighted by
# each card's before and after weights (w_b, w_a): the rates Σw·x / Σw·y, and for the variance Σw²·f and
# Σw_a·w_b·f for f in x², x·y, y². They are sums of whole numbers, kept exact; each card's influence on
# a rate r = Σw·x / Σw·y is w·(x − r·y) / Σw·y, so Σ over cards of (a-influence − b-influence)² expands
# into these sums (see _variance). Worked out card by card for each of the 40-odd estimates of a report,
# the same numbers took one to two seconds of CPU on the large demo data; from sums per person (trained side)
# and running sums in time order (comparison side), prepared once per skill (0.5 s), a few milliseconds.

PARTS = 5  # x, y, x², x·y, y²


@dataclass
class _Sums:
    """One side's sums: cards, people, cards with a before or after weight, Σw_b·f and Σw_a·f for f in
    x and y, and Σw_b²·f, Σw_a²·f and Σw_a·w_b·f for f in x², x·y, y²."""

    cards: int = 0
    people: int = 0
    before_cards: int = 0
    after_cards: int = 0
    b: list[int] = field(default_factory=lambda: [0, 0])
    a: list[int] = field(default_factory=lambda: [0, 0])
    bb: list[int] = field(default_factory=lambda: [0, 0, 0])
    aa: list[int] = field(default_factory=lambda: [0, 0, 0])
    ab: list[int] = field(default_factory=lambda: [0, 0, 0])


def _variance(s: _Sums) -> float:
    """n/(n−1) · Σ over cards of (influence on after − influence on before)²: the card-clustered variance
    of after − before (an empty side, or a rate without cards, has none).

    Worked out in fractions, exactly, from the whole-number sums: in floating point its three terms, each
    far larger than a variance near zero, cancelled to a rounding error, and the interval's half-width
    (its square root) came out at 1e-8 where it is 0."""
    if s.cards <= 1:
        return 0.0
    before = Fraction(s.b[0], s.b[1]) if s.b[1] > 0 else None
    after = Fraction(s.a[0], s.a[1]) if s.a[1] > 0 else None

    def quad(q: list[int], r1: Fraction, r2: Fraction) -> Fraction:  # Σ w·w'·(x − r1·y)(x − r2·y)
        xx, xy, yy = q
        return xx - (r1 + r2) * xy + r1 * r2 * yy

    total = Fraction(0)
    if after is not None:
        total += quad(s.aa, after, after) / s.a[1] ** 2
    if before is not None:
        total += quad(s.bb, before, before) / s.b[1] ** 2
    if after is not None and before is not None:
        total -= 2 * quad(s.ab, after, before) / (s.a[1] * s.b[1])
    return float(s.cards * total / (s.cards - 1))  # a sum of squares: never below zero


def _side(s: _Sums) -> tuple[Group, float]:
    before = s.b[0] / s.b[1] if s.b[1] > 0 else None
    after = s.a[0] / s.a[1] if s.a[1] > 0 else None
    group = Group(s.cards, s.before_cards, s.after_cards, s.people, before, after)
    return group, _variance(s)


class Cards:
    """One skill's cards prepared for its estimates (the skill's and each course's): the trained people's
    sums before and after their own completion, and the comparison cards' running sums in visit order.

    Trained: people with cards whose first completion falls in [start, end). Comparison: people with cards
    who had not completed by ``end``. People trained before the period are in neither. ``rows``: the
    skill's :class:`CardRow` (or tuples in their order)."""

    def __init__(self, rows, first_done: dict[int, datetime], start, end):
        rows = [r for r in rows if r[4] > 0]
        self.trained_at, comparison = _groups({r[1] for r in rows}, first_done, start, end)
        # per trained person: cards, cards before, cards after, then Σ before and Σ after of each part
        self.by_person: dict[int, list[int]] = {}
        timed = []
        for _card, person, visited, x, y in rows:
            done = self.trained_at.get(person)
            if done is not None:
                sums = self.by_person.setdefault(person, [0] * (3 + 2 * PARTS))
                sums[0] += 1
                at = 3 if visited < done else 3 + PARTS
                sums[1 if visited < done else 2] += 1
                sums[at] += x
                sums[at + 1] += y
                sums[at + 2] += x * x
                sums[at + 3] += x * y
                sums[at + 4] += y * y
            elif person in comparison:
                timed.append((visited, x, y, person))
        timed.sort(key=itemgetter(0))
        self.times = [t[0] for t in timed]
        self.comparison_people = len({t[3] for t in timed})
        xs, ys = [t[1] for t in timed], [t[2] for t in timed]
        parts = (xs, ys, [x * x for x in xs], [x * y for x, y in zip(xs, ys, strict=True)], [y * y for y in ys])
        # running[k][i]: Σ of part k over the first i comparison cards in visit order
        self.running = [[0, *accumulate(part)] for part in parts]

    def trained(self, only: set[int] | None) -> tuple[_Sums, list[datetime]]:
        """The trained side's sums (of ``only`` these people when given) and their completions, in order."""
        total = [0] * (3 + 2 * PARTS)
        dates = []
        for person, sums in self.by_person.items():
            if only is None or person in only:
                dates.append(self.trained_at[person])
                total = [t + s for t, s in zip(total, sums, strict=True)]
        before, after = total[3 : 3 + PARTS], total[3 + PARTS :]
        side = _Sums(total[0], len(dates), total[1], total[2], before[:2], after[:2], before[2:], after[2:])
        return side, sorted(dates)

    def comparison(self, dates: list[datetime]) -> _Sums:
        """The comparison side's sums for the trained completions ``dates`` (sorted): a comparison card's
        after weight is the number of completions on or before its visit, its before weight the rest."""
        n, m = len(self.times), len(dates)
        side = _Sums(cards=n, people=self.comparison_people)
        if m == 0:
            return side
        total = [running[-1] for running in self.running]
        w_a = [0] * PARTS  # Σ w_a · part
        w_aa = [0] * PARTS  # Σ w_a² · part
        for j, when in enumerate(dates):  # a card counts for each completion on or before its visit
            first = bisect_left(self.times, when)
            for k, running in enumerate(self.running):
                suffix = total[k] - running[first]
                w_a[k] += suffix
                w_aa[k] += (2 * j + 1) * suffix  # Σ over pairs of completions: each pair by its later one
        side.before_cards = bisect_left(self.times, dates[-1])  # visited before the last completion
        side.after_cards = n - bisect_left(self.times, dates[0])  # on or after the first
        side.a = w_a[:2]
        side.b = [m * total[k] - w_a[k] for k in range(2)]
        side.aa = w_aa[2:]
        side.bb = [m * m * total[k] - 2 * m * w_a[k] + w_aa[k] for k in range(2, PARTS)]
        side.ab = [m * w_a[k] - w_aa[k] for k in range(2, PARTS)]
        return side


def _groups(people, first_done, start, end) -> tuple[dict[int, datetime], set[int]]:
    """(trained person -> completion, comparison people) among the people with cards; people trained
    before the period are in neither (and, for one course, those trained by another: :meth:`Cards.trained`)."""
    trained_at: dict[int, datetime] = {}
    comparison: set[int] = set()
    for person in people:
        done = first_done.get(person)
        if done is None or (end is not None and done >= end):
            comparison.add(person)
        elif start is None or done >= start:
            trained_at[person] = done
    return trained_at, comparison


def estimate(
    rows: list[CardRow] | Cards,
    first_done: dict[int, datetime],
    start: datetime | None,
    end: datetime | None,
    min_cards: int,
    min_people: int,
    trained_only: set[int] | None = None,
) -> Estimate:
    """The difference in differences for one skill from its cards in [start, end) and each person's
    first completion of a course training it (``trained_only``: count only these people as trained,
    for the figures of one course; the others trained in the period are left out). ``rows`` may be the
    skill's :class:`Cards`, prepared once for its several estimates."""
    cards = rows if isinstance(rows, Cards) else Cards(rows, first_done, start, end)
    trained_sums, dates = cards.trained(trained_only)
    trained, t_var = _side(trained_sums)
    comparison, c_var = _side(cards.comparison(dates))
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
def _card_rows(period, scope: set[int] | None) -> dict[str, list[tuple]]:
    """Per skill, one row per approved card with an identified person, as :class:`CardRow`'s fields:
    passed and applicable items (the roll-ups keep them per card and skill)."""
    from app.rollups import CardSkill

    # The visit time as the driver gives it (a datetime from PostgreSQL, ISO text from SQLite), parsed
    # here: SQLAlchemy's own parsing of SQLite's text cost more than reading the 500,000 rows.
    visited = type_coerce(CardSkill.visited_at, String)
    stmt = select(
        CardSkill.skill, CardSkill.card_id, CardSkill.employee_id, visited, CardSkill.passed, CardSkill.items
    ).where(period.clause(CardSkill.visited_at))
    if scope is not None:
        stmt = stmt.where(CardSkill.department_id.in_(sorted(scope)))
    out: dict[str, list[tuple]] = {}
    parse = datetime.fromisoformat
    for skill, card, person, when, passed, items in rows(stmt).all():  # fetched at once: 500,000 rows
        out.setdefault(skill, []).append((card, person, parse(when) if type(when) is str else when, passed, items))
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
        first = {person: when for person, (when, _course) in done.get(skill, {}).items()}
        prepared = Cards(cards.get(skill, []), first, start, end)  # once for the skill and its courses
        effect = SkillEffect(skill, estimate(prepared, first, start, end, min_cards, min_people))
        for course in sorted({c for c, s in pairs if s == skill}):
            by_course = {p for p, (_when, c) in done.get(skill, {}).items() if c == course}
            effect.courses.append(
                (course, estimate(prepared, first, start, end, min_cards, min_people, trained_only=by_course))
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
