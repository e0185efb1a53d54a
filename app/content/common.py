"""What every content parser shares: the text of a file, its problems, ids and short values in messages."""

from __future__ import annotations

import re
import reprlib
from typing import Any

from app.content.model import N_, Problem  # noqa: F401 - N_ for the parsers

# An id is kept in columns of 100 characters (results refer to it forever); \Z: "$" would let a final newline through
ID_RE = re.compile(r"^(?=.{1,100}\Z)[a-z0-9][a-z0-9-]*\Z")

TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch",
        "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye",
    }
)  # fmt: skip


def slugify(text: str) -> str:
    """A stable id from free text (Cyrillic is transliterated)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().translate(TRANSLIT)).strip("-")
    return slug[:60].strip("-") or "item"


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 5, 5, 60, 60


def brief(value: Any) -> str:
    """A YAML value for a message: scalars as written, lists and mappings cut short.

    YAML aliases can nest a list exponentially (``&a [x, x]``, ``&b [*a, *a]``, ...): a few
    hundred bytes of front matter would print as gigabytes with ``str()``.
    """
    if isinstance(value, list | dict | set | tuple):
        return _SHORT.repr(value)
    return str(value)


def positive_number(value: Any) -> float | None:
    """``value`` as a finite number greater than 0, else None (points and weights are written so)."""
    try:
        number = float(value)
    except ValueError:
        return None
    if number <= 0 or number != number or number == float("inf"):
        return None
    return number


class FileProblems:
    """Problems of one file, with its path and the line offset of the body."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems

    def add(self, line: int, message: str, **params: Any) -> None:
        """A problem at ``line``: ``message`` is a msgid marked with N_, with ``%(name)s`` placeholders
        filled from ``params``."""
        self.problems.append(Problem(self.path, max(1, line), message, params or None))


def normalise_text(raw: bytes | str) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def join_md(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")
