"""Quiz scoring, exactly as content-format.md says; arithmetic in exact fractions.

A response is a list of option indexes (as written in the file): the chosen
options for single and multiple questions, the learner's order for order questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from app.content.model import Question, Quiz


def _exact(value: float) -> Fraction:
    # Values come from decimal text ("0.5", "2"); going through str keeps them exact.
    return Fraction(str(value))


def question_score(question: Question, response: list[int] | None) -> Fraction:
    """Points earned on one question."""
    p = _exact(question.points)
    if not response:
        return Fraction(0)
    correct = set(question.correct_indexes)
    if question.type == "order":
        n = len(question.options)
        if sorted(response) != list(range(n)):
            return Fraction(0)
        in_place = sum(1 for position, index in enumerate(response) if position == index)
        if question.scoring == "partial":
            return p * Fraction(in_place, n)
        return p if in_place == n else Fraction(0)
    chosen = set(response)
    if question.type == "single":
        return p if len(chosen) == 1 and chosen <= correct else Fraction(0)
    if question.scoring == "partial":
        right = len(chosen & correct)
        wrong = len(chosen - correct)
        return p * max(Fraction(0), Fraction(right - wrong, len(correct)))
    return p if chosen == correct else Fraction(0)


@dataclass
class QuizScore:
    earned: Fraction
    possible: Fraction
    per_question: dict[str, Fraction]

    @property
    def percent(self) -> Fraction:
        return Fraction(0) if self.possible == 0 else 100 * self.earned / self.possible

    def passed(self, pass_percent: float) -> bool:
        return self.percent >= _exact(pass_percent)


def score_quiz(quiz: Quiz, responses: dict[str, list[int]]) -> QuizScore:
    """Score a whole quiz: percent = 100 * sum(earned) / sum(points), unrounded."""
    per_question = {q.key: question_score(q, responses.get(q.key)) for q in quiz.questions}
    return QuizScore(
        earned=sum(per_question.values(), Fraction(0)),
        possible=sum((_exact(q.points) for q in quiz.questions), Fraction(0)),
        per_question=per_question,
    )
