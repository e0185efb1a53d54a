"""Scorecard scoring against content-format.md, with hand-computed expectations."""

from fractions import Fraction

from app.content.model import Checklist, ChecklistItem, ChecklistSection
from app.shopping.scoring import score_card


def make(on_critical="zero", pass_percent=80):
    return Checklist(
        kind="checklist",
        id="c",
        title="c",
        channel="visit",
        pass_percent=pass_percent,
        on_critical=on_critical,
        sections=[
            ChecklistSection(
                "Greeting",
                1,
                items=[
                    ChecklistItem("greet", "g"),
                    ChecklistItem("intro", "i"),
                    ChecklistItem("polite", "p", critical=True),
                ],
            ),
            ChecklistSection("Needs", 2, items=[ChecklistItem("open", "o", points=2), ChecklistItem("para", "p")]),
            ChecklistSection("Close", 1.5, items=[ChecklistItem("thanks", "t")]),
        ],
    )


def test_weighted_sections_and_na():
    answers = {"greet": "yes", "intro": "no", "polite": "yes", "open": "yes", "para": "na", "thanks": "na"}
    s = score_card(make(), answers)
    # Greeting 2/3, Needs 2/2 (para n/a), Close left out -> (1*66.67 + 2*100) / 3
    assert s.sections[0].percent == Fraction(200, 3)
    assert s.sections[1].percent == 100
    assert s.sections[2].percent is None
    assert s.total == (Fraction(200, 3) + 200) / 3
    assert s.passed and not s.critical_failed


def test_critical_zero_and_fail():
    answers = {"greet": "yes", "intro": "yes", "polite": "no", "open": "yes", "para": "yes", "thanks": "yes"}
    zero = score_card(make("zero"), answers)
    assert zero.critical_failed and zero.total == 0 and not zero.passed
    assert zero.sections[0].percent == Fraction(200, 3)  # section percents always reported
    fail = score_card(make("fail"), answers)
    assert fail.critical_failed and not fail.passed
    assert fail.total == (Fraction(200, 3) + 200 + Fraction(3, 2) * 100) / Fraction(9, 2)


def test_pass_boundary_is_inclusive():
    answers = {"greet": "yes", "intro": "yes", "polite": "yes", "open": "yes", "para": "yes", "thanks": "yes"}
    assert score_card(make(pass_percent=100), answers).passed
    answers["thanks"] = "no"
    s = score_card(make(pass_percent=100), answers)
    assert not s.passed and s.total == (100 + 200) / Fraction(9, 2)


def test_all_not_applicable_has_no_total():
    answers = {k: "na" for k in ("greet", "intro", "polite", "open", "para", "thanks")}
    s = score_card(make(), answers)
    assert s.total is None and not s.passed


def test_missing_answers_are_listed():
    s = score_card(make(), {"greet": "yes"})
    assert set(s.missing) == {"intro", "polite", "open", "para", "thanks"}
