"""Courses: front matter only, the ordered list of the course's cases and a free Markdown description."""

from __future__ import annotations

from app.content.common import N_, FileProblems, join_md
from app.content.frontmatter import common_fields, read_front_matter
from app.content.model import Course, Problem


def parse_course(text: str, path: str, problems: list[Problem]) -> Course | None:
    fp = FileProblems(path, problems)
    meta, body_lines, _start = read_front_matter("course", text, fp)
    if meta is None:
        return None
    cases = meta.id_list("cases")
    if meta.has("cases") and not cases:
        meta.err("cases", N_("a course needs at least one case"))
    seen = set()
    for case_id in cases:
        if case_id in seen:
            meta.err("cases", N_("case '%(id)s' is listed twice"), id=case_id)
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
            **common_fields(meta),
        )
    )
