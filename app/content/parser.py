"""The one parser for every content file: front matter, bodies, validation with line numbers.

Each ``parse_*`` function takes the text of one file and returns the parsed
dataclass (or None when the file is unusable) and appends every problem it
finds to ``problems``; it never stops at the first one. Cross-file checks
(references, duplicate ids) live in :mod:`app.content.loader`.
"""

from __future__ import annotations

import difflib
import math
import re
import reprlib
from typing import Any

import yaml

from app.content.model import (
    Case,
    Checklist,
    ChecklistItem,
    ChecklistSection,
    ChoiceBlock,
    ChoiceOption,
    Course,
    Option,
    Problem,
    Question,
    Quiz,
    Skill,
    SkillSet,
)

# An id is kept in columns of 100 characters (results refer to it forever); \Z: "$" would let a final newline through
ID_RE = re.compile(r"^(?=.{1,100}\Z)[a-z0-9][a-z0-9-]*\Z")
# BCP 47: a language, then subtags such as a script, a region or a private use part (en-x-corp); 16 characters
LANG_RE = re.compile(r"^(?=.{2,16}\Z)[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")
TITLE_MAX = 300
CHANNELS = ("visit", "phone", "chat", "email")
COMMON_KEYS = {"id", "title", "lang", "skills"}
KIND_KEYS = {
    "course": COMMON_KEYS | {"cases"},
    "case": COMMON_KEYS | {"minutes", "quiz"},
    "quiz": COMMON_KEYS | {"pass_percent", "max_attempts", "shuffle", "time_limit_min"},
    "checklist": COMMON_KEYS | {"channel", "pass_percent", "on_critical"},
}
REQUIRED_KEYS = {
    "course": ("id", "title", "cases"),
    "case": ("id", "title"),
    "quiz": ("id", "title"),
    "checklist": ("id", "title", "channel"),
}
QUESTION_KEYS = ("skill", "points", "type", "scoring")
ITEM_ATTRS = ("id", "skill", "points", "critical")
YAML_RESERVED = "[{*&!|>'\"%@`"
FENCE_RE = re.compile(r"^(\s{0,3})(`{3,}|~{3,})\s*([^`\s]*)")
HEADING2_RE = re.compile(r"^ {0,3}##(?!#)\s+(.*?)(?:\s+#+)?\s*$")  # a closing '#' run follows a space: "C#" stays
OPTION_RE = re.compile(r"^[-*+]\s+\[( |x|X)\]\s*(.*)$")
BARE_BULLET_RE = re.compile(r"^[-*+]\s+(.*)$")
ORDER_ITEM_RE = re.compile(r"^\d+[.)]\s+(.*)$")
FEEDBACK_RE = re.compile(r"^(?:\s+|\t)>\s?(.*)$")
EXPLANATION_RE = re.compile(r"^>\s?(.*)$")
SETTING_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
ATTRS_RE = re.compile(r"\s*\{([^{}]*)\}\s*$")
PLAIN_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$")

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


def _brief(value: Any) -> str:
    """A YAML value for a message: scalars as written, lists and mappings cut short.

    YAML aliases can nest a list exponentially (``&a [x, x]``, ``&b [*a, *a]``, ...): a few
    hundred bytes of front matter would print as gigabytes with ``str()``.
    """
    if isinstance(value, list | dict | set | tuple):
        return _SHORT.repr(value)
    return str(value)


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader whose value errors (``!!int x``, a date like 2024-02-30) are YAML errors with a line."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            shown = node.value if isinstance(node, yaml.ScalarNode) else node.tag
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value '{str(shown)[:60]}' ({exc})", node.start_mark
            ) from exc


NULL_TAG = "tag:yaml.org,2002:null"
# Keys whose values are text (or lists and mappings of text): read as written, not as YAML 1.1 would
# type them, so an id 001 stays '001' (not 1), a title Yes or 12:30 stays text (not True or 750) and
# lang: no is Norwegian.
WRITTEN_KEYS = frozenset({"id", "title", "lang", "quiz", "channel", "on_critical", "skills", "cases", "description"})


