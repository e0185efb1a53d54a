"""The honest training effect on planted data: a staggered roll-out with a known effect, a planted null,
and too little data. The estimate must find the effect inside its interval, cover zero for the null, and
withhold figures below the minimum."""

import math
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.api.auth import create_token
from app.content import services as content
from app.extensions import db
from app.learning.models import CourseCompletion
from app.people import services as people
from app.reports import did
from app.shopping.models import Scorecard, ScorecardAnswer

SAMPLES = Path(__file__).parent / "samples"
START = datetime(2026, 1, 1)


def _plant(make_user, effect: float, trained: int = 30, comparison: int = 30, seed: int = 24) -> dict:
    """A roll-out over 2026: department A's people complete the complaints course (which trains empathy)
    at staggered dates from April to September, department B's not at all. Everyone's empathy item
    ('polite') passes with 50 % in the first half of the year and 60 % after (a trend the comparison
    removes); a trained person's passes ``effect`` more often after their completion. 12 monthly visits
    each."""
    rng = random.Random(seed)
    a = people.create_department(None, "Отдел А", None)
    b = people.create_department(None, "Отдел Б", None)
    db.session.commit()
    shopper = make_user("shopper", email="shop@example.com")
    checklist = content.published("checklist", "branch-visit")
    course = content.published("course", "complaint-handling")
    for group, dept, n in (("t", a, trained), ("c", b, comparison)):
        for i in range(n):
            person = make_user("employee", email=f"{group}{i}@example.com", department=dept)
            done = START + timedelta(days=90 + (180 * i) // max(1, n)) if group == "t" else None
            if done is not None:
                db.session.add(CourseCompletion(user_id=person.id, course_item_id=course.item_id, completed_at=done))
            for month in range(12):
                visited = datetime(2026, month + 1, 10 + i % 10, 11, 0)
                p = 0.5 + (0.1 if month >= 6 else 0) + (effect if done is not None and visited >= done else 0)
                card = Scorecard(
                    checklist_version_id=checklist.id,
                    department_id=dept.id,
                    shopper_id=shopper.id,
                    employee_id=person.id,
                    visited_at=visited,
                    status="approved",
                )
                card.answers = [
                    ScorecardAnswer(position=0, section=0, item_id="polite", skill="empathy",
                                    answer="yes" if rng.random() < p else "no"),
                    ScorecardAnswer(position=1, section=0, item_id="greet-30s", skill="greeting", answer="yes"),
                ]  # fmt: skip
                db.session.add(card)
    db.session.commit()
    return {"a": a, "b": b}


def _api(client, make_user, query="from=2026-01-01&to=2026-12-31"):
    hr = make_user("hr", email="hr@example.com")
    token = create_token(hr, "t")[1]
    db.session.commit()
    return client.get(f"/api/v1/reports/effect?{query}", headers={"Authorization": f"Bearer {token}"})


def _skill(body, skill):
    return next(s for s in body["skills"] if s["skill"] == skill)


@pytest.fixture
def sample(runner):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])


def test_a_planted_effect_lies_inside_the_interval(client, sample, make_user):
    _plant(make_user, effect=0.25)
    response = _api(client, make_user)
    assert response.status_code == 200
    row = _skill(response.get_json(), "empathy")
    assert row["enough_data"] is True
    assert row["trained"]["cards"] == 30 * 12 and row["comparison"]["cards"] == 30 * 12
    low, high = row["ci"]
    assert low <= 0.25 <= high
    assert low > 0  # and the data can tell it from no effect
    assert row["effect"] == pytest.approx((row["trained"]["after"] - row["trained"]["before"])
                                          - (row["comparison"]["after"] - row["comparison"]["before"]))  # fmt: skip
    # The trained group's raw change includes the year's trend; the comparison's change is that trend.
    assert 0.0 < row["comparison"]["after"] - row["comparison"]["before"] < 0.2
    assert set(row) == {"skill", "trained", "comparison", "effect", "ci", "enough_data"}


def test_a_planted_null_has_an_interval_covering_zero(client, sample, make_user):
    _plant(make_user, effect=0.0)
    body = _api(client, make_user).get_json()
    row = _skill(body, "empathy")
    assert row["enough_data"] is True
    low, high = row["ci"]
    assert low < 0 < high
    # Only skills a course trains are listed (greeting is not); one without cards has no figures.
    assert {s["skill"] for s in body["skills"]} == {"complaint-handling", "empathy"}
    assert _skill(body, "complaint-handling")["enough_data"] is False


