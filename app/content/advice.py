"""Advice for authors: warnings about quizzes and cases that can be passed without reading them.

Errors (:class:`~app.content.model.Problem`) make a file unusable; these warnings do not. They point at
what lets a learner guess instead of think, each at the line to change:

- the correct (best) option is the longest in most questions (decision points);
- the correct (best) option keeps the same position across the questions (decision points);
- a question repeats the options of another question, or of a decision point of its case;
- a case declares ``minutes`` far from what its length implies (see :func:`estimate_minutes`);
- the text right after a decision point names, or quotes, the option the character chose
  (:mod:`app.content.giveaway`).

``content check`` prints them as ``path:line: warning: ...`` and fails on them only with ``--strict``;
the browser editor lists them, translated, under the errors.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from app.content.blocks import FENCE_RE, closes_fence
from app.content.common import normalise_text
from app.content.giveaway import ChoiceSpan, choice_spans, giveaways


def N_(message: str) -> str:  # noqa: N802 - the marker gettext tools look for
    """Mark a message for translation; it is translated where it is shown (the editor), not here."""
    return message


# ---------------------------------------------------------------- thresholds (documented in docs/content.md)
LONGEST_MARGIN = 0.10  # the best option counts as "the longest" when it is 10 % longer than every other one
MOST_SHARE = 0.5  # "most": more than half of the questions (decision points) ...
MOST_MIN = 2  # ... and at least two of them
SAME_PLACE_MIN = 3  # the same position holds the best option in at least three items (or in both of two)
REPEAT_MIN = 2  # a question repeats another when it shares at least two options with it
REPEAT_MIN_CHARS = 12  # options shorter than this ("Yes", "True") are not compared
REPEAT_SIMILARITY = 0.8  # normalised texts this similar (difflib's ratio) count as the same option ...
REPEAT_WORDS = 0.75  # ... and so do two whose shorter one has this share of its words in the other
REPEAT_WORDS_MIN = 4  # (when it has at least four words)
READING_WPM = 180  # words a minute: a learner reading a story on a screen, in Russian, English or Bulgarian
DECISION_MINUTES = 0.5  # weighing the options of a decision point and reading the feedback
QUESTION_MINUTES = 0.5  # reading a quiz question and its options, answering, reading the explanation
MINUTES_FACTOR = 2.0  # "far": more than twice or less than half the estimate ...
MINUTES_GAP = 3.0  # ... or more than three minutes off
MINUTES_GAP_MIN = 1.0  # (twice or half is not far when it is less than a minute off)

WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
PUNCT_RE = re.compile(r"[^\w\s]+")


@dataclass
class Advice:
    """One warning: a file, a line and a message kept untranslated with its values."""

    path: str
    line: int
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The message in English (the command line prints errors in English too)."""
        return self.msgid % self.params if self.params else self.msgid

    def translated(self) -> str:
        """The message in the reader's language (needs an application context)."""
        from app.core.i18n import gettext

        return gettext(self.msgid, **self.params)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.message}"


@dataclass
class Item:
    """A question or a decision point, reduced to what the rules read."""

    line: int
    options: list[str]
    best: list[bool]


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower().replace("ё", "е"))


def normalised(text: str) -> str:
    """An option's text for comparison: lower case, no quotes, punctuation or Markdown, single spaces."""
    return " ".join(words(PUNCT_RE.sub(" ", text)))


def _length(text: str) -> int:
    return len(normalised(text))


# ---------------------------------------------------------------- what the rules read
def quiz_items(quiz) -> list[Item]:
    """The choice questions of a quiz (order questions have no wrong option to compare)."""
    return [
        Item(q.line, [o.text for o in q.options], [o.correct for o in q.options])
        for q in quiz.questions
        if q.type != "order" and len(q.options) >= 2 and any(o.correct for o in q.options)
    ]


def case_items(case) -> list[Item]:
    return [
        Item(c.line, [o.text for o in c.options], [o.best for o in c.options])
        for c in case.choices
        if len(c.options) >= 2 and any(o.best for o in c.options)
    ]


