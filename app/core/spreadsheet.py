"""Text cells a spreadsheet would run as a formula, made inert; the one rule for every CSV and XLSX export."""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A formula at the start of the value, or at the start of a fragment after a separator a spreadsheet may
# split on when it reads the file in another locale (";" in much of Europe, "," elsewhere, tab, newline):
# "Ivanov;=HYPERLINK(...)" becomes two cells, the second a formula.
_DANGEROUS = re.compile(r"\A[=+\-@\t\r]|[;,\t\r\n][ \t\r\n]*[=+\-@]")


def is_dangerous(value: str) -> bool:
    """True when a spreadsheet could take ``value``, or a separated fragment of it, for a formula."""
    return bool(_DANGEROUS.search(value))


def neutralise(value):
    """A text value a spreadsheet could run as a formula gets a leading apostrophe (other values as they are).

    A value that starts with an apostrophe and would be dangerous without it gets one more, so that
    :func:`unneutralise` gives back exactly what was written.
    """
    if isinstance(value, str) and (is_dangerous(value) or (value.startswith("'") and is_dangerous(value[1:]))):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """The value :func:`neutralise` was given, from what it wrote (for importing an exported file)."""
    if value.startswith("'") and neutralise(value[1:]) != value[1:]:
        return value[1:]
    return value
