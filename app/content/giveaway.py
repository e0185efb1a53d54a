"""The text right after a decision point that gives its answer away, in Russian, English and Bulgarian.

The learner reads a case top to bottom: what follows a ``choice`` block (up to the next heading or
code block) is in view while choosing. It gives the answer away when it names the option by its place
("выбирает третий вариант", "вариант 3", "chooses option 2", "picks the third", "избира третия
вариант") or quotes a large part of an option's text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from app.content.blocks import FENCE_RE, closes_fence

QUOTE_MIN_WORDS = 4  # a quotation is at least four words in a row of an option ...
QUOTE_SHARE = 0.5  # ... and at least half of its words

_ORDINALS = (
    (r"перв|първ|first|1st", 1),
    (r"втор|second|2nd", 2),
    (r"трет|third|3rd", 3),
    (r"четв[её]рт|четвърт|fourth|4th", 4),
    (r"пят|пет|fifth|5th", 5),
    (r"шест|sixth|6th", 6),
    (r"последн|last", -1),
)
ORDINAL = r"(?:перв|първ|втор|трет|четв[её]рт|четвърт|пят|пет|шест|последн)[а-яё]*|first|second|third|fourth|fifth|sixth|last|[1-6](?:st|nd|rd|th)"
NOUN = (
    r"(?:вариант[а-я]*|ответ(?:а|у|ом|е|ы|ов|ами|ите|ът|а)?|опци[а-я]*|отговор[а-я]*"
    r"|options?|answers?|choices?)"
)
VERB = (
    r"(?:выбира[а-яё]*|выбрал[а-яё]*|выбер[а-яё]*|предпочита[а-яё]*|предпоч[её]л[а-яё]*|остановил[а-яё]*\s+на"
    r"|останавлива[а-яё]*\s+на|избира[а-я]*|избра[а-я]*|избер[а-я]*|предпочет[а-я]*|спира\s+се\s+на|спря\s+се\s+на"
    r"|choos(?:e|es|ing)|chose|chosen|picks?|picked|picking|selects?|selected|selecting"
    r"|go(?:es)?\s+with|went\s+with|opt(?:s|ed)?\s+for|settles?\s+on|settled\s+on)"
)
NUMBER_WORDS = {
    **{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6},
    **{"один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6},
    **{"едно": 1, "едни": 1, "четири": 4, "пет": 5, "шест": 6},
}
PATTERNS = (
    re.compile(rf"(?<!\w)(?P<ord>{ORDINAL})\s+{NOUN}(?!\w)", re.IGNORECASE),
    re.compile(
        rf"(?<!\w){NOUN}\s*(?:№|#|no\.|номер|number|под\s+номером|с\s+номером)?\s*\(?(?P<num>[1-6])(?![\w.,]\d)(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<!\w)(?:options?|choices?)\s+(?P<num>one|two|three|four|five|six)(?!\w)", re.IGNORECASE),
    re.compile(
        rf"(?<!\w){NOUN}\s+(?:№|#|no\.|номер|number|под\s+номером|с\s+номером)\s*(?P<num>{'|'.join(NUMBER_WORDS)})(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(rf"(?<!\w){VERB}\s+(?:the\s+|на\s+)?(?P<ord>{ORDINAL})(?!\w)", re.IGNORECASE),
    re.compile(  # "ответ — третий", "the answer is the third", "отговорът е вторият"
        rf"(?<!\w){NOUN}(?:\s*[—–:-]\s*|\s+(?:is|was|это|е)\s+(?:the\s+)?)(?P<ord>{ORDINAL})(?!\w)", re.IGNORECASE
    ),
    re.compile(r"(?<!\w)(?:[Oo]ption|[Aa]nswer|[Cc]hoice|[Вв]ариант|[Оо]твет|[Оо]тговор)\s+(?P<letter>[A-FА-Г])(?!\w)"),
)
WORD_RE = re.compile(r"[^\W_]+")
EMPHASIS_RE = re.compile(r"[*_`]")
HEADING_RE = re.compile(r"^ {0,3}#{1,2}\s")  # a '### ' sub-heading does not end the story


@dataclass
class ChoiceSpan:
    """A decision block (the line of its opening fence) and the lines that follow it up to the next
    '#' or '##' heading or code block (1-based, ``after_end`` excluded)."""

    opened: int
    after_start: int
    after_end: int


def choice_spans(lines: list[str], openings: list[int]) -> list[ChoiceSpan]:
    """The text after each decision block opening at one of ``openings`` (1-based line numbers)."""
    spans = []
    for opened in openings:
        if not 0 < opened <= len(lines):
            continue
        match = FENCE_RE.match(lines[opened - 1])
        if not match:
            continue
        fence = match.group(2)
        i = opened  # 0-based index of the line after the opening fence
        while i < len(lines) and not closes_fence(FENCE_RE.match(lines[i]), fence):
            i += 1
        start = end = i + 1  # the 0-based index after the closing fence
        while end < len(lines) and not HEADING_RE.match(lines[end]) and not FENCE_RE.match(lines[end]):
            end += 1
        spans.append(ChoiceSpan(opened, start + 1, end + 1))
    return spans


def _place(match: re.Match, options: int) -> int | None:
    """The option a match names (1-based), or None when it names no option of this block."""
    groups = match.groupdict()
    if groups.get("ord"):
        word = groups["ord"].lower()
        number = next(n for stem, n in _ORDINALS if re.match(stem, word))
    elif groups.get("num"):
        raw = groups["num"].lower()
        number = NUMBER_WORDS.get(raw) or int(raw)
    else:
        number = "ABCDEF".find(groups["letter"].upper()) + 1 or "АБВГ".find(groups["letter"].upper()) + 1
    if number == -1:
        return options
    return number if 1 <= number <= options else None


def named(text: str, first_line: int, options: int) -> list[tuple[int, str]]:
    """(line, words) of each place in ``text`` that names an option by its place."""
    found: dict[int, str] = {}
    text = EMPHASIS_RE.sub(" ", text)  # "выбирает **третий** вариант": the same length, so the same lines
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            if _place(match, options) is None:
                continue
            line = first_line + text.count("\n", 0, match.start())
            found.setdefault(line, " ".join(match.group(0).split()))
    return sorted(found.items())


def _words_with_lines(lines: list[str], first_line: int) -> list[tuple[str, int]]:
    return [
        (w, first_line + k) for k, line in enumerate(lines) for w in WORD_RE.findall(line.lower().replace("ё", "е"))
    ]


def _longest_run(option: list[str], text: list[tuple[str, int]]) -> tuple[int, int]:
    """(length, index in ``text`` where it starts) of the longest run of ``option``'s words in ``text``
    (the first such run). Only the places where a word of the text is a word of the option are
    counted: a run there is one longer than the run ending one word before in both."""
    places: dict[str, list[int]] = {}
    for j, word in enumerate(option, start=1):
        places.setdefault(word, []).append(j)
    best, where = 0, 0
    previous: dict[int, int] = {}
    for i, (word, _line) in enumerate(text):
        current = {}
        for j in places.get(word, ()):
            run = current[j] = previous.get(j - 1, 0) + 1
            if run > best:
                best, where = run, i - run + 1
        previous = current
    return best, where


def quoted(lines: list[str], first_line: int, options: list[str]) -> list[tuple[int, str]]:
    """(line, 'N ("start of the option")') for each option the text quotes in large part."""
    text = _words_with_lines(lines, first_line)
    found = []
    for number, option in enumerate(options, start=1):
        option_words = WORD_RE.findall(option.lower().replace("ё", "е"))
        need = max(QUOTE_MIN_WORDS, math.ceil(QUOTE_SHARE * len(option_words)))
        run, where = _longest_run(option_words, text)
        if option_words and run >= need:
            excerpt = " ".join(option.split()[:6]) + ("…" if len(option.split()) > 6 else "")
            found.append((text[where][1], f'{number} ("{excerpt}")'))
    return found


def giveaways(lines: list[str], span: ChoiceSpan, options: list[str]) -> list[tuple[int, str, str]]:
    """(line, 'named' or 'quoted', what) for each giveaway in the text after a decision block."""
    after = lines[span.after_start - 1 : span.after_end - 1]
    result = [(line, "named", words) for line, words in named("\n".join(after), span.after_start, len(options))]
    result += [(line, "quoted", what) for line, what in quoted(after, span.after_start, options)]
    return sorted(result)
