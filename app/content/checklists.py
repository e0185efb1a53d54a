"""Checklists: the scorecard a shopper fills in, '## ' sections of '- ' items with an attribute list.

An item reads ``- Greets within 30 seconds {id: greet-30s, skill: greeting, points: 2, critical}``;
a section may start with ``weight: 2``.
"""

from __future__ import annotations

import difflib
import re

from app.content.blocks import BARE_BULLET_RE, SETTING_RE, code_fence_mask, skip_blank, split_sections
from app.content.common import ID_RE, N_, FileProblems, brief, join_md, positive_number, slugify
from app.content.frontmatter import TITLE_MAX, common_fields, read_front_matter
from app.content.model import Checklist, ChecklistItem, ChecklistSection, Problem

CHANNELS = ("visit", "phone", "chat", "email")
ITEM_ATTRS = ("id", "skill", "points", "critical")
ATTRS_RE = re.compile(r"\s*\{([^{}]*)\}\s*$")

Attrs = dict[str, str | bool]  # an attribute written without a value ({critical}) is True


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
        **common_fields(meta),
    )
    mask = code_fence_mask(body_lines, start, fp)
    brief_lines, sections = split_sections(body_lines, start, mask)
    checklist.brief = join_md(brief_lines)
    seen_ids: dict[str, int] = {}
    for heading, line, lines in sections:
        fenced = mask[line + 1 - start : line + 1 - start + len(lines)]
        # one without items is left out of the score, like one all n/a
        checklist.sections.append(_section(heading, line, lines, fenced, fp, seen_ids))
    if not any(s.items for s in checklist.sections):
        fp.add(start if body_lines else 1, N_("the checklist has no item: add a '## ' section with '- ' items"))
    return None if meta.broken else checklist


def _section(
    heading: str, line: int, lines: list[str], fenced: list[bool], fp: FileProblems, seen_ids: dict[str, int]
) -> ChecklistSection:
    """One '## ' section from the lines under its heading; ``fenced`` marks those inside a code block."""
    section = ChecklistSection(title=heading.strip(), line=line)
    if not section.title:
        fp.add(line, N_("the section heading is empty"))
    elif len(section.title) > TITLE_MAX:  # every card keeps its sections' titles
        fp.add(
            line,
            N_("the section heading is %(length)d characters long; at most %(max)d"),
            length=len(section.title),
            max=TITLE_MAX,
        )
    k = _read_weight(section, lines, fp)
    description: list[str] = []
    written: list[list] = []  # [text, line] of each item, its wrapped lines joined
    for j in range(k, len(lines)):
        raw = lines[j]
        bullet = BARE_BULLET_RE.match(raw) if not fenced[j] else None
        if bullet:
            written.append([bullet.group(1), line + 1 + j])
        elif raw[:1] in (" ", "\t") and raw.strip() and written:
            written[-1][0] += " " + raw.strip()  # its attribute list may be on the wrapped line
        else:
            description.append(raw)
    section.items = [checklist_item(text, ln, fp, seen_ids) for text, ln in written]
    section.description = join_md(description)
    return section


def _read_weight(section: ChecklistSection, lines: list[str], fp: FileProblems) -> int:
    """Read a ``weight:`` line heading the section; the index of the first line after it."""
    k = skip_blank(lines, 0)
    weight_match = SETTING_RE.match(lines[k]) if k < len(lines) else None
    if not weight_match:
        return k
    name, value = weight_match.group(1), weight_match.group(2)
    if name == "weight":
        weight = positive_number(value)
        if weight is None:
            fp.add(section.line + 1 + k, N_("'weight' must be a positive number, not '%(value)s'"), value=value)
        else:
            section.weight = weight
        return k + 1
    if difflib.get_close_matches(name, ["weight"], cutoff=0.7):
        fp.add(section.line + 1 + k, N_("unknown section setting '%(name)s' — did you mean 'weight'?"), name=name)
        return k + 1
    return k


