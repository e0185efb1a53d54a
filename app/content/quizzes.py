"""Quizzes: each '## ' heading is a question, with its settings, prompt, options and explanation.

A question reads, in this order: settings right under the heading (``skill:``, ``points:``,
``type:``, ``scoring:``), the prompt (free Markdown), the options (``- [ ]`` / ``- [x]``, or a
numbered list for ``type: order``) with indented ``  > `` feedback, and a ``> `` explanation.
"""

from __future__ import annotations

import difflib
import re

from app.content.blocks import BARE_BULLET_RE, FEEDBACK_RE, SETTING_RE, code_fence_mask, skip_blank, split_sections
from app.content.common import ID_RE, N_, FileProblems, join_md, positive_number
from app.content.frontmatter import common_fields, read_front_matter
from app.content.model import Option, Problem, Question, Quiz

QUESTION_KEYS = ("skill", "points", "type", "scoring")
QUESTION_TYPES = ("single", "multiple", "order")
OPTION_RE = re.compile(r"^[-*+]\s+\[( |x|X)\]\s*(.*)$")
ORDER_ITEM_RE = re.compile(r"^\d+[.)]\s+(.*)$")
EXPLANATION_RE = re.compile(r"^>\s?(.*)$")

Settings = dict[str, tuple[str, int]]  # name -> (value, line)


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
        **common_fields(meta),
    )
    mask = code_fence_mask(body_lines, start, fp)
    intro, sections = split_sections(body_lines, start, mask)
    quiz.intro = join_md(intro)
    for n, (heading, line, lines) in enumerate(sections, start=1):
        fenced = mask[line + 1 - start : line + 1 - start + len(lines)]
        quiz.questions.append(parse_question(f"q{n}", heading, line, lines, fp, fenced))
    if not quiz.questions:
        fp.add(start if body_lines else 1, N_("the quiz has no question: each question starts with a '## ' heading"))
    return None if meta.broken else quiz


def parse_question(
    key: str, heading: str, line: int, lines: list[str], fp: FileProblems, fenced: list[bool] | None = None
) -> Question:
    """One question from the lines under its heading; ``fenced`` marks those inside a code block of the
    prompt (their '- [x]' is an example, not an option)."""
    fenced = fenced or [False] * len(lines)
    q = Question(key=key, prompt=heading.strip(), line=line)
    if not q.prompt:
        fp.add(line, N_("the question heading is empty"))
    settings, i = _read_settings(lines, line, fp)
    explicit_type = settings.get("type", (None, 0))[0]
    body = _QuestionBody(q, fp, order_mode=explicit_type == "order")
    for k in range(i, len(lines)):
        body.feed(lines[k], line + 1 + k, fenced[k])
    q.text = join_md(body.prompt_lines)
    q.explanation = join_md(body.explanation)
    for name, apply in SETTING_HANDLERS.items():
        if name in settings:
            apply(q, *settings[name], fp)
    _settle_type(q, settings, lines[i:], fp)
    return q


# ---------------------------------------------------------------- settings under the heading
def _read_settings(lines: list[str], line: int, fp: FileProblems) -> tuple[Settings, int]:
    """The settings right under the heading and the index of the first line after them."""
    i = skip_blank(lines, 0)
    settings: Settings = {}
    while i < len(lines):
        if not lines[i].strip() and settings:  # a blank line between two settings
            ahead = skip_blank(lines, i)
            if not _is_setting(lines[ahead] if ahead < len(lines) else None):
                break
            i = ahead
            continue
        match = SETTING_RE.match(lines[i])
        if not match or not _take_setting(match.group(1), match.group(2), line + 1 + i, settings, fp):
            break
        i += 1
    return settings, i


def _is_setting(text: str | None) -> bool:
    following = SETTING_RE.match(text) if text is not None else None
    return bool(following) and following.group(1) in QUESTION_KEYS


def _take_setting(name: str, value: str, ln: int, settings: Settings, fp: FileProblems) -> bool:
    """Keep one setting line (or report a misspelt one); False when the line is not a setting at all."""
    if name in QUESTION_KEYS:
        if name in settings:
            fp.add(ln, N_("question setting '%(name)s' is given twice"), name=name)
        settings[name] = (value, ln)
        return True
    close = difflib.get_close_matches(name, QUESTION_KEYS, n=1, cutoff=0.7) if name.isascii() and name.islower() else []
    if close:
        fp.add(ln, N_("unknown question setting '%(name)s' — did you mean '%(close)s'?"), name=name, close=close[0])
        return True
    return False


def _set_skill(q: Question, value: str, ln: int, fp: FileProblems) -> None:
    if not ID_RE.match(value):
        fp.add(ln, N_("'skill' must be a skill id like 'empathy', not '%(value)s'"), value=value)
    else:
        q.skill, q.skill_line = value, ln


def _set_points(q: Question, value: str, ln: int, fp: FileProblems) -> None:
    points = positive_number(value)
    if points is None:
        fp.add(ln, N_("'points' must be a positive number, not '%(value)s'"), value=value)
    else:
        q.points = points


def _set_scoring(q: Question, value: str, ln: int, fp: FileProblems) -> None:
    if value not in ("all", "partial"):
        fp.add(ln, N_("'scoring' must be all or partial, not '%(value)s'"), value=value)
    else:
        q.scoring = value


# Applied in this order, so their problems are reported in it; 'type' is settled last, from the options.
SETTING_HANDLERS = {"skill": _set_skill, "points": _set_points, "scoring": _set_scoring}


