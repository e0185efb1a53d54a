"""Counts over the curriculum in content/: is it micro-learning, and are its options fair?

    .venv/bin/python bench/curriculum.py [DIR]

Prints, per case, its prose word count outside decision blocks, its declared `minutes` and the
minutes its length implies; per quiz, its question count; then, over every single-choice question
and every decision point with one best option, how often the best option is the longest one (or the shortest)
and at which position it stands; the number of quiz questions that repeat one of their case's decision
points (two or more options the same); and the number of order questions.

The same functions back tests/test_curriculum.py, so the report and the test count alike.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.content.loader import ContentSet, load_directory  # noqa: E402
from app.content.model import Case, Quiz  # noqa: E402

READING_WPM = 180  # words a minute, an adult reading a short text in their own language
DECISION_MIN = 0.5  # weighing the options of one decision point and reading its feedback
QUESTION_MIN = 0.4  # reading and answering one quiz question
MAX_PROSE_WORDS = 400
MAX_MINUTES = 5
SAME_OPTION = 0.85  # two option texts at least this similar are the same option

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*choice\s*$")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def words(text: str) -> int:
    return len(_WORD.findall(text))


def prose(body: str) -> str:
    """The body of a case without its ```choice blocks."""
    kept: list[str] = []
    fence = None
    for line in body.splitlines():
        if fence is None:
            match = _FENCE.match(line)
            if match:
                fence = match.group(2)
                continue
            kept.append(line)
        elif line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            fence = None
    return "\n".join(kept)


def quiz_minutes(quiz: Quiz | None) -> float:
    return QUESTION_MIN * len(quiz.questions) if quiz else 0.0


def implied_minutes(case: Case, quiz: Quiz | None) -> float:
    """What the case takes: reading its prose, its decisions, its quiz."""
    return words(prose(case.body)) / READING_WPM + DECISION_MIN * len(case.choices) + quiz_minutes(quiz)


@dataclass
class Pick:
    """One single-choice question or decision point: its option lengths and which one is best."""

    where: str
    lengths: list[int]
    best: int

    @property
    def best_is_longest(self) -> bool:
        return self.lengths[self.best] == max(self.lengths)

    @property
    def best_is_shortest(self) -> bool:
        return self.lengths[self.best] == min(self.lengths)


def picks(content: ContentSet) -> list[Pick]:
    found = []
    for case in content.documents["case"].values():
        for n, block in enumerate(case.choices, 1):
            best = [i for i, o in enumerate(block.options) if o.best]
            if len(best) == 1 and len(block.options) > 1:
                found.append(Pick(f"case {case.id} #{n}", [len(o.text) for o in block.options], best[0]))
    for quiz in content.documents["quiz"].values():
        for q in quiz.questions:
            if q.type == "single" and len(q.correct_indexes) == 1:
                found.append(Pick(f"quiz {quiz.id} {q.key}", [len(o.text) for o in q.options], q.correct_indexes[0]))
    return found


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _same(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio() >= SAME_OPTION


def repeated_decisions(content: ContentSet) -> list[str]:
    """Quiz questions whose options repeat (two or more of them) a decision point of their case."""
    found = []
    quizzes = content.documents["quiz"]
    for case in content.documents["case"].values():
        quiz = quizzes.get(case.quiz or "")
        if quiz is None:
            continue
        for q in quiz.questions:
            for block in case.choices:
                same = sum(1 for o in q.options if any(_same(o.text, c.text) for c in block.options))
                if same >= 2:
                    found.append(f"quiz {quiz.id} {q.key} repeats a decision of case {case.id}")
                    break
    return found


def report(directory: str) -> str:
    content = load_directory(directory)
    out = []
    if content.problems:
        out.append(f"({len(content.problems)} problem(s) in the content; run `flask content check`)")
    quizzes = content.documents["quiz"]
    cases = sorted(content.documents["case"].values(), key=lambda c: c.id)
    out.append("case                          words  min  implied  decisions")
    for case in cases:
        implied = implied_minutes(case, quizzes.get(case.quiz or ""))
        flag = " *" if words(prose(case.body)) > MAX_PROSE_WORDS or (case.minutes or 0) > MAX_MINUTES else ""
        out.append(
            f"{case.id:<29} {words(prose(case.body)):>5}  {case.minutes or 0:>3}  {implied:>7.1f}"
            f"  {len(case.choices):>9}{flag}"
        )
    out.append("")
    out.append("quiz                          questions  order")
    order_total = 0
    for quiz in sorted(quizzes.values(), key=lambda q: q.id):
        order = sum(1 for q in quiz.questions if q.type == "order")
        order_total += order
        flag = " *" if not 3 <= len(quiz.questions) <= 5 else ""
        out.append(f"{quiz.id:<29} {len(quiz.questions):>9}  {order:>5}{flag}")
    all_picks = picks(content)
    n = len(all_picks) or 1
    longest = sum(p.best_is_longest for p in all_picks)
    positions = Counter(p.best + 1 for p in all_picks)
    out.append("")
    out.append(f"single-choice questions and decision points: {len(all_picks)}")
    out.append(f"best option is the longest: {longest} ({100 * longest / n:.0f} %)")
    shortest = sum(p.best_is_shortest for p in all_picks)
    out.append(f"best option is the shortest: {shortest} ({100 * shortest / n:.0f} %)")
    shares = ", ".join(f"{pos}: {cnt} ({100 * cnt / n:.0f} %)" for pos, cnt in sorted(positions.items()))
    out.append(f"position of the best option: {shares}")
    repeats = repeated_decisions(content)
    out.append(f"quiz questions repeating a decision point's options: {len(repeats)}")
    out.extend(f"  {r}" for r in repeats)
    out.append(f"order questions: {order_total}")
    return "\n".join(out)


if __name__ == "__main__":
    print(report(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "content")))