# ---------------------------------------------------------------- the longest option
def longest_margin(item: Item) -> float | None:
    """How much longer the longest right option is than every wrong one (0.4 = 40 %), or None when it is
    not clearly the longest."""
    right = [_length(t) for t, ok in zip(item.options, item.best, strict=True) if ok]
    wrong = [_length(t) for t, ok in zip(item.options, item.best, strict=True) if not ok]
    if not right or not wrong or max(wrong) == 0:
        return None
    margin = max(right) / max(wrong) - 1
    return margin if margin >= LONGEST_MARGIN else None


def longest_advice(path: str, line: int, items: list[Item], msgid: str) -> list[Advice]:
    margins = [m for m in (longest_margin(item) for item in items) if m is not None]
    if len(margins) < MOST_MIN or len(margins) <= MOST_SHARE * len(items):
        return []
    average = round(100 * sum(margins) / len(margins))
    return [Advice(path, line, msgid, {"count": len(margins), "total": len(items), "margin": average})]


QUIZ_LONGEST = N_(
    "the correct option is the longest in %(count)d of %(total)d questions, by %(margin)d %% on average: "
    "learners pass by picking the longest; make the wrong options as long and as plausible"
)
CASE_LONGEST = N_(
    "the best option is the longest in %(count)d of %(total)d decision points, by %(margin)d %% on average: "
    "learners learn to pick the longest; make the other options as long and as plausible"
)


# ---------------------------------------------------------------- the same position
def best_place(item: Item) -> int | None:
    """The position (1, 2, ...) of the only right option, or None when several are right."""
    return item.best.index(True) + 1 if sum(item.best) == 1 else None


def position_advice(path: str, line: int, items: list[Item], msgid: str) -> list[Advice]:
    places = [place for place in map(best_place, items) if place is not None]
    if len(places) < 2:
        return []
    place, count = Counter(places).most_common(1)[0]
    enough = count >= SAME_PLACE_MIN or count == len(places) == 2
    if not enough or count <= MOST_SHARE * len(places):
        return []
    return [Advice(path, line, msgid, {"position": place, "count": count, "total": len(places)})]


QUIZ_POSITION = N_(
    "the correct option is option %(position)d in %(count)d of %(total)d questions: "
    "vary its place (shuffling hides it on the site, not in an export or on paper)"
)
CASE_POSITION = N_("the best option is option %(position)d in %(count)d of %(total)d decision points: vary its place")


# ---------------------------------------------------------------- repeated options
def _comparable(options: list[str]) -> list[str]:
    return [text for text in (normalised(o) for o in options) if len(text) >= REPEAT_MIN_CHARS]


class _Indexed:
    """A normalised option made ready to be compared with many others: its words, how often each
    character occurs in it, and (once a comparison gets that far) a difflib matcher whose second
    sequence it is, so that difflib indexes its characters once for every text compared with it."""

    __slots__ = ("text", "words", "word_set", "counts", "_masks", "_matcher")

    def __init__(self, text: str):
        self.text = text
        self.words = text.split()
        self.word_set = set(self.words)
        self.counts = Counter(text)
        self._masks: dict[str, int] | None = None
        self._matcher: SequenceMatcher | None = None

    def common_subsequence(self, text: str) -> int:
        """The length of the longest common subsequence of ``text`` and this option (the bit-vector
        algorithm of Allison and Dix: one pass over ``text``, this option's positions of each character
        as the bits of an integer). difflib's matching blocks are such a subsequence, so its ratio is at
        most twice this over the two lengths: a bound that is exact in order, unlike quick_ratio's."""
        if self._masks is None:
            self._masks = {}
            for i, char in enumerate(self.text):
                self._masks[char] = self._masks.get(char, 0) | 1 << i
        width = (1 << len(self.text)) - 1
        row = width
        for char in text:
            matches = row & self._masks.get(char, 0)
            row = ((row + matches) | (row - matches)) & width
        return len(self.text) - row.bit_count()

    def ratio_with(self, text: str) -> float:
        """difflib's ratio of ``text`` against this option."""
        if self._matcher is None:
            self._matcher = SequenceMatcher(None, "", self.text)
        self._matcher.set_seq1(text)
        return self._matcher.ratio()


def _indexed(texts: list[str]) -> list[_Indexed]:
    return [_Indexed(text) for text in texts]


