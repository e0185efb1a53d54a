"""The shipped curriculum works as micro-learning and its questions cannot be passed by length.

These are the measurable targets of the curriculum (issue 21), checked over everything in content/,
including content added later: a case is short and says honestly how long it takes, a quiz has
3-5 questions, the best option is neither usually the longest nor parked at one position, and no
quiz question is a case's own decision point asked again. bench/curriculum.py prints the same
counts, from the same functions.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.content.loader import load_directory
from bench.curriculum import (
    MAX_MINUTES,
    MAX_PROSE_WORDS,
    implied_minutes,
    picks,
    prose,
    repeated_decisions,
    words,
)

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture(scope="module")
def content():
    loaded = load_directory(str(CONTENT))
    assert loaded.ok, [str(p) for p in loaded.problems]
    return loaded


def test_every_case_is_a_micro_unit(content):
    too_long = {
        case.id: words(prose(case.body))
        for case in content.documents["case"].values()
        if words(prose(case.body)) > MAX_PROSE_WORDS
    }
    assert not too_long, f"cases over {MAX_PROSE_WORDS} words of prose outside decision blocks: {too_long}"


def test_every_case_declares_honest_minutes_of_at_most_five(content):
    quizzes = content.documents["quiz"]
    wrong = {}
    for case in content.documents["case"].values():
        implied = implied_minutes(case, quizzes.get(case.quiz or ""))
        if case.minutes is None or case.minutes > MAX_MINUTES or abs(case.minutes - implied) > 1:
            wrong[case.id] = (case.minutes, round(implied, 1))
    assert not wrong, f"(declared, implied by reading + decisions + quiz) off or over {MAX_MINUTES}: {wrong}"


def test_implied_minutes_grow_with_the_text(content):
    case = next(iter(content.documents["case"].values()))
    longer = type(case)(**{**case.__dict__, "body": case.body + "\n\n" + "слово " * 360})
    assert implied_minutes(longer, None) == pytest.approx(implied_minutes(case, None) + 2, abs=0.05)


def test_every_quiz_has_three_to_five_questions(content):
    sizes = {q.id: len(q.questions) for q in content.documents["quiz"].values() if not 3 <= len(q.questions) <= 5}
    assert not sizes, f"quizzes outside 3-5 questions: {sizes}"


def test_the_best_option_is_the_longest_in_at_most_a_third(content):
    found = picks(content)
    assert len(found) > 50
    longest = sum(p.best_is_longest for p in found)
    assert longest / len(found) <= 1 / 3, f"best option is the longest in {longest} of {len(found)}"


def test_no_position_holds_the_best_option_in_more_than_40_percent(content):
    found = picks(content)
    positions = Counter(p.best for p in found)
    worst, count = positions.most_common(1)[0]
    assert count / len(found) <= 0.40, f"position {worst + 1} holds the best option in {count} of {len(found)}"


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


def test_the_counters_catch_what_they_count(tmp_path):
    """A quiz that gives itself away by length, position and repetition is counted as such."""
    (tmp_path / "cases").mkdir()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "skills.yml").write_text('- id: empathy\n  title: {en: Empathy, ru: "Эмпатия"}\n', encoding="utf-8")
    decision = (
        "```choice\nЧто сказать?\n- «Нет.»\n- [best] «Понимаю, давайте я сразу всё исправлю сам.»\n- «Ждите.»\n```\n"
    )
    (tmp_path / "cases" / "c.md").write_text(
        "---\nid: c\ntitle: C\nminutes: 9\nquiz: c\n---\n" + "слово " * 450 + "\n\n" + decision, encoding="utf-8"
    )
    question = "## Что сказать?\n\n- [ ] «Нет.»\n- [x] «Понимаю, давайте я сразу всё исправлю сам.»\n- [ ] «Ждите.»\n\n"
    (tmp_path / "quizzes" / "c.md").write_text("---\nid: c\ntitle: Q\n---\n" + question * 2, encoding="utf-8")
    loaded = load_directory(str(tmp_path))
    assert loaded.ok, [str(p) for p in loaded.problems]
    case = loaded.documents["case"]["c"]
    assert words(prose(case.body)) == 450
    found = picks(loaded)
    assert len(found) == 3 and all(p.best_is_longest and p.best == 1 for p in found)
    assert len(repeated_decisions(loaded)) == 2
