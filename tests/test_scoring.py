"""Quiz scoring against the formulas of content-format.md."""

from fractions import Fraction

import pytest

from app.content.model import Option, Question, Quiz
from app.learning.scoring import question_score, score_quiz


def q(type_, correct, n=4, points=1.0, scoring="all", key="q1"):
    return Question(
        key=key,
        prompt="?",
        type=type_,
        scoring=scoring,
        points=points,
        options=[Option(text=str(i), correct=i in correct) for i in range(n)],
    )


@pytest.mark.parametrize(
    "response, expected",
    [([1], 2), ([0], 0), ([], 0), (None, 0), ([0, 1], 0)],
)
def test_single(response, expected):
    assert question_score(q("single", {1}, points=2), response) == expected


@pytest.mark.parametrize(
    "response, expected",
    [([0, 1], 3), ([1, 0], 3), ([0], 0), ([0, 1, 2], 0), ([], 0)],
)
def test_multiple_all(response, expected):
    assert question_score(q("multiple", {0, 1}, points=3), response) == expected


@pytest.mark.parametrize(
    "response, expected",
    [
        ([0, 1, 2], Fraction(3)),  # all right
        ([0, 1], Fraction(2)),  # 2 right of 3
        ([0, 3], Fraction(0)),  # 1 right 1 wrong -> 0
        ([0, 1, 3], Fraction(1)),  # (2-1)/3 * 3
        ([3], Fraction(0)),  # never negative
        ([0], Fraction(1)),
    ],
)
def test_multiple_partial(response, expected):
    assert question_score(q("multiple", {0, 1, 2}, n=4, points=3, scoring="partial"), response) == expected


def test_order_all_and_partial():
    all_ = q("order", {0, 1, 2, 3}, points=2)
    partial = q("order", {0, 1, 2, 3}, points=2, scoring="partial")
    assert question_score(all_, [0, 1, 2, 3]) == 2
    assert question_score(all_, [1, 0, 2, 3]) == 0
    assert question_score(partial, [1, 0, 2, 3]) == 1  # 2 of 4 in place
    assert question_score(partial, [3, 2, 1, 0]) == 0
    assert question_score(partial, [0, 1, 3, 2]) == 1


def test_percent_is_exact_and_pass_is_inclusive():
    # 2.4 of 3 points is exactly 80 %, which passes at pass_percent 80 (floats would say 79.999...).
    quiz = Quiz(
        kind="quiz",
        id="x",
        title="x",
        pass_percent=80,
        questions=[
            q("single", {0}, n=2, points=2.4, key="a"),
            q("single", {0}, n=2, points=0.6, key="b"),
        ],
    )
    score = score_quiz(quiz, {"a": [0], "b": [1]})
    assert score.percent == 80 and score.passed(80)
    assert not score.passed(80.1)


def test_whole_quiz_example_from_the_spec():
    quiz = Quiz(
        kind="quiz",
        id="x",
        title="x",
        pass_percent=80,
        questions=[
            q("single", {1}, n=2, points=2, key="q1"),
            q("multiple", {0, 1}, n=3, scoring="partial", key="q2"),
            q("order", {0, 1, 2, 3}, key="q3"),
        ],
    )
    score = score_quiz(quiz, {"q1": [1], "q2": [0, 2], "q3": [0, 1, 2, 3]})
    # 2 + 0 (1 right - 1 wrong) + 1 = 3 of 4
    assert score.earned == 3 and score.possible == 4 and score.percent == 75
    assert not score.passed(80)