def _settle_type(q: Question, settings: Settings, rest: list[str], fp: FileProblems) -> None:
    """The question's type (written or implied by its options) and the checks of its options."""
    explicit_type, type_line = settings.get("type", (None, q.line))
    if explicit_type is not None and explicit_type not in QUESTION_TYPES:
        fp.add(type_line, N_("'type' must be single, multiple or order, not '%(value)s'"), value=explicit_type)
        explicit_type = None
    correct = len(q.correct_indexes)
    if explicit_type == "order":
        q.type = "order"
        if len(q.options) < 2:
            fp.add(
                q.line, N_("an order question needs at least two numbered items (1. 2. ...) written in the right order")
            )
        return
    if any(ORDER_ITEM_RE.match(t) for t in rest) and not q.options:
        fp.add(
            q.line,
            N_(
                "this question has a numbered list but no options: add 'type: order' under the heading "
                "for an ordering question"
            ),
        )
        return
    q.type = explicit_type or ("multiple" if correct > 1 else "single")
    if len(q.options) < 2:
        fp.add(
            q.line,
            N_("the question needs at least two options ('- [ ]' / '- [x]'); it has %(count)d"),
            count=len(q.options),
        )
    if q.options and correct == 0:
        fp.add(q.line, N_("the question has no correct option: mark the right one(s) with '- [x]'"))
    if explicit_type == "single" and correct > 1:
        fp.add(type_line, N_("'type: single' allows one correct option, but %(count)d are marked [x]"), count=correct)


# ---------------------------------------------------------------- prompt, options, explanation
class _QuestionBody:
    """Reads the lines after the settings one at a time: prompt, then options, then explanation."""

    def __init__(self, q: Question, fp: FileProblems, order_mode: bool):
        self.q, self.fp, self.order_mode = q, fp, order_mode
        self.prompt_lines: list[str] = []
        self.explanation: list[str] = []
        self.in_options = False
        self.after_explanation = False
        # Tried in this order; the first that takes a line has it, else it belongs to the prompt.
        # Before the first option only these can take a line (the others read what follows options).
        self.prompt_readers = (self._option, self._order_item, self._misplaced_option, self._blank)
        self.option_readers = (
            self._option,
            self._order_item,
            self._misplaced_option,
            self._feedback,
            self._explanation_line,
            self._blank,
            self._after_options,
        )

    def feed(self, text: str, ln: int, fenced: bool) -> None:
        if not self.in_options:
            if fenced:  # a '- [x]' in a code block of the prompt is an example
                self.prompt_lines.append(text)
                return
            readers = self.prompt_readers
        else:
            readers = self.option_readers
        for read in readers:
            if read(text, ln):
                return
        self.prompt_lines.append(text)

    def _option(self, text: str, ln: int) -> bool:
        option = None if self.order_mode else OPTION_RE.match(text)
        if not option:
            return False
        if self.explanation:
            self.fp.add(ln, N_("an option after the explanation: put the '> ' explanation after all the options"))
        self.in_options = True
        self.q.options.append(Option(text=option.group(2).strip(), correct=option.group(1) in "xX"))
        if not self.q.options[-1].text:
            self.fp.add(ln, N_("this option is empty"))
        return True

    def _order_item(self, text: str, ln: int) -> bool:
        item = ORDER_ITEM_RE.match(text) if self.order_mode else None
        if not item or not (self.in_options or not self.q.options):
            return False
        if self.explanation:
            self.fp.add(ln, N_("an item after the explanation: put the '> ' explanation after all the items"))
        self.in_options = True
        self.q.options.append(Option(text=item.group(1).strip(), correct=True))
        return True

    def _misplaced_option(self, text: str, ln: int) -> bool:
        if not (self.order_mode and OPTION_RE.match(text)):
            return False
        self.fp.add(
            ln, N_("an order question lists its items as a numbered list (1. 2. 3.) in the right order, not '- [ ]'")
        )
        return True

    def _feedback(self, text: str, ln: int) -> bool:
        feedback = FEEDBACK_RE.match(text)
        if not (feedback and self.in_options and not self.explanation):
            return False
        fb = self.q.options[-1].feedback
        self.q.options[-1].feedback = (fb + "\n" + feedback.group(1)) if fb else feedback.group(1)
        return True

    def _explanation_line(self, text: str, ln: int) -> bool:
        explanation_line = EXPLANATION_RE.match(text)
        if not (explanation_line and self.in_options):
            return False
        self.explanation.append(explanation_line.group(1))
        self.after_explanation = True
        return True

    def _blank(self, text: str, ln: int) -> bool:
        if text.strip():
            return False
        if self.explanation:
            self.explanation.append("")
        elif not self.in_options and self.prompt_lines:  # a paragraph break of the prompt
            self.prompt_lines.append("")
        return True

    def _after_options(self, text: str, ln: int) -> bool:
        """Any other line once the options began: a wrapped option, or a mistake to report."""
        if not self.in_options:
            return False
        if self.after_explanation:  # (an explanation line itself was taken above)
            self.fp.add(ln, N_("text after the explanation: the explanation lines must each start with '> '"))
        elif BARE_BULLET_RE.match(text) and not self.order_mode:
            self.fp.add(ln, N_("an option must start with '- [ ]' (wrong) or '- [x]' (right)"))
        elif text[:1] in (" ", "\t"):
            self.q.options[-1].text += " " + text.strip()
        else:
            self.fp.add(
                ln,
                N_(
                    "unexpected text after the options: options start with '- [ ]' or '- [x]', "
                    "feedback with '  > ', the explanation with '> '"
                ),
            )
        return True