def test_below_the_minimum_there_are_no_figures_and_the_page_says_how_many_more(client, auth, sample, make_user):
    _plant(make_user, effect=0.25, trained=3, comparison=30)
    row = _skill(_api(client, make_user).get_json(), "empathy")
    assert row["enough_data"] is False
    assert row["effect"] is None and row["ci"] is None
    assert row["trained"]["before"] is None and row["trained"]["after"] is None
    assert row["trained"]["cards"] == 36
    auth.login("hr@example.com")
    page = client.get("/reports/effect?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert "Not enough data yet." in page
    assert "2 more trained people are needed." in page  # 5 people at the least, 3 trained
    assert "<svg" in page and "How the effect is measured" in page


def test_inverted_or_bad_dates_are_a_400_and_other_roles_are_refused(client, sample, make_user):
    hr = make_user("hr", email="hr@example.com")
    hr_headers = {"Authorization": f"Bearer {create_token(hr, 't')[1]}"}
    db.session.commit()
    for query in ("from=2026-12-31&to=2026-01-01", "from=yesterday", "to=2026-02-30"):
        answer = client.get(f"/api/v1/reports/effect?{query}", headers=hr_headers)
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == 400
    token = create_token(make_user("employee", email="e@example.com"), "t")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/reports/effect?from=yesterday", headers=headers).status_code == 403


def test_the_estimate_matches_a_hand_computation():
    """Two trained people, two comparison people, fixed cards: every figure by hand."""
    d = datetime

    def row(card, person, when, passed, items=1):
        return did.CardRow(card, person, when, passed, items)

    done = {1: d(2026, 6, 1), 2: d(2026, 8, 1)}
    rows = [
        row(1, 1, d(2026, 5, 1), 0), row(2, 1, d(2026, 7, 1), 1),  # trained 1: before 0/1, after 1/1
        row(3, 2, d(2026, 5, 1), 1), row(4, 2, d(2026, 9, 1), 1),  # trained 2: before 1/1, after 1/1
        row(5, 3, d(2026, 5, 1), 0), row(6, 3, d(2026, 7, 1), 1),  # comparison
        row(7, 4, d(2026, 9, 1), 0, 2),
    ]  # fmt: skip
    e = did.estimate(rows, done, d(2026, 1, 1), d(2027, 1, 1), min_cards=1, min_people=2)
    assert e.enough_data
    assert (e.trained.before, e.trained.after) == (0.5, 1.0)
    # Comparison card 5 (May) lies before both completions (weight 2 before); card 6 (July) after the
    # June one and before the August one; card 7 (September) after both (weight 2, two items each).
    assert e.comparison.before == pytest.approx((2 * 0 + 1 * 1) / (2 + 1))
    assert e.comparison.after == pytest.approx((1 * 1 + 2 * 0) / (1 + 2 * 2))
    assert e.effect == pytest.approx(0.5 - (0.2 - 1 / 3))
    assert e.ci[0] < e.effect < e.ci[1]
    assert e.mde == pytest.approx((did.Z_95 + did.Z_80) * e.se)
    assert (e.trained.cards, e.comparison.cards) == (4, 3)
    # Raising the minimum withholds the figures and says how many more visits each window needs.
    short = did.estimate(rows, done, d(2026, 1, 1), d(2027, 1, 1), min_cards=3, min_people=2)
    assert not short.enough_data and short.effect is None
    assert short.more_visits == (3 - 2) + (3 - 2) + (3 - 2) + (3 - 2)


def test_a_scoped_hr_person_sees_only_the_cards_of_their_departments(client, sample, make_user):
    depts = _plant(make_user, effect=0.25, trained=8, comparison=8)
    admin = make_user("admin", email="admin@example.com")
    scoped = make_user("hr", email="scoped@example.com", department=depts["a"])
    people.set_scope(admin, scoped, depts["a"])
    token = create_token(scoped, "t")[1]
    db.session.commit()
    body = client.get("/api/v1/reports/effect", headers={"Authorization": f"Bearer {token}"}).get_json()
    row = _skill(body, "empathy")
    # Only department A's cards: its trained people, and nobody to compare them with.
    assert row["trained"]["cards"] == 8 * 12 and row["comparison"]["cards"] == 0
    assert row["enough_data"] is False and row["effect"] is None


# ---------------------------------------------------------------- the estimate against its definition
def _by_definition(rows, first_done, start, end, trained_only=None):
    """The four rates and the variances worked out card by card, as docs/training-effect.md defines them:
    each card weighted before/after (a trained person's by their own completion, a comparison card once
    for every trained completion it lies before or after), each card's influence on each rate."""
    import bisect

    rows = [r for r in rows if r.items > 0]
    trained_at, comparison = {}, set()
    for person in {r.person for r in rows}:  # trained in the period (by this course), or not by its end
        done = first_done.get(person)
        if done is None or (end is not None and done >= end):
            comparison.add(person)
        elif (start is None or done >= start) and (trained_only is None or person in trained_only):
            trained_at[person] = done
    dates = sorted(trained_at.values())

    def side(side_rows, before_w, after_w):
        def ratio(weights):
            total = sum(w * r.items for r, w in zip(side_rows, weights, strict=True))
            if total <= 0:
                return None, [0.0] * len(side_rows)
            rate = sum(w * r.passed for r, w in zip(side_rows, weights, strict=True)) / total
            return rate, [w * (r.passed - rate * r.items) / total for r, w in zip(side_rows, weights, strict=True)]

        (before, b), (after, a) = ratio(before_w), ratio(after_w)
        n = len(side_rows)
        variance = n / (n - 1) * sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) if n > 1 else 0.0
        return before, after, variance, sum(1 for w in before_w if w), sum(1 for w in after_w if w)

    t_rows = [r for r in rows if r.person in trained_at]
    t_before = [1.0 if r.visited_at < trained_at[r.person] else 0.0 for r in t_rows]
    c_rows = [r for r in rows if r.person in comparison]
    c_after = [float(bisect.bisect_right(dates, r.visited_at)) for r in c_rows]
    return (
        side(t_rows, t_before, [1.0 - w for w in t_before]),
        side(c_rows, [len(dates) - w for w in c_after], c_after),
    )


