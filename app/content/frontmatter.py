"""Front matter: the '---' block of YAML at the top of every Markdown content file.

:func:`read_front_matter` splits a file into its front matter and body, reads the YAML, reports
unknown, missing and misquoted keys at their lines, and hands back a :class:`Meta` through which
each kind's parser reads its values (reporting a wrong value at the key's line).
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

import yaml

from app.content.common import ID_RE, N_, FileProblems, brief
from app.content.yaml_reader import line_of, load_yaml, reader_line, reason, text_as_written

# BCP 47: a language, then subtags such as a script, a region or a private use part (en-x-corp); 16 characters
LANG_RE = re.compile(r"^(?=.{2,16}\Z)[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")
TITLE_MAX = 300
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
YAML_RESERVED = "[{*&!|>'\"%@`"
PLAIN_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$")


def split_front_matter(text: str, fp: FileProblems) -> tuple[list[str] | None, list[str], int]:
    """(front matter lines, body lines, line number of the first body line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        fp.add(1, N_("the file must start with a front matter block: a line '---', the keys, and another '---'"))
        return None, lines, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return lines[1:i], lines[i + 1 :], i + 2
    fp.add(1, N_("the front matter block opened with '---' on line 1 is never closed with another '---'"))
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
                N_("the value of 'title' contains '#', where YAML starts a comment, and must be quoted: %(hint)s"),
                hint=_quote_hint(key, value),
            )
            found = True
        elif value.startswith("#"):
            continue
        elif ": " in value or value.endswith(":"):
            fp.add(
                i + 2,
                N_("the value of '%(name)s' contains ': ' and must be quoted: %(hint)s"),
                name=key,
                hint=_quote_hint(key, value),
            )
            found = True
        elif value[0] in YAML_RESERVED:
            fp.add(
                i + 2,
                N_("the value of '%(name)s' starts with '%(char)s' and must be quoted: %(hint)s"),
                name=key,
                char=value[0],
                hint=_quote_hint(key, value),
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
        index = line_of(mark, text) if mark else 0
        line = first_line + index
        bad = fm_lines[index] if mark and index < len(fm_lines) else ""
        match = PLAIN_KEY_RE.match(bad)
        if match and match.group(2) and match.group(2).strip()[:1] in YAML_RESERVED:
            key, value = match.group(1), match.group(2).strip()
            fp.add(line, N_("the value of '%(name)s' must be quoted: %(hint)s"), name=key, hint=_quote_hint(key, value))
        else:
            fp.add(line, N_("front matter is not valid YAML: %(reason)s"), reason=str(exc.problem or exc))
        return None, {}
    except yaml.YAMLError as exc:
        fp.add(
            first_line + reader_line(exc, text), N_("front matter is not valid YAML: %(reason)s"), reason=reason(exc)
        )
        return None, {}
    if isinstance(data, dict):
        text_as_written(node, data)
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            key = str(key_node.value)
            if key in lines:
                fp.add(
                    first_line + line_of(key_node.start_mark, text),
                    N_("key '%(name)s' is given twice (first on line %(first)d)"),
                    name=key,
                    first=lines[key],
                )
            else:
                lines[key] = first_line + line_of(key_node.start_mark, text)
    return data, lines


class Meta:
    """Typed access to front matter values, reporting problems at the key's line."""

    def __init__(self, data: dict, lines: dict[str, int], fp: FileProblems, broken: bool = False):
        self.data, self.lines, self.fp = data, lines, fp
        self.broken = broken  # the front matter could not be read: the body is still checked, the file not kept

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)

    def err(self, key: str, message: str, **params: Any) -> None:
        """A problem at the line of ``key``: ``message`` is a msgid, filled from ``params``."""
        self.fp.add(self.line(key), message, **params)

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def string(self, key: str, default: str | None = None) -> str | None:
        if not self.has(key):
            return default
        value = self.data[key]
        if isinstance(value, bool) or isinstance(value, list | dict):
            self.err(key, N_("'%(name)s' must be text, not %(type)s"), name=key, type=type(value).__name__)
            return default
        value = str(value).strip()
        if not value:
            self.err(key, N_("'%(name)s' is empty"), name=key)
            return default
        return value

    def ident(self, key: str) -> str | None:
        value = self.string(key)
        if value is not None and not ID_RE.match(value):
            self.err(
                key,
                N_(
                    "'%(name)s' must be lowercase latin letters, digits and '-' (like 'courier-no-call', at most 100), "
                    "not '%(value)s'"
                ),
                name=key,
                value=brief(value),
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
            self.err(key, N_("'%(name)s' must be a number, not '%(value)s'"), name=key, value=brief(value))
            return default
        if integer and value != int(value):
            self.err(key, N_("'%(name)s' must be a whole number, not %(value)s"), name=key, value=str(value))
            return default
        if positive and value <= 0:
            self.err(key, N_("'%(name)s' must be greater than 0, not %(value)s"), name=key, value=str(value))
            return default
        if minimum is not None and value < minimum or maximum is not None and value > maximum:
            self.err(
                key,
                N_("'%(name)s' must be between %(min)s and %(max)s, not %(value)s"),
                name=key,
                min=f"{minimum:g}",
                max=f"{maximum:g}",
                value=str(value),
            )
            return default
        return int(value) if integer else float(value)

    def boolean(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.err(key, N_("'%(name)s' must be true or false, not '%(value)s'"), name=key, value=brief(value))
            return default
        return value

    def id_list(self, key: str) -> list[str]:
        if not self.has(key):
            return []
        value = self.data[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.err(key, N_("'%(name)s' must be a list like [a, b]"), name=key)
            return []
        out = []
        for v in value:
            if not isinstance(v, str) or not ID_RE.match(v):
                self.err(key, N_("'%(name)s' has an invalid id '%(value)s'"), name=key, value=brief(v))
            else:
                out.append(v)
        return out

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None) -> str | None:
        value = self.string(key)
        if value is None:
            return default
        if value not in allowed:
            self.err(
                key,
                N_("'%(name)s' must be one of %(allowed)s, not '%(value)s'"),
                name=key,
                allowed=", ".join(allowed),
                value=value,
            )
            return default
        return value


def read_front_matter(kind: str, text: str, fp: FileProblems) -> tuple[Meta | None, list[str], int]:
    fm_lines, body_lines, body_start = split_front_matter(text, fp)
    if fm_lines is None:
        return None, body_lines, body_start
    before = len(fp.problems)
    data, lines = parse_yaml_block(fm_lines, fp)
    if data is None and len(fp.problems) == before:
        fp.add(1, N_("the front matter is empty"))
    if data is None:  # reported; the body's own problems are worth reporting in the same run
        return Meta({}, {}, fp, broken=True), body_lines, body_start
    if not isinstance(data, dict):
        fp.add(2, N_("the front matter must be 'key: value' lines"))
        return Meta({}, {}, fp, broken=True), body_lines, body_start
    meta = Meta(data, lines, fp)
    allowed = KIND_KEYS[kind]
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
            if close:
                meta.err(
                    str(key), N_("unknown key '%(name)s' — did you mean '%(close)s'?"), name=str(key), close=close[0]
                )
            else:
                meta.err(
                    str(key),
                    N_("unknown key '%(name)s' (allowed: %(allowed)s)"),
                    name=str(key),
                    allowed=", ".join(sorted(allowed)),
                )
    for key in REQUIRED_KEYS[kind]:
        if key in data and not meta.has(key):
            meta.err(key, N_("'%(name)s' is empty: write its value after '%(name)s:'"), name=key)
        elif not meta.has(key):
            fp.add(1, N_("missing required key '%(name)s'"), name=key)
    return meta, body_lines, body_start


def common_fields(meta: Meta) -> dict:
    lang = meta.string("lang")
    if lang is not None and not LANG_RE.match(lang):
        meta.err(
            "lang",
            N_("'lang' must be a language code such as ru, en or bg (at most 16 characters), not '%(value)s'"),
            value=lang,
        )
        lang = None
    title = meta.string("title")
    if title is not None and len(title) > TITLE_MAX:
        meta.err(
            "title", N_("the title is %(length)d characters long; at most %(max)d"), length=len(title), max=TITLE_MAX
        )
        title = None
    return {
        "id": meta.ident("id") or "",
        "title": title or "",
        "lang": lang,
        "skills": meta.id_list("skills"),
    }
