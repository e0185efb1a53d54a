"""Moodle GIFT <-> Rapport quiz Markdown.

Converts single choice, multiple answer (with percentages), true/false, per-answer
and general feedback, categories, comments, question names, format markers and
escapes. Types the quiz format cannot express (essay, matching, numeric, short
answer, missing word, description) are skipped and reported with their line.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

from app.content.model import Quiz

ESCAPES = {":": "\x01", "#": "\x02", "=": "\x03", "~": "\x04", "{": "\x05", "}": "\x06", "\\": "\x07"}
RESTORE = {v: k for k, v in ESCAPES.items()}
FORMAT_RE = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]\s*", re.IGNORECASE)
NAME_RE = re.compile(r"^\s*::(.*?)::", re.DOTALL)
WEIGHT_RE = re.compile(r"^%(-?\d+(?:[.,]\d+)?)%")


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
    kind: str  # single | multiple | truefalse | essay | matching | numeric | short answer | missing word | description
    answers: list[GiftAnswer] = field(default_factory=list)
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
        if stripped.startswith("//") and depth == 0:
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


def _strip_html(text: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"</p\s*>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return html_lib.unescape(text).strip()


def _clean(text: str, fmt: str) -> str:
    text = _restore(text).strip()
    if fmt == "html":
        text = _strip_html(text)
    return re.sub(r"[ \t]+\n", "\n", text)


def parse_gift(text: str) -> list[GiftQuestion]:
    """Every question of a GIFT file, including those we cannot convert."""
    questions: list[GiftQuestion] = []
    for line, block, category in _blocks(text):
        protected = _protect(block)
        name = ""
        match = NAME_RE.match(protected)
        if match:
            name = _restore(match.group(1)).strip()
            protected = protected[match.end() :]
        fmt = "moodle"
        fmt_match = FORMAT_RE.match(protected)
        if fmt_match:
            fmt = fmt_match.group(1).lower()
            protected = protected[fmt_match.end() :]
        open_at = protected.find("{")
        close_at = protected.rfind("}")
        if protected.count("{") > protected.count("}"):
            text_only = _clean(protected[:open_at], fmt)
            questions.append(GiftQuestion(line, name or text_only[:40], text_only, fmt, "unclosed", category=category))
            continue
        if open_at == -1 or close_at < open_at:
            text_only = _clean(protected, fmt)
            questions.append(
                GiftQuestion(line, name or text_only[:40], text_only, fmt, "description", category=category)
            )
            continue
        before, answer_part, after = protected[:open_at], protected[open_at + 1 : close_at], protected[close_at + 1 :]
        q_text = _clean(before, fmt)
        q = GiftQuestion(line, name or q_text[:40].strip(), q_text, fmt, "single", category=category)
        if after.strip():
            q.kind = "missing word"
            q.text = _clean(before + "_____" + after, fmt)
            questions.append(q)
            continue
        _parse_answers(q, answer_part, fmt)
        questions.append(q)
    return questions


def _parse_answers(q: GiftQuestion, part: str, fmt: str) -> None:
    body = part.strip()
    general = ""
    if "####" in body:
        body, general = body.split("####", 1)
        q.general_feedback = _clean(general, fmt)
        body = body.strip()
    if not body:
        q.kind = "essay"
        return
    if body.startswith("#"):
        q.kind = "numeric"
        return
    tf = re.match(r"^(T|F|TRUE|FALSE)\s*(#.*)?$", body, re.DOTALL | re.IGNORECASE)
    if tf:
        _true_false(q, tf, fmt)
        return
    split = _split_answers(body, fmt)
    if split is None:
        q.kind = "matching"
        return
    _choice_kind(q, *split)


def _true_false(q: GiftQuestion, tf: re.Match, fmt: str) -> None:
    """A true/false question ({T}, {FALSE#wrong#right}) as two options in the question's language."""
    value = tf.group(1).upper().startswith("T")
    feedbacks = (tf.group(2) or "").split("#")[1:]
    wrong_fb = _clean(feedbacks[0], fmt) if feedbacks else ""
    right_fb = _clean(feedbacks[1], fmt) if len(feedbacks) > 1 else ""
    q.kind = "truefalse"
    q.answers = [
        GiftAnswer(
            "Верно" if _looks_russian(q.text) else "True",
            value,
            100 if value else 0,
            right_fb if value else wrong_fb,
        ),
        GiftAnswer(
            "Неверно" if _looks_russian(q.text) else "False",
            not value,
            0 if value else 100,
            wrong_fb if value else right_fb,
        ),
    ]


def _split_answers(body: str, fmt: str) -> tuple[list[GiftAnswer], list[str]] | None:
    """(answers, their marks '=' or '~') of an answer list; None for a matching question ('a -> b')."""
    answers = []
    marks = []
    for piece in re.split(r"(?=[=~])", body):
        piece = piece.strip()
        if not piece or piece[0] not in "=~":
            continue
        mark, rest = piece[0], piece[1:].strip()
        weight = 100.0 if mark == "=" else 0.0
        wm = WEIGHT_RE.match(rest)
        if wm:
            weight = float(wm.group(1).replace(",", "."))
            rest = rest[wm.end() :].strip()
        feedback = ""
        if "#" in rest:
            rest, feedback = rest.split("#", 1)
        if "->" in rest:
            return None
        marks.append(mark)
        answers.append(GiftAnswer(_clean(rest, fmt), False, weight, _clean(feedback, fmt)))
    return answers, marks


def _choice_kind(q: GiftQuestion, answers: list[GiftAnswer], marks: list[str]) -> None:
    """The kind of a question from its answers' marks, and which answers are right."""
    if not answers:
        q.kind = "essay"
        return
    if "~" not in marks:
        q.kind = "short answer"  # only '=' answers: the learner types the answer
        return
    q.answers = answers
    if "=" in marks:
        # Moodle: an '=' answer makes a single-answer question; partial '~%n%' credit cannot be kept.
        for answer, mark in zip(answers, marks, strict=True):
            answer.correct = mark == "="
        q.kind = "single" if marks.count("=") == 1 else "multiple"
    else:
        for answer in answers:
            answer.correct = answer.weight > 0
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


def _sort_out(questions: list[GiftQuestion]) -> tuple[list[GiftQuestion], list[tuple[int, str]]]:
    """(the questions a quiz can hold, (line, reason) of each one skipped)."""
    skipped: list[tuple[int, str]] = []
    convertible = []
    for q in questions:
        if q.kind in CONVERTIBLE and len(q.answers) >= 2 and any(a.correct for a in q.answers):
            convertible.append(q)
        elif q.kind == "unclosed":
            skipped.append(
                (q.line, f'skipped question "{q.name}": its answers open with {{ but are never closed with }}')
            )
        else:
            kind = q.kind if q.kind not in CONVERTIBLE else "incomplete"
            skipped.append((q.line, f'skipped {kind} question "{q.name}"'))
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
    if partial:
        out.append("scoring: partial")
        if len({a.weight for a in correct}) > 1 or any(a.weight < 0 for a in q.answers):
            notes.append(
                (
                    q.line,
                    f'question "{q.name}": its credits ({", ".join(f"{a.weight:g}%" for a in q.answers)}) became '
                    "partial scoring, where each right option counts the same and each wrong one takes as much away",
                )
            )
    return out


def _escape_option(text: str) -> str:
    # An option starting with "[x]" or "[ ]" would be read as a checkbox twice; escape the bracket.
    return "\\" + text if text.startswith("[") else text


def _escape_block(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if re.match(r"^[-*+]\s+\[( |x|X)\]", line) or line.startswith(">") or line.startswith("## "):
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
