"""The shipped curriculum works as micro-learning and its questions cannot be passed by length.

These are the measurable targets of the curriculum (issue 21), checked over everything in content/,
including content added later: a case is short and says honestly how long it takes, a quiz has
3-5 questions, the best option is neither usually the longest nor parked at one position, and no
quiz question is a case's own decision point asked again. Every rule is the product's own
(app/content/advice.py, the `content check` warnings); bench/curriculum.py adds them up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content import advice
from app.content.loader import load_directory
from bench.curriculum import (
    HONEST_MINUTES,
    MAX_LONGEST_SHARE,
    MAX_MINUTES,
    MAX_PLACE_SHARE,
    MAX_PROSE_WORDS,
    QUIZ_SIZES,
    estimate,
    items,
    longest,
    places,
    repeated_decisions,
)

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture(scope="module")
def content():
    loaded = load_directory(str(CONTENT))
    assert loaded.ok, [str(p) for p in loaded.problems]
    return loaded


def test_every_case_is_a_micro_unit(content):
    too_long = {
        case.id: advice.prose_words(case)
        for case in content.documents["case"].values()
        if advice.prose_words(case) > MAX_PROSE_WORDS
    }
    assert not too_long, f"cases over {MAX_PROSE_WORDS} words of prose outside decision blocks: {too_long}"


def test_every_case_declares_honest_minutes_of_at_most_five(content):
    wrong = {}
    for case in content.documents["case"].values():
        figure = estimate(content, case)
        if case.minutes is None or case.minutes > MAX_MINUTES or abs(case.minutes - figure) > HONEST_MINUTES:
            wrong[case.id] = (case.minutes, round(figure, 1))
    assert not wrong, f"(declared, estimated) more than {HONEST_MINUTES} apart or over {MAX_MINUTES}: {wrong}"


def test_every_quiz_has_three_to_five_questions(content):
    sizes = {q.id: len(q.questions) for q in content.documents["quiz"].values() if len(q.questions) not in QUIZ_SIZES}
    assert not sizes, f"quizzes outside 3-5 questions: {sizes}"


def test_the_best_option_is_the_longest_in_at_most_a_third(content):
    found = items(content)
    assert len(found) > 50
    count = longest(found)
    assert count / len(found) <= MAX_LONGEST_SHARE, f"best option clearly the longest in {count} of {len(found)}"


def test_no_position_holds_the_best_option_in_more_than_40_percent(content):
    counted = places(items(content))
    total = sum(counted.values())
    worst, count = counted.most_common(1)[0]
    assert count / total <= MAX_PLACE_SHARE, f"position {worst} holds the best option in {count} of {total}"


def test_no_quiz_question_repeats_a_decision_point(content):
    assert repeated_decisions(content) == []


def test_order_questions_score_partially(content):
    order = [
        (quiz.id, q.prompt)
        for quiz in content.documents["quiz"].values()
        for q in quiz.questions
        if q.type == "order" and q.scoring != "partial"
    ]
    assert not order, f"order questions scored all-or-nothing: {order}"


def test_the_counters_catch_a_giveaway_quiz(tmp_path):
    """A case and quiz that give themselves away by length, position, repetition and minutes are counted."""
    (tmp_path / "cases").mkdir()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "skills.yml").write_text('- id: empathy\n  title: {en: Empathy, ru: "Эмпатия"}\n', encoding="utf-8")
    options = (
        "«Нет, это не к нам, обратитесь в банк.»",
        "«Понимаю, как это неприятно. Давайте я сразу всё исправлю сам.»",
        "«Подождите, пожалуйста, в очереди.»",
    )
    decision = "```choice\nЧто сказать?\n- {}\n- [best] {}\n- {}\n```\n".format(*options)
    (tmp_path / "cases" / "c.md").write_text(
        "---\nid: c\ntitle: C\nminutes: 9\nquiz: c\n---\n" + "слово " * 450 + "\n\n" + decision, encoding="utf-8"
    )
    question = "## Что сказать?\n\n- [ ] {}\n- [x] {}\n- [ ] {}\n\n".format(*options)
    (tmp_path / "quizzes" / "c.md").write_text("---\nid: c\ntitle: Q\n---\n" + question * 2, encoding="utf-8")
    loaded = load_directory(str(tmp_path))
    assert loaded.ok, [str(p) for p in loaded.problems]
    case = loaded.documents["case"]["c"]
    assert advice.prose_words(case) == 450 > MAX_PROSE_WORDS
    # 450 words + the decision's 24 at 180 a minute, a decision point, two questions: 2.57 + 0.5 + 1
    assert estimate(loaded, case) == pytest.approx(474 / 180 + 1.5, abs=0.01)
    assert abs(case.minutes - estimate(loaded, case)) > HONEST_MINUTES
    found = items(loaded)
    assert len(found) == 3 and longest(found) == 3 and places(found) == {2: 3}
    assert len(repeated_decisions(loaded)) == 2


def test_the_estimate_grows_with_the_text_by_the_reading_speed(content):
    case = next(iter(content.documents["case"].values()))
    longer = type(case)(**{**case.__dict__, "body": case.body + "\n\n" + "слово " * advice.READING_WPM})
    grown = advice.estimate_minutes(longer)["estimate"] - advice.estimate_minutes(case)["estimate"]
    assert grown == pytest.approx(1.0, abs=0.01)
