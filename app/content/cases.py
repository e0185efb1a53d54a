"""Cases: a Markdown story whose fenced ```choice blocks are decision points."""

from __future__ import annotations

import math

from app.content.blocks import FEEDBACK_RE, FENCE_RE, closing_line
from app.content.common import N_, FileProblems, join_md
from app.content.frontmatter import common_fields, read_front_matter
from app.content.model import Case, ChoiceBlock, ChoiceOption, Problem


def parse_case(text: str, path: str, problems: list[Problem]) -> Case | None:
    fp = FileProblems(path, problems)
    meta, body_lines, start = read_front_matter("case", text, fp)
    if meta is None:
        return None
    minutes = _minutes(meta)
    quiz = meta.ident("quiz")
    choices = _choice_blocks(body_lines, start, fp)
    if not join_md(body_lines):
        fp.add(start, N_("the case has no text"))
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
            **common_fields(meta),
        )
    )


def _minutes(meta) -> int | None:
    """The reading time: whole minutes (a page shows "3 min"); a fraction is refused with the nearest
    whole numbers to write instead."""
    if not meta.has("minutes"):
        return None
    value = meta.data["minutes"]
    if isinstance(value, float) and math.isfinite(value) and value > 0 and value != int(value):
        nearest = sorted({max(math.floor(value), 1), math.ceil(value)})
        if len(nearest) == 2:
            message = N_("'minutes' counts whole minutes: write %(low)s or %(high)s, not %(value)s")
        else:
            message = N_("'minutes' counts whole minutes: write %(low)s, not %(value)s")
        meta.err("minutes", message, low=str(nearest[0]), high=str(nearest[-1]), value=f"{value:g}")
        return None
    return meta.number("minutes", 0, integer=True, positive=True)


def _choice_blocks(body_lines: list[str], start: int, fp: FileProblems) -> list[ChoiceBlock]:
    """The decision points of a case body: its fenced code blocks whose info string is ``choice``."""
    choices = []
    i = 0
    while i < len(body_lines):
        match = FENCE_RE.match(body_lines[i])
        if not match:
            i += 1
            continue
        fence, info = match.group(2), match.group(3)
        j = closing_line(body_lines, i + 1, fence)
        if j >= len(body_lines):
            fp.add(start + i, N_("the code block opened with %(fence)s is never closed"), fence=fence)
            break
        if info == "choice":
            choices.append(parse_choice(body_lines[i + 1 : j], start + i + 1, fp))
        i = j + 1
    return choices


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
                fp.add(first + k, N_("an option of this decision point is empty"))
            options.append(ChoiceOption(text=option_text, best=best))
            continue
        if options:
            if line.strip():
                if line[:1] in (" ", "\t"):
                    options[-1].text += " " + line.strip()
                else:
                    fp.add(
                        first + k,
                        N_(
                            "text after the options of a decision point: start it with '- ' (an option) "
                            "or indent it with '  > ' (feedback)"
                        ),
                    )
            continue
        prompt.append(line)
    if not join_md(prompt):
        fp.add(first - 1, N_("the decision point has no prompt: write the situation before the first '- ' option"))
    if len(options) < 2:
        fp.add(first - 1, N_("a decision point needs at least two '- ' options"))
    return ChoiceBlock(prompt=join_md(prompt), options=options, line=first - 1)
