"""The block structure of a content body, read line by line: code fences, '## ' sections, list lines.

Every kind's parser reads its body through these, so a '## ' or a '- [x]' inside a fenced code block
is an example in every kind, never a question, a section or an option.
"""

from __future__ import annotations

import re

from app.content.common import N_, FileProblems

FENCE_RE = re.compile(r"^(\s{0,3})(`{3,}|~{3,})\s*([^`\s]*)")
HEADING2_RE = re.compile(r"^ {0,3}##(?!#)\s+(.*?)(?:\s+#+)?\s*$")  # a closing '#' run follows a space: "C#" stays
BARE_BULLET_RE = re.compile(r"^[-*+]\s+(.*)$")
FEEDBACK_RE = re.compile(r"^(?:\s+|\t)>\s?(.*)$")
SETTING_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")

Section = tuple[str, int, list[str]]  # (heading, line number, lines under it)


def closes_fence(match: re.Match | None, fence: str) -> bool:
    """Whether a fence line (``match`` of :data:`FENCE_RE`) closes the block opened with ``fence``."""
    return bool(match) and match.group(2)[0] == fence[0] and len(match.group(2)) >= len(fence) and not match.group(3)


def closing_line(lines: list[str], i: int, fence: str) -> int:
    """The index of the line from ``i`` on that closes the block opened with ``fence`` (``len(lines)`` if none)."""
    while i < len(lines) and not closes_fence(FENCE_RE.match(lines[i]), fence):
        i += 1
    return i


def code_fence_mask(lines: list[str], start: int, fp: FileProblems | None = None) -> list[bool]:
    """True for each line inside (or delimiting) a fenced code block."""
    mask = [False] * len(lines)
    fence: str | None = None
    opened_at = 0
    for i, line in enumerate(lines):
        match = FENCE_RE.match(line)
        if fence is None:
            if match:
                fence, opened_at = match.group(2), i
                mask[i] = True
        else:
            mask[i] = True
            if closes_fence(match, fence):
                fence = None
    if fence is not None and fp is not None:
        fp.add(start + opened_at, N_("the code block opened with %(fence)s is never closed"), fence=fence)
    return mask


def split_sections(lines: list[str], start: int, mask: list[bool]) -> tuple[list[str], list[Section]]:
    """(lines before the first '## ', [(heading, line number, lines under it)])."""
    head: list[str] = []
    sections: list[Section] = []
    for i, line in enumerate(lines):
        match = None if mask[i] else HEADING2_RE.match(line)
        if match:
            sections.append((match.group(1), start + i, []))
        elif sections:
            sections[-1][2].append(line)
        else:
            head.append(line)
    return head, sections


def skip_blank(lines: list[str], i: int) -> int:
    """The index of the first line from ``i`` on that is not blank (``len(lines)`` if none is)."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i