def same_option(text: str, other: str) -> bool:
    """Whether two normalised option texts say the same thing: equal, nearly equal, or one written into
    the other ("With an apology: «...»")."""
    return _same(_Indexed(text), _Indexed(other))


def _same(mine: _Indexed, other: _Indexed) -> bool:
    if mine.text == other.text:
        return True
    # Two upper bounds of difflib's ratio first, cheap to compute, where most pairs stop: its
    # real_quick_ratio (the lengths) and quick_ratio (the characters in common, whatever their order),
    # the latter counted here from each text's character counts, made once per text.
    length = len(mine.text) + len(other.text)
    if 2.0 * min(len(mine.text), len(other.text)) / length >= REPEAT_SIMILARITY:
        common = sum(min(n, other.counts[c]) for c, n in mine.counts.items() if c in other.counts)
        if (
            2.0 * common / length >= REPEAT_SIMILARITY
            and 2.0 * other.common_subsequence(mine.text) / length >= REPEAT_SIMILARITY
            and other.ratio_with(mine.text) >= REPEAT_SIMILARITY
        ):
            return True
    short, found = (mine.words, other.word_set) if len(mine.words) <= len(other.words) else (other.words, mine.word_set)
    if len(short) < REPEAT_WORDS_MIN:
        return False
    return sum(word in found for word in short) >= REPEAT_WORDS * len(short)


def shared_options(mine: list[_Indexed], theirs: list[_Indexed]) -> int:
    """How many of ``mine`` are also, or nearly, among ``theirs``."""
    return sum(any(_same(text, other) for other in theirs) for text in mine)


def repeat_advice(quiz, cases: list) -> list[Advice]:
    """A question that repeats the options of an earlier question, or of a decision point of a case that
    names this quiz: warned at the repeating question."""
    advice: list[Advice] = []
    seen: list[tuple[int, int, list[_Indexed]]] = []  # (question number, line, options)
    # each decision point's options normalised and indexed once, for every question compared with them
    points = [(case, c, _indexed(_comparable([o.text for o in c.options]))) for case in cases for c in case.choices]
    for number, q in enumerate(quiz.questions, start=1):
        mine = _indexed(_comparable([o.text for o in q.options]))
        for case, choice, theirs in points:
            shared = shared_options(mine, theirs)
            if shared >= REPEAT_MIN:
                advice.append(
                    Advice(quiz.path, q.line, CASE_REPEAT, {"count": shared, "path": case.path, "line": choice.line})
                )
                break
        else:
            for other, other_line, theirs in seen:
                shared = shared_options(mine, theirs)
                if shared >= REPEAT_MIN:
                    advice.append(
                        Advice(
                            quiz.path, q.line, QUESTION_REPEAT, {"count": shared, "other": other, "line": other_line}
                        )
                    )
                    break
        seen.append((number, q.line, mine))
    return advice


QUESTION_REPEAT = N_(
    "this question repeats %(count)d options of question %(other)d (line %(line)d): ask about something new"
)
CASE_REPEAT = N_(
    "this question repeats %(count)d options of the decision point at %(path)s:%(line)d: "
    "test the principle in a new situation instead of the story's own choice"
)


# ---------------------------------------------------------------- minutes
def prose(case) -> str:
    """The body of a case without its ``choice`` blocks: the story, the analysis and the takeaway."""
    kept: list[str] = []
    fence = None
    for line in case.body.split("\n"):
        match = FENCE_RE.match(line)
        if fence is None and match and match.group(3) == "choice":
            fence = match.group(2)
        elif fence is not None:
            if closes_fence(match, fence):
                fence = None
        else:
            kept.append(line)
    return "\n".join(kept)


def prose_words(case) -> int:
    """How many words a case has outside its decision blocks (a micro unit keeps this to about 400)."""
    return len(words(prose(case)))


def reading_words(case) -> int:
    """The words a learner reads in a case: its prose, and the prompt and options of each decision point
    (the feedback of the option chosen is counted in DECISION_MINUTES)."""
    texts = [prose(case)]
    for choice in case.choices:
        texts.append(choice.prompt)
        texts.extend(o.text for o in choice.options)
    return len(words("\n".join(texts)))