def as_written(node, seen: dict | None = None) -> Any:
    """The text of a YAML node as the author wrote it: every scalar is its source text (None when
    empty, ~ or null), lists and mappings of them likewise. A node met again through an alias is the
    same object, as YAML builds it, so an alias bomb costs its nodes, not its exponential expansion."""
    seen = {} if seen is None else seen
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == NULL_TAG else node.value
    if id(node) in seen:
        return seen[id(node)]
    if isinstance(node, yaml.SequenceNode):
        items: list = []
        seen[id(node)] = items
        items.extend(as_written(item, seen) for item in node.value)
        return items
    if isinstance(node, yaml.MappingNode):
        mapping: dict = {}
        seen[id(node)] = mapping
        for key, value in node.value:
            written = as_written(key, seen)
            mapping[written if isinstance(written, str | None) else repr(written)] = as_written(value, seen)
        return mapping
    return None


def _text_as_written(node, data: dict) -> None:
    """Replace the values of :data:`WRITTEN_KEYS` in ``data`` (read from mapping ``node``) by their text."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value in WRITTEN_KEYS and key_node.value in data:
                data[key_node.value] = as_written(value_node)


def load_yaml(text: str) -> tuple[Any, Any]:
    """(node, data) of one YAML document; every failure is a ``yaml.YAMLError``."""
    loader = None
    try:
        loader = _SafeLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise yaml.YAMLError("it is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    return node, data


def _line_of(mark, text: str) -> int:
    """0-based line of a YAML mark counted in '\\n' only, as the file's lines are (PyYAML also breaks at NEL, LS, PS)."""
    return text.count("\n", 0, mark.index)


def _reader_line(exc: yaml.YAMLError, text: str) -> int:
    """0-based line of a ReaderError (a character YAML does not accept), else 0."""
    position = getattr(exc, "position", None)
    return text.count("\n", 0, position) if isinstance(position, int) else 0


def _first_line(exc: yaml.YAMLError) -> str:
    """The reason without PyYAML's '  in "<unicode string>", position N' line."""
    return (str(exc).splitlines() or ["unreadable"])[0]