CARDS = st.lists(
    st.tuples(st.integers(1, 9), st.integers(0, 400), st.integers(0, 6), st.integers(0, 6)),  # person, day, x, y
    min_size=0,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(
    cards=CARDS,
    completions=st.dictionaries(st.integers(1, 9), st.integers(-30, 430), max_size=9),
    window=st.sampled_from([(None, None), (0, 365), (100, 200)]),
    only=st.one_of(st.none(), st.sets(st.integers(1, 9))),
)
# Each rate from one card, so each card's influence and the variance are exactly 0: from the sums in
# floating point it came out at 1.8e-17, a standard error of 4e-9 (found by this test in a run of the suite).
@example(
    cards=[(1, 252, 3, 6), (3, 302, 1, 5), (4, 209, 5, 2)],
    completions={2: 183, 3: 255, 4: 237},
    window=(None, None),
    only=None,
)
def test_the_estimate_from_sums_equals_its_definition_card_by_card(cards, completions, window, only):
    """The report works the estimate out from sums (per person, running sums in visit order); for any cards,
    completions, period and course it gives what the definition gives card by card."""
    day0 = datetime(2026, 1, 1)
    rows = [
        did.CardRow(n, person, day0 + timedelta(days=day, minutes=n), min(x, y), y)
        for n, (person, day, x, y) in enumerate(cards)
    ]
    first_done = {person: day0 + timedelta(days=day, hours=12) for person, day in completions.items()}
    start, end = (None if w is None else day0 + timedelta(days=w) for w in window)
    e = did.estimate(rows, first_done, start, end, min_cards=0, min_people=0, trained_only=only)
    (tb, ta, tv, tbc, tac), (cb, ca, cv, cbc, cac) = _by_definition(rows, first_done, start, end, only)
    assert (e.trained.before_cards, e.trained.after_cards, e.comparison.before_cards, e.comparison.after_cards) == (
        tbc,
        tac,
        cbc,
        cac,
    )
    rates = (tb, ta, cb, ca)
    assert e.enough_data == all(r is not None for r in rates)  # no minimum asked: only an empty rate withholds
    if e.enough_data:
        got = (e.trained.before, e.trained.after, e.comparison.before, e.comparison.after)
        assert got == pytest.approx(rates, rel=1e-9, abs=1e-12)
        assert e.se == pytest.approx(math.sqrt(tv + cv), rel=1e-7, abs=1e-9)