# ---------------------------------------------------------------- items
def parse_item_attrs(raw: str, ln: int, fp: FileProblems) -> Attrs:
    attrs: Attrs = {}
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
            if close:
                fp.add(
                    ln, N_("unknown item attribute '%(name)s' — did you mean '%(close)s'?"), name=key, close=close[0]
                )
            else:
                fp.add(
                    ln,
                    N_("unknown item attribute '%(name)s' (allowed: %(allowed)s)"),
                    name=key,
                    allowed=", ".join(ITEM_ATTRS),
                )
            continue
        if key in attrs:
            fp.add(ln, N_("item attribute '%(name)s' is given twice"), name=key)
        attrs[key] = value
    return attrs


def checklist_item(text: str, ln: int, fp: FileProblems, seen_ids: dict[str, int]) -> ChecklistItem:
    """One item from its text (wrapped lines joined) at line ``ln``; ``seen_ids`` spans the checklist."""
    attrs: Attrs = {}
    match = ATTRS_RE.search(text)
    if match:
        attrs = parse_item_attrs(match.group(1), ln, fp)
        text = text[: match.start()].rstrip()
    elif text.rstrip().endswith("}") or ("{" in text and "}" not in text):
        fp.add(ln, N_("the item's attribute list is malformed: write it at the end as {id: ..., skill: ..., critical}"))
    if not text:
        fp.add(ln, N_("the item has no text"))
    item = ChecklistItem(id="", text=text, line=ln)
    _item_id(item, attrs, fp, seen_ids)
    _item_skill(item, attrs.get("skill"), fp)
    _item_points(item, attrs.get("points"), fp)
    _item_critical(item, attrs.get("critical"), fp)
    return item


def _item_id(item: ChecklistItem, attrs: Attrs, fp: FileProblems, seen_ids: dict[str, int]) -> None:
    """The written id, else one made from the text; an id must be unique within the checklist."""
    ln = item.line
    item_id = attrs.get("id")
    if isinstance(item_id, str) and not ID_RE.match(item_id):
        fp.add(
            ln,
            N_("item id must be lowercase latin letters, digits and '-' (at most 100), not '%(value)s'"),
            value=brief(item_id),
        )
        item_id = None
    elif item_id is True:
        fp.add(ln, N_("item attribute 'id' needs a value: {id: greet-30s}"))
        item_id = None
    item.id = item_id if isinstance(item_id, str) else slugify(item.text)
    if item.id in seen_ids:
        if isinstance(attrs.get("id"), str):
            message = N_("duplicate item id '%(id)s' in this checklist (first on line %(first)d)")
        else:
            message = N_(
                "duplicate item id '%(id)s' in this checklist (first on line %(first)d); give one of them {id: ...}"
            )
        fp.add(ln, message, id=item.id, first=seen_ids[item.id])
    else:
        seen_ids[item.id] = ln


def _item_skill(item: ChecklistItem, skill: str | bool | None, fp: FileProblems) -> None:
    if skill is True or (isinstance(skill, str) and not ID_RE.match(skill)):
        fp.add(item.line, N_("item attribute 'skill' must be a skill id, not '%(value)s'"), value=str(skill))
    elif isinstance(skill, str):
        item.skill = skill


def _item_points(item: ChecklistItem, points: str | bool | None, fp: FileProblems) -> None:
    if points is None:
        return
    value = None if points is True else positive_number(points)
    if value is None:
        fp.add(item.line, N_("item attribute 'points' must be a positive number, not '%(value)s'"), value=str(points))
    else:
        item.points = value


def _item_critical(item: ChecklistItem, critical: str | bool | None, fp: FileProblems) -> None:
    """``critical`` is a flag; ``critical: true`` / ``yes`` / ``false`` / ``no`` are understood too."""
    if critical is None:
        return
    if critical is True or str(critical).lower() in ("true", "yes"):
        item.critical = True
    elif str(critical).lower() not in ("false", "no"):
        fp.add(
            item.line,
            N_("item attribute 'critical' is a flag: write just 'critical', not 'critical: %(value)s'"),
            value=str(critical),
        )
