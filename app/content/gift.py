"""Moodle GIFT <-> Rapport quiz Markdown.

Reads a file as Moodle's own GIFT import does (qformat_gift): the type of a question comes from its
answers alone; text after the answers puts a blank in their place ("missing word"); every text (the
question, each answer, each feedback, the general feedback) may start with its own format marker
([html], [markdown], [plain], [moodle]), which is taken off and says how to read that text.

Converts multiple choice (one answer or several, with percentages) and true/false, with per-answer and
general feedback, categories, comments, question names and escapes. Types the quiz format cannot
express (essay, matching, numerical, short answer, description) are skipped and reported under their
type with their line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.content.blocks import FENCE_RE
from app.content.html_md import escape_markdown, html_to_markdown
from app.content.model import N_, Message, Quiz

ESCAPES = {":": "\x01", "#": "\x02", "=": "\x03", "~": "\x04", "{": "\x05", "}": "\x06", "\\": "\x07"}
RESTORE = {v: k for k, v in ESCAPES.items()}
FORMAT_RE = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]\s*", re.IGNORECASE)
NAME_RE = re.compile(r"^\s*::(.*?)::", re.DOTALL)
WEIGHT_RE = re.compile(r"^%(-?\d+(?:[.,]\d+)?)%")
BLANK = "\x0e"  # where a missing word question's answers stood, until the text is Markdown


@dataclass
class GiftAnswer:
    text: str
    correct: bool
    weight: float
    feedback: str = ""


@dataclass
class GiftQuestion:
    line: int
    name: str
    text: str
    fmt: str
    kind: str  # single | multiple | truefalse | essay | matching | numerical | short answer | description | ...
    answers: list[GiftAnswer] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)  # '=' or '~' of each answer of a multiple choice
    general_feedback: str = ""
    category: str = ""


@dataclass
class ConversionResult:
    markdown: str
    converted: int
    skipped: list[tuple[int, str]]
    questions: list[GiftQuestion] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)  # converted, but not exactly as written


def read_gift_text(raw: bytes) -> str:
    return raw.decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _protect(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in ESCAPES:
                out.append(ESCAPES[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return "".join(RESTORE.get(ch, ch) for ch in text)


def _blocks(text: str, braces: bool = True) -> list[tuple[int, str, str]]:
    """Split into (first line number, block text, category in force), dropping comments. A blank line
    inside a question's braces does not end it; when a '{' is never closed, blank lines end every
    question, so the unclosed one does not swallow the rest of the file."""
    blocks = []
    current: list[str] = []
    start = 0
    category = ""
    depth = 0
    for n, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):  # a comment, even among a question's answers (as Moodle reads it)
            continue
        if not stripped and depth == 0:
            if current:
                blocks.append((start, "\n".join(current), category))
                current = []
            continue
        if not current and depth == 0 and stripped.lower().startswith("$category:"):
            category = stripped.split(":", 1)[1].strip()
            continue
        if not current:
            start = n
        if braces:
            protected = _protect(raw)
            depth += protected.count("{") - protected.count("}")
            depth = max(depth, 0)
        current.append(raw)
    if current:
        blocks.append((start, "\n".join(current), category))
    if depth > 0:  # a '{' still open at the end: split again at every blank line
        return _blocks(text, braces=False)
    return blocks


def _with_format(text: str, default: str) -> tuple[str, str]:
    """(the text without its format marker, the format to read it in): as Moodle reads every text of a
    question, a leading [html], [markdown], [plain] or [moodle] sets the format of that text alone."""
    text = text.strip()
    match = FORMAT_RE.match(text)
    if match:
        return text[match.end() :].strip(), match.group(1).lower()
    return text, default


def _clean(text: str, fmt: str) -> str:
    """A text of the question (escapes protected) as Markdown, read in its format."""
    text = _restore(text).strip()
    if fmt == "html" or (fmt == "moodle" and re.search(r"<[A-Za-z/]", text)):
        text = html_to_markdown(text)
    elif fmt == "plain":
        text = escape_markdown(text)
    text = text.replace(BLANK, "\\_" * 5)  # the missing word's blank, shown as five underscores
    return re.sub(r"[ \t]+\n", "\n", text)


def _read(text: str, default: str) -> str:
    """A text that may start with its own format marker, as Markdown (Moodle's parse_text_with_format)."""
    return _clean(*_with_format(text, default))


def parse_gift(text: str) -> list[GiftQuestion]:
    """Every question of a GIFT file, including those we cannot convert."""
    return [_parse_block(line, block, category) for line, block, category in _blocks(text)]


def _parse_block(line: int, block: str, category: str) -> GiftQuestion:
    """One question as Moodle's qformat_gift reads it: the name, the text (its answers' place taken by
    a blank when text follows them), the general feedback, then the type, decided by the answers alone."""
    protected = _protect(block).strip()
    name = ""
    match = NAME_RE.match(protected)
    if match:
        name = _restore(match.group(1)).strip()
        protected = protected[match.end() :].strip()
    open_at, close_at = protected.find("{"), protected.find("}")
    if open_at == -1 and close_at == -1:
        q_text, fmt = _with_format(protected, "moodle")
        text_only = _clean(q_text, fmt)
        return GiftQuestion(line, name or _default_name(text_only), text_only, fmt, "description", category=category)
    if open_at == -1 or close_at < open_at:
        q_text, fmt = _with_format(protected[: open_at if open_at != -1 else close_at], "moodle")
        text_only = _clean(q_text, fmt)
        kind = "unclosed" if close_at == -1 else "braces"
        return GiftQuestion(line, name or _default_name(text_only), text_only, fmt, kind, category=category)
    answer_part = protected[open_at + 1 : close_at].strip()
    after = protected[close_at + 1 :]
    if protected.endswith("}"):
        q_source = protected[:open_at] + after
    else:  # text after the answers: Moodle puts a blank where they stood ("missing word")
        q_source = protected[:open_at] + BLANK + after
    q_source, fmt = _with_format(q_source, "moodle")
    q_text = _clean(q_source, fmt)
    q = GiftQuestion(line, name or _default_name(q_text), q_text, fmt, "single", category=category)
    general_at = answer_part.rfind("####")
    if general_at != -1:
        q.general_feedback = _read(answer_part[general_at + 4 :], fmt)
        answer_part = answer_part[:general_at].strip()
    q.kind = _kind(answer_part)
    if q.kind == "truefalse":
        _true_false(q, answer_part, fmt)
    elif q.kind == "multichoice":
        _multichoice(q, answer_part, fmt)
    return q


def _default_name(text: str) -> str:
    return text[:40].strip()


def _kind(answers: str) -> str:
    """The question type Moodle gives an answer section (after the general feedback is taken off)."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "matching"
    head = answers.split("#", 1)[0].strip()
    return "truefalse" if head in ("T", "TRUE", "F", "FALSE") else "short answer"


def _true_false(q: GiftQuestion, answers: str, fmt: str) -> None:
    """A true/false question ({T}, {FALSE#wrong#right}) as two options in the question's language."""
    parts = answers.split("#", 2)
    value = parts[0].strip().startswith("T")
    wrong_fb = _read(parts[1], fmt) if len(parts) > 1 else ""
    right_fb = _read(parts[2], fmt) if len(parts) > 2 else ""
    russian = _looks_russian(q.text)
    q.kind = "truefalse"
    q.answers = [
        GiftAnswer("Верно" if russian else "True", value, 100 if value else 0, right_fb if value else wrong_fb),
        GiftAnswer("Неверно" if russian else "False", not value, 0 if value else 100, wrong_fb if value else right_fb),
    ]


def _multichoice(q: GiftQuestion, answers: str, fmt: str) -> None:
    """A multiple choice question: each '=' or '~' starts an answer; with an '=' anywhere one answer is
    chosen ('=' right, '~' wrong), without one several are, each '~%n%' weighing n percent. Each answer
    and each feedback may carry its own format marker."""
    single = "=" in answers
    pieces = [p.strip() for p in answers.replace("=", "~=").split("~")]
    for piece in pieces[1:] if not pieces[0] else pieces:
        if piece.startswith("="):
            weight, mark, piece = 100.0, "=", piece[1:]
        else:
            wm = WEIGHT_RE.match(piece)
            weight, mark = (float(wm.group(1).replace(",", ".")), "~") if wm else (0.0, "~")
            piece = piece[wm.end() :] if wm else piece
        text, _sep, feedback = piece.partition("#")
        correct = mark == "=" if single else weight > 0
        q.answers.append(GiftAnswer(_read(text, fmt), correct, weight, _read(feedback, fmt)))
        q.marks.append(mark)
    if single:
        q.kind = "single" if q.marks.count("=") == 1 else "multiple"
    else:
        q.kind = "multiple"


def _looks_russian(text: str) -> bool:
    return bool(re.search(r"[а-яА-ЯёЁ]", text))


def _one_line(text: str) -> str:
    return " ".join(text.split())


# What YAML does not allow in a file (line breaks included): written as "\uXXXX" escapes.
YAML_UNSAFE_RE = re.compile("[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + YAML_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def _feedback_lines(text: str, indent: str) -> list[str]:
    return [f"{indent}> {line}".rstrip() for line in text.split("\n")]


CONVERTIBLE = ("single", "multiple", "truefalse")


def gift_to_quiz(text: str, quiz_id: str, title: str | None = None, lang: str | None = None) -> ConversionResult:
    """A Rapport quiz file from GIFT text, with the list of skipped questions."""
    questions = parse_gift(text)
    convertible, skipped = _sort_out(questions)
    notes: list[tuple[int, str]] = []
    if title is None:
        title = _title_from_categories(convertible, quiz_id)
    if lang is None and convertible:
        lang = "ru" if any(_looks_russian(q.text) for q in convertible) else "en"
    out = ["---", f"id: {quiz_id}", f"title: {_quote(title)}"]
    if lang:
        out.append(f"lang: {lang}")
    out += ["---", ""]
    for q in convertible:
        out += _question_markdown(q, notes)
    return ConversionResult("\n".join(out).rstrip("\n") + "\n", len(convertible), skipped, questions, notes)


SKIP_REASONS = {
    "unclosed": N_('skipped question "%(name)s": its answers open with { but are never closed with }'),
    "braces": N_('skipped question "%(name)s": a } comes before its answers open with {'),
}
SKIPPED_KIND = {  # Moodle's question types a quiz cannot hold
    "essay": N_('skipped essay question "%(name)s"'),
    "numerical": N_('skipped numerical question "%(name)s"'),
    "matching": N_('skipped matching question "%(name)s"'),
    "short answer": N_('skipped short answer question "%(name)s"'),
    "description": N_('skipped description question "%(name)s"'),
}


def _sort_out(questions: list[GiftQuestion]) -> tuple[list[GiftQuestion], list[tuple[int, str]]]:
    """(the questions a quiz can hold, (line, reason) of each one skipped, under its Moodle type)."""
    skipped: list[tuple[int, str]] = []
    convertible = []
    for q in questions:
        if q.kind in CONVERTIBLE and len(q.answers) >= 2 and any(a.correct for a in q.answers):
            convertible.append(q)
        elif q.kind in SKIP_REASONS:
            skipped.append((q.line, Message(SKIP_REASONS[q.kind], name=q.name)))
        elif q.kind in CONVERTIBLE:
            if len(q.answers) < 2:
                why = N_('skipped multiple choice question "%(name)s": it needs at least two answers')
            else:
                why = N_('skipped multiple choice question "%(name)s": none of its answers is right')
            skipped.append((q.line, Message(why, name=q.name)))
        elif q.kind in SKIPPED_KIND:
            skipped.append((q.line, Message(SKIPPED_KIND[q.kind], name=q.name)))
        else:
            skipped.append((q.line, Message(N_('skipped %(kind)s question "%(name)s"'), kind=q.kind, name=q.name)))
    return convertible, skipped


def _title_from_categories(convertible: list[GiftQuestion], quiz_id: str) -> str:
    """The last part of the first category ('$course$/Service/Complaints' -> 'Complaints'), else the id."""
    categories = [q.category for q in convertible if q.category]
    title = categories[0].split("/")[-1].strip() if categories else quiz_id
    return re.sub(r"^\$(course|cat\d+|module|system)\$/?", "", title).strip() or quiz_id


def _question_markdown(q: GiftQuestion, notes: list[tuple[int, str]]) -> list[str]:
    """The lines of one quiz question: heading, settings, prompt, options with feedback, explanation."""
    heading, extra = _heading_and_prompt(q)
    out = [f"## {heading}"]
    out += _scoring_settings(q, notes)
    out.append("")
    if extra:
        out += [_escape_block(extra), ""]
    for a in q.answers:
        out.append(f"- [{'x' if a.correct else ' '}] {_escape_option(_one_line(a.text)) or '—'}")
        if a.feedback:
            out += _feedback_lines(a.feedback, "  ")
    if q.general_feedback:
        out.append("")
        out += _feedback_lines(q.general_feedback, "")
    out.append("")
    return out


def _heading_and_prompt(q: GiftQuestion) -> tuple[str, str]:
    """The heading (the question's name, else its first line) and the prompt text under it."""
    prompt_lines = [line for line in q.text.split("\n")]
    heading = _one_line(q.name) if q.name and q.name != q.text[:40].strip() else _one_line(prompt_lines[0])
    extra = q.text if heading != _one_line(prompt_lines[0]) else "\n".join(prompt_lines[1:]).strip()
    if not heading.strip("#").strip():  # '## #' is an empty heading in Markdown
        heading, extra = "Question", q.text.strip()
    return heading, extra


def _scoring_settings(q: GiftQuestion, notes: list[tuple[int, str]]) -> list[str]:
    """'type:' and 'scoring:' lines a question needs; a note when its credits could not be kept."""
    out = []
    correct = [a for a in q.answers if a.correct]
    partial = (
        q.kind == "multiple"
        and any(0 < a.weight < 100 for a in correct)
        or (q.kind == "multiple" and any(a.weight < 0 for a in q.answers))
    )
    if q.kind == "multiple" and len(correct) == 1:
        out.append("type: multiple")
    if "=" in q.marks:  # Moodle's one-answer question: partial credit and 'any of several' are not kept
        lost = [f"{a.weight:g}%" for a, mark in zip(q.answers, q.marks, strict=True) if mark == "~" and a.weight]
        if lost:
            notes.append(
                (
                    q.line,
                    Message(
                        N_('question "%(name)s": the credit of its ~ answers (%(credits)s) is not kept'),
                        name=q.name,
                        credits=", ".join(lost),
                    ),
                )
            )
        if len(correct) > 1:
            notes.append(
                (
                    q.line,
                    Message(
                        N_(
                            'question "%(name)s": Moodle takes any one of its %(count)d = answers; here all must be chosen'
                        ),
                        name=q.name,
                        count=len(correct),
                    ),
                )
            )
    if partial:
        out.append("scoring: partial")
        if len({a.weight for a in correct}) > 1 or any(a.weight < 0 for a in q.answers):
            notes.append(
                (
                    q.line,
                    Message(
                        N_(
                            'question "%(name)s": its credits (%(credits)s) became partial scoring, where each right '
                            "option counts the same and each wrong one takes as much away"
                        ),
                        name=q.name,
                        credits=", ".join(f"{a.weight:g}%" for a in q.answers),
                    ),
                )
            )
    return out


def _escape_option(text: str) -> str:
    # An option starting with "[x]" or "[ ]" would be read as a checkbox twice; escape the bracket.
    return "\\" + text if text.startswith("[") else text


def _escape_block(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        fence = FENCE_RE.match(line)
        if fence:  # a ``` or ~~~ line would open a code block that swallows the options after it
            line = fence.group(1) + "\\" + line[len(fence.group(1)) :]
        elif re.match(r"^[-*+]\s+\[( |x|X)\]", line) or line.startswith(">") or line.startswith("## "):
            line = "\\" + line
        lines.append(line)
    # Right under the heading, 'skill: ...' or 'type: ...' would be read as a question setting;
    # '&#58;' renders as ':' (Python-Markdown keeps a backslash before ':').
    if lines and re.match(r"^[A-Za-z_][\w-]*\s*:", lines[0]):
        lines[0] = lines[0].replace(":", "&#58;", 1)
    return "\n".join(lines)


# ---------------------------------------------------------------- export
def _gift_escape(text: str) -> str:
    for ch in "\\~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def quiz_to_gift(quiz: Quiz) -> str:
    """GIFT text for a quiz; order questions, which GIFT cannot express, become comments."""
    out = [f"// Rapport quiz {quiz.id}: {quiz.title}", f"$CATEGORY: $course$/{quiz.title}", ""]
    for q in quiz.questions:
        prompt = q.prompt + ("\n\n" + q.text if q.text else "")
        if q.type == "order":
            out += [f"// skipped order question {q.key}: GIFT has no ordering type", ""]
            continue
        answers = []
        correct = q.correct_indexes
        wrong_count = len(q.options) - len(correct)
        for option in q.options:
            if q.type == "single":
                mark = "=" if option.correct else "~"
            elif option.correct:
                mark = f"~%{_pct(100 / len(correct))}%"
            else:
                mark = f"~%-{_pct(100 / max(wrong_count, 1))}%"
            fb = f"#{_gift_escape(option.feedback)}" if option.feedback else ""
            answers.append(f"\t{mark}{_gift_escape(option.text)}{fb}")
        general = f"\t####{_gift_escape(q.explanation)}" if q.explanation else ""
        out.append(f"::{_gift_escape(q.key)}::[markdown]{_gift_escape(prompt)} {{")
        out += answers
        if general:
            out.append(general)
        out += ["}", ""]
    return "\n".join(out)


def _pct(value: float) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return text