class FileProblems:
    """Problems of one file, with its path and the line offset of the body."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, max(1, line), message))


# ---------------------------------------------------------------- text and front matter
def normalise_text(raw: bytes | str) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, fp: FileProblems) -> tuple[list[str] | None, list[str], int]:
    """(front matter lines, body lines, line number of the first body line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        fp.add(1, "the file must start with a front matter block: a line '---', the keys, and another '---'")
        return None, lines, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return lines[1:i], lines[i + 1 :], i + 2
    fp.add(1, "the front matter block opened with '---' on line 1 is never closed with another '---'")
    return None, lines, 1


def _quote_hint(key: str, value: str) -> str:
    escaped = value.replace('"', '\\"')
    return f'{key}: "{escaped}"'


def _check_unquoted_values(fm_lines: list[str], fp: FileProblems) -> bool:
    """Report top-level values that YAML would misread; True if any was found."""
    found = False
    for i, line in enumerate(fm_lines):
        match = PLAIN_KEY_RE.match(line)
        if not match or match.group(2) is None:
            continue
        key, value = match.group(1), match.group(2).strip()
        if not value or value[0] in "'\"[{|>":
            continue
        if key == "title" and (value[0] == "#" or " #" in value or "\t#" in value):
            # YAML reads ' #' as the start of a comment: "Case #5" would silently become "Case"
            fp.add(
                i + 2,
                f"the value of 'title' contains '#', where YAML starts a comment, and must be quoted: "
                f"{_quote_hint(key, value)}",
            )
            found = True
        elif value.startswith("#"):
            continue
        elif ": " in value or value.endswith(":"):
            fp.add(i + 2, f"the value of '{key}' contains ': ' and must be quoted: {_quote_hint(key, value)}")
            found = True
        elif value[0] in YAML_RESERVED:
            fp.add(
                i + 2, f"the value of '{key}' starts with '{value[0]}' and must be quoted: {_quote_hint(key, value)}"
            )
            found = True
    return found


def parse_yaml_block(fm_lines: list[str], fp: FileProblems, first_line: int = 2) -> tuple[Any, dict[str, int]]:
    """Parse YAML front matter; returns (data, line of each top-level key) or (None, {})."""
    if _check_unquoted_values(fm_lines, fp):
        return None, {}
    text = "\n".join(fm_lines)
    try:
        node, data = load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        index = _line_of(mark, text) if mark else 0
        line = first_line + index
        bad = fm_lines[index] if mark and index < len(fm_lines) else ""
        match = PLAIN_KEY_RE.match(bad)
        if match and match.group(2) and match.group(2).strip()[:1] in YAML_RESERVED:
            key, value = match.group(1), match.group(2).strip()
            fp.add(line, f"the value of '{key}' must be quoted: {_quote_hint(key, value)}")
        else:
            fp.add(line, f"front matter is not valid YAML: {exc.problem or exc}")
        return None, {}
    except yaml.YAMLError as exc:
        fp.add(first_line + _reader_line(exc, text), f"front matter is not valid YAML: {_first_line(exc)}")
        return None, {}
    if isinstance(data, dict):
        _text_as_written(node, data)
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            key = str(key_node.value)
            if key in lines:
                fp.add(
                    first_line + _line_of(key_node.start_mark, text),
                    f"key '{key}' is given twice (first on line {lines[key]})",
                )
            else:
                lines[key] = first_line + _line_of(key_node.start_mark, text)
    return data, lines


class Meta:
    """Typed access to front matter values, reporting problems at the key's line."""

    def __init__(self, data: dict, lines: dict[str, int], fp: FileProblems, broken: bool = False):
        self.data, self.lines, self.fp = data, lines, fp
        self.broken = broken  # the front matter could not be read: the body is still checked, the file not kept

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)

    def err(self, key: str, message: str) -> None:
        self.fp.add(self.line(key), message)

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def string(self, key: str, default: str | None = None) -> str | None:
        if not self.has(key):
            return default
        value = self.data[key]
        if isinstance(value, bool) or isinstance(value, list | dict):
            self.err(key, f"'{key}' must be text, not {type(value).__name__}")
            return default
        value = str(value).strip()
        if not value:
            self.err(key, f"'{key}' is empty")
            return default
        return value

    def ident(self, key: str) -> str | None:
        value = self.string(key)
        if value is not None and not ID_RE.match(value):
            self.err(
                key,
                f"'{key}' must be lowercase latin letters, digits and '-' (like 'courier-no-call', at most 100), not '{_brief(value)}'",
            )
            return None
        return value

    def number(
        self,
        key: str,
        default: float,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
        positive: bool = False,
    ) -> float:
        if not self.has(key):
            return default
        value = self.data[key]
        finite = isinstance(value, int) or isinstance(value, float) and math.isfinite(value)
        if isinstance(value, bool) or not finite:
            self.err(key, f"'{key}' must be a number, not '{_brief(value)}'")
            return default
        if integer and value != int(value):
            self.err(key, f"'{key}' must be a whole number, not {value}")
            return default
        if positive and value <= 0:
            self.err(key, f"'{key}' must be greater than 0, not {value}")
            return default
        if minimum is not None and value < minimum or maximum is not None and value > maximum:
            self.err(key, f"'{key}' must be between {minimum:g} and {maximum:g}, not {value}")
            return default
        return int(value) if integer else float(value)

    def boolean(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.err(key, f"'{key}' must be true or false, not '{_brief(value)}'")
            return default
        return value

    def id_list(self, key: str) -> list[str]:
        if not self.has(key):
            return []
        value = self.data[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.err(key, f"'{key}' must be a list like [a, b]")
            return []
        out = []
        for v in value:
            if not isinstance(v, str) or not ID_RE.match(v):
                self.err(key, f"'{key}' has an invalid id '{_brief(v)}'")
            else:
                out.append(v)
        return out

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None) -> str | None:
        value = self.string(key)
        if value is None:
            return default
        if value not in allowed:
            self.err(key, f"'{key}' must be one of {', '.join(allowed)}, not '{value}'")
            return default
        return value


def read_front_matter(kind: str, text: str, fp: FileProblems) -> tuple[Meta | None, list[str], int]:
    fm_lines, body_lines, body_start = split_front_matter(text, fp)
    if fm_lines is None:
        return None, body_lines, body_start
    before = len(fp.problems)
    data, lines = parse_yaml_block(fm_lines, fp)
    if data is None and len(fp.problems) == before:
        fp.add(1, "the front matter is empty")
    if data is None:  # reported; the body's own problems are worth reporting in the same run
        return Meta({}, {}, fp, broken=True), body_lines, body_start
    if not isinstance(data, dict):
        fp.add(2, "the front matter must be 'key: value' lines")
        return Meta({}, {}, fp, broken=True), body_lines, body_start
    meta = Meta(data, lines, fp)
    allowed = KIND_KEYS[kind]
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
            hint = f" — did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(sorted(allowed))})"
            meta.err(str(key), f"unknown key '{key}'{hint}")
    for key in REQUIRED_KEYS[kind]:
        if key in data and not meta.has(key):
            meta.err(key, f"'{key}' is empty: write its value after '{key}:'")
        elif not meta.has(key):
            fp.add(1, f"missing required key '{key}'")
    return meta, body_lines, body_start


def _common(meta: Meta) -> dict:
    lang = meta.string("lang")
    if lang is not None and not LANG_RE.match(lang):
        meta.err("lang", f"'lang' must be a language code such as ru, en or bg (at most 16 characters), not '{lang}'")
        lang = None
    title = meta.string("title")
    if title is not None and len(title) > TITLE_MAX:
        meta.err("title", f"the title is {len(title)} characters long; at most {TITLE_MAX}")
        title = None
    return {
        "id": meta.ident("id") or "",
        "title": title or "",
        "lang": lang,
        "skills": meta.id_list("skills"),
    }


# ---------------------------------------------------------------- body helpers
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
            if match and match.group(2)[0] == fence[0] and len(match.group(2)) >= len(fence) and not match.group(3):
                fence = None
    if fence is not None and fp is not None:
        fp.add(start + opened_at, f"the code block opened with {fence} is never closed")
    return mask


def split_sections(
    lines: list[str], start: int, mask: list[bool]
) -> tuple[list[str], list[tuple[str, int, list[str]]]]:
    """(lines before the first '## ', [(heading, line number, lines under it)])."""
    head: list[str] = []
    sections: list[tuple[str, int, list[str]]] = []
    for i, line in enumerate(lines):
        match = None if mask[i] else HEADING2_RE.match(line)
        if match:
            sections.append((match.group(1), start + i, []))
        elif sections:
            sections[-1][2].append(line)
        else:
            head.append(line)
    return head, sections


def join_md(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


# ---------------------------------------------------------------- skills.yml
def parse_skills(text: str, path: str, problems: list[Problem]) -> SkillSet:
    fp = FileProblems(path, problems)
    out = SkillSet(path=path, source=text)
    try:
        node, data = load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        index = _line_of(mark, text) if mark else 0
        written = text.split("\n")[index] if mark else ""
        hint = ""
        if written.count(": ") + written.rstrip().endswith(":") >= 2:  # a value with ': ' in it, unquoted
            hint = (
                ': a value on this line contains ": " and must be put in double quotes, like {en: "Empathy: feelings"}'
            )
        fp.add(index + 1, f"not valid YAML ({exc.problem or exc}){hint}")
        return out
    except yaml.YAMLError as exc:
        fp.add(_reader_line(exc, text) + 1, f"not valid YAML: {_first_line(exc)}")
        return out
    if data is None:
        fp.add(1, "the skills file is empty")
        return out
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        fp.add(1, "skills.yml must be a list of skills ('- id: ...')")
        return out
    seen: dict[str, int] = {}
    for entry, entry_node in zip(data, node.value, strict=False):
        line = _line_of(entry_node.start_mark, text) + 1
        if not isinstance(entry, dict):
            fp.add(line, "each skill must be a mapping with id and title")
            continue
        key_lines = (
            {str(k.value): _line_of(k.start_mark, text) + 1 for k, _ in entry_node.value}
            if isinstance(entry_node, yaml.MappingNode)
            else {}
        )
        _text_as_written(entry_node, entry)
        for key in entry:
            if key not in ("id", "title", "description"):
                fp.add(
                    key_lines.get(str(key), line), f"unknown key '{key}' in a skill (allowed: id, title, description)"
                )
        skill_id = entry.get("id")
        if not isinstance(skill_id, str) or not ID_RE.match(skill_id):
            fp.add(
                key_lines.get("id", line),
                f"a skill needs an id of lowercase latin letters, digits and '-' (at most 100), not '{_brief(skill_id)}'",
            )
            continue
        if skill_id in seen:
            fp.add(key_lines.get("id", line), f"duplicate skill id '{skill_id}' (first on line {seen[skill_id]})")
            continue
        seen[skill_id] = key_lines.get("id", line)
        title = _localised(entry.get("title"), "title", key_lines.get("title", line), fp, required=True)
        description = _localised(entry.get("description"), "description", key_lines.get("description", line), fp)
        out.skills.append(Skill(id=skill_id, title=title or {"en": skill_id}, description=description or {}, line=line))
    return out


def _localised(value, key: str, line: int, fp: FileProblems, required: bool = False) -> dict[str, str] | None:
    if value is None:
        if required:
            fp.add(line, f"a skill needs a {key}")
        return None
    if isinstance(value, str):
        return {"": value}
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()) and value:
        return dict(value)
    fp.add(line, f"'{key}' must be text or a mapping of language to text, like {{en: ..., ru: ...}}")
    return None


# ---------------------------------------------------------------- course
def parse_course(text: str, path: str, problems: list[Problem]) -> Course | None:
    fp = FileProblems(path, problems)
    meta, body_lines, _start = read_front_matter("course", text, fp)
    if meta is None:
        return None
    cases = meta.id_list("cases")
    if meta.has("cases") and not cases:
        meta.err("cases", "a course needs at least one case")
    seen = set()
    for case_id in cases:
        if case_id in seen:
            meta.err("cases", f"case '{case_id}' is listed twice")
        seen.add(case_id)
    return (
        None
        if meta.broken
        else Course(
            kind="course",
            cases=cases,
            body=join_md(body_lines),
            path=path,
            source=text,
            meta_lines=meta.lines,
            **_common(meta),
        )
    )


# ---------------------------------------------------------------- case
def parse_case(text: str, path: str, problems: list[Problem]) -> Case | None:
    fp = FileProblems(path, problems)
    meta, body_lines, start = read_front_matter("case", text, fp)
    if meta is None:
        return None
    minutes = meta.number("minutes", 0, integer=True, positive=True) if meta.has("minutes") else None
    quiz = meta.ident("quiz")
    choices = []
    i = 0
    while i < len(body_lines):
        match = FENCE_RE.match(body_lines[i])
        if not match:
            i += 1
            continue
        fence, info = match.group(2), match.group(3)
        j = i + 1
        while j < len(body_lines):
            close = FENCE_RE.match(body_lines[j])
            if close and close.group(2)[0] == fence[0] and len(close.group(2)) >= len(fence) and not close.group(3):
                break
            j += 1
        if j >= len(body_lines):
            fp.add(start + i, f"the code block opened with {fence} is never closed")
            break
        if info == "choice":
            choices.append(parse_choice(body_lines[i + 1 : j], start + i + 1, fp))
        i = j + 1
    if not join_md(body_lines):
        fp.add(start, "the case has no text")
    return (
        None
        if meta.broken
        else Case(
            kind="case",
            minutes=minutes or None,
            quiz=quiz,
            choices=choices,
            body=join_md(body_lines),
            path=path,
            source=text,
            meta_lines=meta.lines,
            **_common(meta),
        )
    )


def parse_choice(lines: list[str], first: int, fp: FileProblems) -> ChoiceBlock:
    prompt: list[str] = []
    options: list[ChoiceOption] = []
    for k, line in enumerate(lines):
        feedback = FEEDBACK_RE.match(line)
        if feedback and options:
            fb = options[-1].feedback
            options[-1].feedback = (fb + "\n" + feedback.group(1)) if fb else feedback.group(1)
            continue
        if line.startswith("- "):
            option_text = line[2:].strip()
            best = False
            if option_text.startswith("[best]"):
                best, option_text = True, option_text[len("[best]") :].strip()
            if not option_text:
                fp.add(first + k, "an option of this decision point is empty")
            options.append(ChoiceOption(text=option_text, best=best))
            continue
        if options:
            if line.strip():
                if line[:1] in (" ", "\t"):
                    options[-1].text += " " + line.strip()
                else:
                    fp.add(
                        first + k,
                        "text after the options of a decision point: start it with '- ' (an option) "
                        "or indent it with '  > ' (feedback)",
                    )
            continue
        prompt.append(line)
    if not join_md(prompt):
        fp.add(first - 1, "the decision point has no prompt: write the situation before the first '- ' option")
    if len(options) < 2:
        fp.add(first - 1, "a decision point needs at least two '- ' options")
    return ChoiceBlock(prompt=join_md(prompt), options=options, line=first - 1)


# ---------------------------------------------------------------- quiz
def parse_quiz(text: str, path: str, problems: list[Problem], skills: set[str] | None = None) -> Quiz | None:
    fp = FileProblems(path, problems)
    meta, body_lines, start = read_front_matter("quiz", text, fp)
    if meta is None:
        return None
    quiz = Quiz(
        kind="quiz",
        pass_percent=meta.number("pass_percent", 80.0, minimum=0, maximum=100),
        max_attempts=meta.number("max_attempts", 0, integer=True, minimum=0, maximum=1000),
        shuffle=meta.boolean("shuffle", False),
        time_limit_min=meta.number("time_limit_min", 0, minimum=0, maximum=24 * 60),
        body=join_md(body_lines),
        path=path,
        source=text,
        meta_lines=meta.lines,
        **_common(meta),
    )
    mask = code_fence_mask(body_lines, start, fp)
    intro, sections = split_sections(body_lines, start, mask)
    quiz.intro = join_md(intro)
    for n, (heading, line, lines) in enumerate(sections, start=1):
        fenced = mask[line + 1 - start : line + 1 - start + len(lines)]
        quiz.questions.append(parse_question(f"q{n}", heading, line, lines, fp, fenced))
    if not quiz.questions:
        fp.add(start if body_lines else 1, "the quiz has no question: each question starts with a '## ' heading")
    return None if meta.broken else quiz


def parse_question(
    key: str, heading: str, line: int, lines: list[str], fp: FileProblems, fenced: list[bool] | None = None
) -> Question:
    """One question from the lines under its heading; ``fenced`` marks those inside a code block of the
    prompt (their '- [x]' is an example, not an option)."""
    fenced = fenced or [False] * len(lines)
    q = Question(key=key, prompt=heading.strip(), line=line)
    if not q.prompt:
        fp.add(line, "the question heading is empty")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    settings: dict[str, tuple[str, int]] = {}
    while i < len(lines):
        if not lines[i].strip() and settings:  # a blank line between two settings
            ahead = i
            while ahead < len(lines) and not lines[ahead].strip():
                ahead += 1
            following = SETTING_RE.match(lines[ahead]) if ahead < len(lines) else None
            if following and following.group(1) in QUESTION_KEYS:
                i = ahead
                continue
            break
        match = SETTING_RE.match(lines[i])
        if not match:
            break
        name, value = match.group(1), match.group(2)
        if name in QUESTION_KEYS:
            if name in settings:
                fp.add(line + 1 + i, f"question setting '{name}' is given twice")
            settings[name] = (value, line + 1 + i)
        elif name.isascii() and name.islower() and difflib.get_close_matches(name, QUESTION_KEYS, n=1, cutoff=0.7):
            close = difflib.get_close_matches(name, QUESTION_KEYS, n=1, cutoff=0.7)[0]
            fp.add(line + 1 + i, f"unknown question setting '{name}' — did you mean '{close}'?")
        else:
            break
        i += 1

    prompt_lines: list[str] = []
    explanation: list[str] = []
    explicit_type = settings.get("type", (None, 0))[0]
    order_mode = explicit_type == "order"
    in_options = False
    after_explanation = False
    for k in range(i, len(lines)):
        text = lines[k]
        ln = line + 1 + k
        if fenced[k] and not in_options:
            prompt_lines.append(text)
            continue
        option = OPTION_RE.match(text)
        order_item = ORDER_ITEM_RE.match(text) if order_mode else None
        feedback = FEEDBACK_RE.match(text)
        explanation_line = EXPLANATION_RE.match(text)
        if option and not order_mode:
            if explanation:
                fp.add(ln, "an option after the explanation: put the '> ' explanation after all the options")
            in_options = True
            q.options.append(Option(text=option.group(2).strip(), correct=option.group(1) in "xX"))
            if not q.options[-1].text:
                fp.add(ln, "this option is empty")
        elif order_item and (in_options or not q.options):
            if explanation:
                fp.add(ln, "an item after the explanation: put the '> ' explanation after all the items")
            in_options = True
            q.options.append(Option(text=order_item.group(1).strip(), correct=True))
        elif option and order_mode:
            fp.add(
                ln, "an order question lists its items as a numbered list (1. 2. 3.) in the right order, not '- [ ]'"
            )
        elif feedback and in_options and not explanation:
            fb = q.options[-1].feedback
            q.options[-1].feedback = (fb + "\n" + feedback.group(1)) if fb else feedback.group(1)
        elif explanation_line and in_options:
            explanation.append(explanation_line.group(1))
            after_explanation = True
        elif not text.strip():
            if explanation:
                explanation.append("")
        elif in_options:
            if after_explanation and not explanation_line:
                fp.add(ln, "text after the explanation: the explanation lines must each start with '> '")
            elif BARE_BULLET_RE.match(text) and not order_mode:
                fp.add(ln, "an option must start with '- [ ]' (wrong) or '- [x]' (right)")
            elif text[:1] in (" ", "\t"):
                q.options[-1].text += " " + text.strip()
            else:
                fp.add(
                    ln,
                    "unexpected text after the options: options start with '- [ ]' or '- [x]', "
                    "feedback with '  > ', the explanation with '> '",
                )
        else:
            prompt_lines.append(text)
    q.text = join_md(prompt_lines)
    q.explanation = join_md(explanation)

    if "skill" in settings:
        value, ln = settings["skill"]
        if not ID_RE.match(value):
            fp.add(ln, f"'skill' must be a skill id like 'empathy', not '{value}'")
        else:
            q.skill, q.skill_line = value, ln
    if "points" in settings:
        value, ln = settings["points"]
        try:
            points = float(value)
            if points <= 0 or points != points or points == float("inf"):
                raise ValueError
            q.points = points
        except ValueError:
            fp.add(ln, f"'points' must be a positive number, not '{value}'")
    if "scoring" in settings:
        value, ln = settings["scoring"]
        if value not in ("all", "partial"):
            fp.add(ln, f"'scoring' must be all or partial, not '{value}'")
        else:
            q.scoring = value
    type_line = settings.get("type", (None, line))[1]
    if explicit_type is not None and explicit_type not in ("single", "multiple", "order"):
        fp.add(type_line, f"'type' must be single, multiple or order, not '{explicit_type}'")
        explicit_type = None
    correct = len(q.correct_indexes)
    if explicit_type == "order":
        q.type = "order"
        if len(q.options) < 2:
            fp.add(line, "an order question needs at least two numbered items (1. 2. ...) written in the right order")
        return q
    if any(ORDER_ITEM_RE.match(t) for t in lines[i:]) and not q.options:
        fp.add(
            line,
            "this question has a numbered list but no options: add 'type: order' under the heading "
            "for an ordering question",
        )
        return q
    q.type = explicit_type or ("multiple" if correct > 1 else "single")
    if len(q.options) < 2:
        fp.add(line, f"the question needs at least two options ('- [ ]' / '- [x]'); it has {len(q.options)}")
    if q.options and correct == 0:
        fp.add(line, "the question has no correct option: mark the right one(s) with '- [x]'")
    if explicit_type == "single" and correct > 1:
        fp.add(type_line, f"'type: single' allows one correct option, but {correct} are marked [x]")
    return q


# ---------------------------------------------------------------- checklist
def parse_item_attrs(raw: str, ln: int, fp: FileProblems) -> dict[str, str | bool]:
    attrs: dict[str, str | bool] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if ":" in part:
            key, value = (s.strip() for s in part.split(":", 1))
        else:
            key, value = part, True
        if key not in ITEM_ATTRS:
            close = difflib.get_close_matches(key, ITEM_ATTRS, n=1, cutoff=0.6)
            hint = f" — did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(ITEM_ATTRS)})"
            fp.add(ln, f"unknown item attribute '{key}'{hint}")
            continue
        if key in attrs:
            fp.add(ln, f"item attribute '{key}' is given twice")
        attrs[key] = value
    return attrs


def parse_checklist(text: str, path: str, problems: list[Problem]) -> Checklist | None:
    fp = FileProblems(path, problems)
    meta, body_lines, start = read_front_matter("checklist", text, fp)
    if meta is None:
        return None
    checklist = Checklist(
        kind="checklist",
        channel=meta.choice("channel", CHANNELS, "") or "",
        pass_percent=meta.number("pass_percent", 80.0, minimum=0, maximum=100),
        on_critical=meta.choice("on_critical", ("zero", "fail"), "zero") or "zero",
        body=join_md(body_lines),
        path=path,
        source=text,
        meta_lines=meta.lines,
        **_common(meta),
    )
    mask = code_fence_mask(body_lines, start, fp)
    brief, sections = split_sections(body_lines, start, mask)
    checklist.brief = join_md(brief)
    seen_ids: dict[str, int] = {}
    for heading, line, lines in sections:
        section = ChecklistSection(title=heading.strip(), line=line)
        if not section.title:
            fp.add(line, "the section heading is empty")
        elif len(section.title) > TITLE_MAX:  # every card keeps its sections' titles
            fp.add(line, f"the section heading is {len(section.title)} characters long; at most {TITLE_MAX}")
        description: list[str] = []
        k = 0
        while k < len(lines) and not lines[k].strip():
            k += 1
        weight_match = SETTING_RE.match(lines[k]) if k < len(lines) else None
        if weight_match and weight_match.group(1) == "weight":
            value = weight_match.group(2)
            try:
                section.weight = float(value)
                if section.weight <= 0 or section.weight != section.weight or section.weight == float("inf"):
                    raise ValueError
            except ValueError:
                fp.add(line + 1 + k, f"'weight' must be a positive number, not '{value}'")
                section.weight = 1.0
            k += 1
        elif weight_match and difflib.get_close_matches(weight_match.group(1), ["weight"], cutoff=0.7):
            fp.add(line + 1 + k, f"unknown section setting '{weight_match.group(1)}' — did you mean 'weight'?")
            k += 1
        written: list[list] = []  # [text, line] of each item, its wrapped lines joined
        for j in range(k, len(lines)):
            raw = lines[j]
            ln = line + 1 + j
            bullet = BARE_BULLET_RE.match(raw) if not mask[ln - start] else None
            if bullet:
                written.append([bullet.group(1), ln])
            elif raw[:1] in (" ", "\t") and raw.strip() and written:
                written[-1][0] += " " + raw.strip()  # its attribute list may be on the wrapped line
            else:
                description.append(raw)
        section.items = [_checklist_item(text, ln, fp, seen_ids) for text, ln in written]
        section.description = join_md(description)
        checklist.sections.append(section)  # one without items is left out of the score, like one all n/a
    if not any(s.items for s in checklist.sections):
        fp.add(start if body_lines else 1, "the checklist has no item: add a '## ' section with '- ' items")
    return None if meta.broken else checklist


def _checklist_item(text: str, ln: int, fp: FileProblems, seen_ids: dict[str, int]) -> ChecklistItem:
    attrs: dict[str, str | bool] = {}
    match = ATTRS_RE.search(text)
    if match:
        attrs = parse_item_attrs(match.group(1), ln, fp)
        text = text[: match.start()].rstrip()
    elif text.rstrip().endswith("}") or ("{" in text and "}" not in text):
        fp.add(ln, "the item's attribute list is malformed: write it at the end as {id: ..., skill: ..., critical}")
    if not text:
        fp.add(ln, "the item has no text")
    item = ChecklistItem(id="", text=text, line=ln)
    item_id = attrs.get("id")
    if isinstance(item_id, str):
        if not ID_RE.match(item_id):
            fp.add(
                ln, f"item id must be lowercase latin letters, digits and '-' (at most 100), not '{_brief(item_id)}'"
            )
            item_id = None
    elif item_id is True:
        fp.add(ln, "item attribute 'id' needs a value: {id: greet-30s}")
        item_id = None
    item.id = item_id if isinstance(item_id, str) else slugify(text)
    if item.id in seen_ids:
        fp.add(
            ln,
            f"duplicate item id '{item.id}' in this checklist (first on line {seen_ids[item.id]})"
            + ("" if isinstance(attrs.get("id"), str) else "; give one of them {id: ...}"),
        )
    else:
        seen_ids[item.id] = ln
    skill = attrs.get("skill")
    if skill is True or (isinstance(skill, str) and not ID_RE.match(skill)):
        fp.add(ln, f"item attribute 'skill' must be a skill id, not '{skill}'")
    elif isinstance(skill, str):
        item.skill = skill
    points = attrs.get("points")
    if points is not None:
        try:
            if points is True:
                raise ValueError
            item.points = float(points)
            if item.points <= 0 or item.points != item.points or item.points == float("inf"):
                raise ValueError
        except ValueError:
            fp.add(ln, f"item attribute 'points' must be a positive number, not '{points}'")
            item.points = 1.0
    critical = attrs.get("critical")
    if critical is not None:
        if critical is True or str(critical).lower() in ("true", "yes"):
            item.critical = True
        elif str(critical).lower() not in ("false", "no"):
            fp.add(ln, f"item attribute 'critical' is a flag: write just 'critical', not 'critical: {critical}'")
    return item


PARSERS = {"course": parse_course, "case": parse_case, "quiz": parse_quiz, "checklist": parse_checklist}


def parse_document(kind: str, text: str, path: str, problems: list[Problem]):
    """Parse one file of a kind; problems are appended to ``problems``."""
    if kind == "quiz":
        return parse_quiz(text, path, problems)
    return PARSERS[kind](text, path, problems)
