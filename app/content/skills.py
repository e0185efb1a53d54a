"""``skills.yml``: the list of skills every other file refers to by id."""

from __future__ import annotations

import yaml

from app.content.common import ID_RE, N_, FileProblems, brief
from app.content.model import Problem, Skill, SkillSet
from app.content.yaml_reader import line_of, load_yaml, reader_line, reason, text_as_written

SKILL_KEYS = ("id", "title", "description")


def parse_skills(text: str, path: str, problems: list[Problem]) -> SkillSet:
    fp = FileProblems(path, problems)
    out = SkillSet(path=path, source=text)
    loaded = _load(text, fp)
    if loaded is None:
        return out
    node, data = loaded
    seen: dict[str, int] = {}
    for entry, entry_node in zip(data, node.value, strict=False):
        skill = _skill(entry, entry_node, text, fp, seen)
        if skill is not None:
            out.skills.append(skill)
    return out


def _load(text: str, fp: FileProblems) -> tuple[yaml.SequenceNode, list] | None:
    """(node, data) of a readable list of skills; None when the file is not one (reported)."""
    try:
        node, data = load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        index = line_of(mark, text) if mark else 0
        written = text.split("\n")[index] if mark else ""
        message = N_("not valid YAML (%(reason)s)")
        if written.count(": ") + written.rstrip().endswith(":") >= 2:  # a value with ': ' in it, unquoted
            message = N_(
                'not valid YAML (%(reason)s): a value on this line contains ": " and must be put in double quotes, '
                'like {en: "Empathy: feelings"}'
            )
        fp.add(index + 1, message, reason=str(exc.problem or exc))
        return None
    except yaml.YAMLError as exc:
        fp.add(reader_line(exc, text) + 1, N_("not valid YAML: %(reason)s"), reason=reason(exc))
        return None
    if data is None:
        fp.add(1, N_("the skills file is empty"))
        return None
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        fp.add(1, N_("skills.yml must be a list of skills ('- id: ...')"))
        return None
    return node, data


def _skill(entry, entry_node, text: str, fp: FileProblems, seen: dict[str, int]) -> Skill | None:
    """One entry of the list; None when it cannot be kept (reported)."""
    line = line_of(entry_node.start_mark, text) + 1
    if not isinstance(entry, dict):
        fp.add(line, N_("each skill must be a mapping with id and title"))
        return None
    key_lines = (
        {str(k.value): line_of(k.start_mark, text) + 1 for k, _ in entry_node.value}
        if isinstance(entry_node, yaml.MappingNode)
        else {}
    )
    text_as_written(entry_node, entry)
    for key in entry:
        if key not in SKILL_KEYS:
            fp.add(
                key_lines.get(str(key), line),
                N_("unknown key '%(name)s' in a skill (allowed: id, title, description)"),
                name=str(key),
            )
    skill_id = entry.get("id")
    id_line = key_lines.get("id", line)
    if not isinstance(skill_id, str) or not ID_RE.match(skill_id):
        fp.add(
            id_line,
            N_("a skill needs an id of lowercase latin letters, digits and '-' (at most 100), not '%(value)s'"),
            value=brief(skill_id),
        )
        return None
    if skill_id in seen:
        fp.add(id_line, N_("duplicate skill id '%(id)s' (first on line %(first)d)"), id=skill_id, first=seen[skill_id])
        return None
    seen[skill_id] = id_line
    title = _localised(entry.get("title"), "title", key_lines.get("title", line), fp, required=True)
    description = _localised(entry.get("description"), "description", key_lines.get("description", line), fp)
    return Skill(id=skill_id, title=title or {"en": skill_id}, description=description or {}, line=line)


def _localised(value, key: str, line: int, fp: FileProblems, required: bool = False) -> dict[str, str] | None:
    if value is None:
        if required:
            fp.add(line, N_("a skill needs a %(name)s"), name=key)
        return None
    if isinstance(value, str):
        return {"": value}
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()) and value:
        return dict(value)
    fp.add(line, N_("'%(name)s' must be text or a mapping of language to text, like {en: ..., ru: ...}"), name=key)
    return None