def estimate_minutes(case, quiz=None) -> dict[str, Any]:
    """What a case and its quiz take, the one formula of the product: the case's reading words at
    READING_WPM, plus DECISION_MINUTES a decision point, plus QUESTION_MINUTES a quiz question."""
    count = reading_words(case)
    questions = len(quiz.questions) if quiz is not None else 0
    minutes = count / READING_WPM + DECISION_MINUTES * len(case.choices) + QUESTION_MINUTES * questions
    return {"estimate": minutes, "words": count, "decisions": len(case.choices), "questions": questions}


def minutes_advice(case, quiz=None) -> list[Advice]:
    if not case.minutes:
        return []
    figures = estimate_minutes(case, quiz)
    estimate, declared = figures["estimate"], case.minutes
    gap = abs(estimate - declared)
    far = estimate > MINUTES_FACTOR * declared or estimate < declared / MINUTES_FACTOR
    if not (far and gap >= MINUTES_GAP_MIN) and gap <= MINUTES_GAP:
        return []
    params = {**figures, "declared": declared, "estimate": max(1, round(estimate)), "wpm": READING_WPM}
    msgid = MINUTES_WITH_QUIZ if quiz is not None else MINUTES
    return [Advice(case.path, case.meta_lines.get("minutes", 1), msgid, params)]


MINUTES = N_(
    "'minutes: %(declared)d' is far from the estimate of %(estimate)d minutes "
    "(%(words)d words at %(wpm)d words a minute, decision points: %(decisions)d)"
)
MINUTES_WITH_QUIZ = N_(
    "'minutes: %(declared)d' is far from the estimate of %(estimate)d minutes "
    "(%(words)d words at %(wpm)d words a minute, decision points: %(decisions)d, quiz questions: %(questions)d)"
)


# ---------------------------------------------------------------- the text after a decision point
def giveaway_advice(case) -> list[Advice]:
    lines = normalise_text(case.source).split("\n") if case.source else []
    advice = []
    for span in choice_spans(lines, [c.line for c in case.choices]):
        choice = next(c for c in case.choices if c.line == span.opened)
        for line, kind, detail in giveaways(lines, span, [o.text for o in choice.options]):
            msgid = GIVEAWAY_NAMED if kind == "named" else GIVEAWAY_QUOTED
            advice.append(Advice(case.path, line, msgid, {"words": detail, "line": span.opened}))
    return advice


GIVEAWAY_NAMED = N_(
    'the text after the decision point at line %(line)d names the option chosen ("%(words)s"): '
    "let the story go on without saying which one, or say it in the analysis"
)
GIVEAWAY_QUOTED = N_(
    "the text after the decision point at line %(line)d quotes option %(words)s: "
    "the learner sees the answer before choosing; let the story go on without it"
)


# ---------------------------------------------------------------- a whole set, or one document
def advise_quiz(quiz, cases: list | None = None) -> list[Advice]:
    items = quiz_items(quiz)
    line = quiz.meta_lines.get("id", 1)
    return (
        longest_advice(quiz.path, line, items, QUIZ_LONGEST)
        + position_advice(quiz.path, line, items, QUIZ_POSITION)
        + repeat_advice(quiz, cases or [])
    )


def advise_case(case, quiz=None) -> list[Advice]:
    items = case_items(case)
    line = case.meta_lines.get("id", 1)
    return (
        longest_advice(case.path, line, items, CASE_LONGEST)
        + position_advice(case.path, line, items, CASE_POSITION)
        + minutes_advice(case, quiz)
        + giveaway_advice(case)
    )


def advise(documents: dict[str, dict]) -> list[Advice]:
    """Every warning about the cases and quizzes of a loaded content set (``ContentSet.documents``)."""
    cases, quizzes = documents.get("case", {}), documents.get("quiz", {})
    advice: list[Advice] = []
    for case in cases.values():
        advice += advise_case(case, quizzes.get(case.quiz) if case.quiz else None)
    naming: dict[str, list] = {}
    for case in cases.values():
        naming.setdefault(case.quiz, []).append(case)
    for quiz in quizzes.values():
        advice += advise_quiz(quiz, naming.get(quiz.id, []))
    advice.sort(key=lambda a: (a.path, a.line))
    return advice


__all__ = [
    "Advice",
    "ChoiceSpan",
    "advise",
    "advise_case",
    "advise_quiz",
    "estimate_minutes",
    "prose_words",
]
