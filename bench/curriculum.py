"""Counts over the curriculum in content/: is it micro-learning, and are its options fair?

    .venv/bin/python bench/curriculum.py [DIR]

Prints, per case, its prose word count outside decision blocks, its declared `minutes` and the estimate;
per quiz, its question count; then, over every choice question and decision point, how often the best
option is clearly the longest and at which position it stands; the quiz questions that repeat one of
their case's decision points; and the order questions.

Every rule and figure here is the product's own, from app/content/advice.py (the `content check`
warnings, documented in docs/content.md): this script only adds them up over the whole curriculum.
tests/test_curriculum.py checks the same counts against the targets below.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.content import advice  # noqa: E402
from app.content.loader import ContentSet, load_directory  # noqa: E402

# The targets of the curriculum (issue 21), not rules of the product: content check does not enforce them.
MAX_PROSE_WORDS = 400  # words of a case outside its decision blocks
MAX_MINUTES = 5  # a case's declared minutes, its quiz included
HONEST_MINUTES = 1.0  # declared minutes at most this far from the estimate (content check warns far later)
QUIZ_SIZES = range(3, 6)  # questions in a quiz
MAX_LONGEST_SHARE = 1 / 3  # of the choice items whose best option is clearly the longest
MAX_PLACE_SHARE = 0.40  # of the single-answer items whose best option sits at any one position


def cases(content: ContentSet) -> list:
    return sorted(content.documents["case"].values(), key=lambda c: c.id)


def quiz_of(content: ContentSet, case):
    return content.documents["quiz"].get(case.quiz or "")


def estimate(content: ContentSet, case) -> float:
    return advice.estimate_minutes(case, quiz_of(content, case))["estimate"]


def items(content: ContentSet) -> list[advice.Item]:
    """Every choice question and decision point, as the content check reads them."""
    found = [item for case in cases(content) for item in advice.case_items(case)]
    for quiz in content.documents["quiz"].values():
        found += advice.quiz_items(quiz)
    return found


def longest(found: list[advice.Item]) -> int:
    """How many have their best option clearly the longest (content check's rule)."""
    return sum(advice.longest_margin(item) is not None for item in found)


def places(found: list[advice.Item]) -> Counter:
    """Position -> how many single-answer items keep their best option there."""
    return Counter(place for place in map(advice.best_place, found) if place is not None)


def repeated_decisions(content: ContentSet) -> list[str]:
    """The content check's warnings about quiz questions that repeat a decision point of their case."""
    found = []
    for quiz in content.documents["quiz"].values():
        own = [case for case in content.documents["case"].values() if case.quiz == quiz.id]
        found += [str(a) for a in advice.repeat_advice(quiz, own) if a.msgid == advice.CASE_REPEAT]
    return found


def report(directory: str) -> str:
    content = load_directory(directory)
    out = []
    if content.problems:
        out.append(f"({len(content.problems)} problem(s) in the content; run `flask content check`)")
    out.append("case                          words  min  estimate  decisions")
    for case in cases(content):
        prose, figure = advice.prose_words(case), estimate(content, case)
        honest = case.minutes is not None and abs(case.minutes - figure) <= HONEST_MINUTES
        flag = "" if prose <= MAX_PROSE_WORDS and (case.minutes or 0) <= MAX_MINUTES and honest else " *"
        out.append(f"{case.id:<29} {prose:>5}  {case.minutes or 0:>3}  {figure:>8.1f}  {len(case.choices):>9}{flag}")
    out.append("")
    out.append("quiz                          questions  order")
    order_total = 0
    for quiz in sorted(content.documents["quiz"].values(), key=lambda q: q.id):
        order = sum(1 for q in quiz.questions if q.type == "order")
        order_total += order
        flag = "" if len(quiz.questions) in QUIZ_SIZES else " *"
        out.append(f"{quiz.id:<29} {len(quiz.questions):>9}  {order:>5}{flag}")
    found = items(content)
    n = len(found) or 1
    count = longest(found)
    out.append("")
    out.append(f"choice questions and decision points: {len(found)}")
    out.append(f"best option clearly the longest: {count} ({100 * count / n:.0f} %)")
    counted = places(found)
    total = sum(counted.values()) or 1
    shares = ", ".join(f"{pos}: {cnt} ({100 * cnt / total:.0f} %)" for pos, cnt in sorted(counted.items()))
    out.append(f"position of the only best option: {shares}")
    repeats = repeated_decisions(content)
    out.append(f"quiz questions repeating a decision point's options: {len(repeats)}")
    out.extend(f"  {r}" for r in repeats)
    out.append(f"order questions: {order_total}")
    return "\n".join(out)


if __name__ == "__main__":
    print(report(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "content")))
