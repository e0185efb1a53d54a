"""Property-based tests: the content parser and the GIFT converter never raise, whatever they are given.

Every input yields parsed content or problems, each problem with a line inside the file and a
one-line message, as ``content check`` prints them (``path:line: message``). Inputs are arbitrary
text, text assembled from the format's own tokens, and the valid samples mutated line by line.
The budget is bounded: a few hundred examples per property, well under a minute in all.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.content import gift, parser
from app.content.loader import load_directory
from app.content.model import FOLDERS, Problem

SAMPLES = Path(__file__).parent / "samples"
VALID = SAMPLES / "valid"
KIND_FOLDER = {kind: folder for folder, kind in FOLDERS.items()}
SAMPLE_TEXT = {kind: next((VALID / folder).glob("*.md")).read_text("utf-8") for folder, kind in FOLDERS.items()}
SAMPLE_TEXT["skills"] = (VALID / "skills.yml").read_text("utf-8")
GIFT_SAMPLE = (SAMPLES / "gift" / "moodle_export.gift").read_text("utf-8")
KINDS = sorted(SAMPLE_TEXT)
ID_FULL = re.compile(r"[a-z0-9][a-z0-9-]*")

# FUZZ_SCALE=20 runs twenty times as many examples, for a deeper search than CI's.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))


def budget(n: int, *checks: HealthCheck) -> settings:
    """``n`` examples (times FUZZ_SCALE), no deadline, no example database left in the work tree."""
    return settings(
        max_examples=n * SCALE, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, *checks]
    )


FAST = budget(400)
SLOW = budget(100)

# Pieces of the content format and of YAML that parsers trip on: fences, headings, options,
# attribute lists, anchors and aliases, tags, special floats, impossible dates, control characters.
TOKENS = [
    "---", "...", "\n", "\n\n", "\r\n", "\r", "\t", " ", "  ", "\ufeff", "\x00", "\x01", "\x0b", "\x85", "\u2028",
    "id: ", "title: ", "lang: ", "skills: ", "cases: ", "minutes: ", "quiz: ", "pass_percent: ",
    "max_attempts: ", "shuffle: ", "time_limit_min: ", "channel: ", "on_critical: ", "description: ",
    "- id: ", "  title: ", "{en: a, ru: б}", "[a, b]", "[", "]", "{", "}", ",", ":", ": ", "#", "'", '"',
    "&a ", "*a", "&b [*a, *a]", "!!int x", "!!float y", "!!timestamp z", "!!binary ?", "!!set {a}", "!!python/none",
    ".nan", ".inf", "-.inf", "1e999", "99999999999999999999999", "0", "-1", "2.5", "true", "null", "~",
    "2024-02-30", "2024-13-01", "yes", "no",
    "## ", "### ", "# ", "- ", "* ", "+ ", "- [ ] ", "- [x] ", "- [X] ", "- [best] ", "1. ", "2) ",
    "  > ", "> ", "```", "```choice", "~~~", "````", "weight: ", "weigth: ", "skill: ", "points: ", "type: ",
    "scoring: ", "order", "single", "multiple", "partial", "all", "{id: a}", "{id: a, skill: b, critical}",
    "{points: 0}", "{critical: maybe}", "{id}", "{skill}", "{idd: x}",
    "courier-no-call", "empathy", "a", "Ж", "é", "\\", "<script>",
    # GIFT
    "::", "::name::", "[html]", "[markdown]", "[moodle]", "$CATEGORY: ", "$course$/", "// ", "=", "~", "%",
    "%50%", "%-100%", "%abc%", "->", "####", "#", "\\:", "\\=", "\\{", "\\}", "\\~", "\\#", "\\n", "{T}", "{FALSE}",
    "{}", "{#5:2}", "<p>", "</p>", "<br/>", "&amp;",
]  # fmt: skip

token_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=300), token_text)


@st.composite
def mutated(draw, source: str) -> str:
    """``source`` with a few line-level edits: deletions, copies, swaps, insertions, cuts and typos."""
    lines = source.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(st.sampled_from(["delete", "copy", "swap", "insert", "replace", "splice", "truncate", "value"]))
        if not lines:
            lines = [""]
        if op == "delete":
            del lines[i]
        elif op == "copy":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(token_text))
        elif op == "replace":
            lines[i] = draw(token_text)
        elif op == "splice":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=4))) + lines[i][at:]
        elif op == "truncate":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
        else:  # a YAML-ish or format-ish value after the first ': ' or '- '
            head, sep, _rest = lines[i].partition(": ")
            if not sep:
                head, sep, _rest = lines[i].partition("- ")
            lines[i] = head + (sep or ": ") + draw(st.sampled_from(TOKENS))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "", "\ufeff"]))
    return bom + newline.join(lines)


def line_count(text: str) -> int:
    return parser.normalise_text(text).count("\n") + 1


def check_problems(problems: list[Problem], paths: set[str], lines: dict[str, int]) -> None:
    """Each problem is ``path:line: message`` on one line, the line inside its file (or just past its end)."""
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.path in paths, problem
        assert isinstance(problem.line, int) and problem.line >= 1, problem
        # A problem about the end of a file without a final newline may point one line past it.
        assert problem.line <= lines.get(problem.path, 1) + 1, (problem, lines.get(problem.path))
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert len(str(problem).splitlines()) == 1, f"a message spans lines: {problem!r}"
        assert str(problem).startswith(f"{problem.path}:{problem.line}: ")


def check_ids(doc) -> None:
    """What parses cleanly holds only ids the spec allows (no trailing newline sneaking past ``$``)."""
    ids = [doc.id, *doc.skills, *getattr(doc, "cases", [])]
    if getattr(doc, "quiz", None):
        ids.append(doc.quiz)
    for q in getattr(doc, "questions", []):
        if q.skill:
            ids.append(q.skill)
    for item in doc.items() if hasattr(doc, "items") else []:
        ids += [item.id] + ([item.skill] if item.skill else [])
    for value in ids:
        assert ID_FULL.fullmatch(value), f"invalid id {value!r} accepted"


def parse_one(kind: str, text: str, path: str = "file.md") -> tuple[object, list[Problem]]:
    """Parse as ``content check`` does: normalise, then the kind's parser."""
    problems: list[Problem] = []
    normal = parser.normalise_text(text)
    if kind == "skills":
        result = parser.parse_skills(normal, path, problems)
        if not problems:
            for skill in result.skills:
                assert ID_FULL.fullmatch(skill.id), f"invalid skill id {skill.id!r} accepted"
    else:
        result = parser.parse_document(kind, normal, path, problems)
        assert result is not None or problems, "no content and no problem"
        if result is not None and not problems:
            check_ids(result)
    check_problems(problems, {path}, {path: line_count(text)})
    return result, problems


# ---------------------------------------------------------------- the harness itself
def test_valid_samples_parse_without_problems():
    for kind in KINDS:
        _result, problems = parse_one(kind, SAMPLE_TEXT[kind])
        assert problems == [], (kind, problems)


# ---------------------------------------------------------------- every kind, arbitrary and mutated text
@FAST
@given(kind=st.sampled_from(KINDS), text=any_text)
@example(kind="case", text="---\nid: a\ntitle: b\nminutes: .inf\n---\ntext\n")
@example(kind="case", text="---\nid: a\ntitle: b\nminutes: .nan\n---\ntext\n")
@example(kind="quiz", text="---\nid: a\ntitle: b\nmax_attempts: .inf\n---\n## q\n- [x] a\n- [ ] b\n")
@example(kind="case", text="---\nid: a\ntitle: 2024-02-30\n---\ntext\n")
@example(kind="course", text="---\nid: a\ntitle: b\ncases:\n  - !!int x\n---\n")
@example(kind="course", text="---\nid: a\ntitle: b\ncases: " + "[" * 3000 + "\n---\n")
@example(kind="skills", text="- id: a\n  title: \x01\n")
@example(kind="skills", text="- id: !!timestamp x\n")
@example(kind="skills", text="[" * 3000)
@example(kind="course", text='---\nid: a\ntitle: b\ncases: ["a\\n"]\n---\n')
@example(kind="skills", text='- id: "a\\n"\n  title: A\n')
def test_any_text_gives_content_or_problems(kind, text):
    parse_one(kind, text)


@FAST
@given(data=st.data(), kind=st.sampled_from(KINDS))
def test_mutated_samples_give_content_or_problems(data, kind):
    parse_one(kind, data.draw(mutated(SAMPLE_TEXT[kind]), label="text"))


@FAST
@given(kind=st.sampled_from([k for k in KINDS if k != "skills"]), yaml=token_text, body=token_text)
def test_any_front_matter_gives_content_or_problems(kind, yaml, body):
    """Arbitrary YAML between well-formed '---' lines, so the YAML reader itself gets the fuzz."""
    parse_one(kind, f"---\n{yaml}\n---\n{body}")


def test_yaml_alias_bomb_is_reported_quickly():
    """Nested aliases would print as gigabytes in a message; they are cut short instead."""
    levels = ["&a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    started = time.monotonic()
    _, problems = parse_one("course", f"---\nid: a\ntitle: b\ncases: [{', '.join(levels)}]\n---\n")
    _, skill_problems = parse_one("skills", f"- id: [{', '.join(levels)}]\n")
    assert time.monotonic() - started < 5
    assert problems and skill_problems
    assert sum(len(p.message) for p in problems + skill_problems) < 10_000


# ---------------------------------------------------------------- a whole directory, as content check reads it
def _write_tree(root: Path, files: dict[str, bytes]) -> dict[str, int]:
    lines = {}
    for rel, raw in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
        try:
            lines[str(target)] = line_count(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines[str(target)] = raw.count(b"\n") + 1
    return lines


@st.composite
def content_tree(draw) -> dict[str, bytes]:
    """A content directory: mutated samples of every kind, sometimes twice, sometimes not UTF-8."""
    files: dict[str, bytes] = {}
    for kind in KINDS:
        for n in range(draw(st.integers(0, 2))):
            text = draw(st.one_of(mutated(SAMPLE_TEXT[kind]), st.just(SAMPLE_TEXT[kind]), any_text))
            raw = text.encode("utf-8")
            if draw(st.integers(0, 9)) == 0:
                at = draw(st.integers(0, len(raw)))
                raw = raw[:at] + b"\xff\xfe" + raw[at:]
            rel = "skills.yml" if kind == "skills" else f"{KIND_FOLDER[kind]}/f{n}.md"
            files[rel] = raw
    return files


@SLOW
@given(files=content_tree())
def test_load_directory_reports_every_problem_at_a_line(files):
    with tempfile.TemporaryDirectory() as tmp:
        lines = _write_tree(Path(tmp), files)
        content = load_directory(tmp)
        check_problems(content.problems, set(lines), lines)
        for doc in content.all_documents():
            check_ids(doc)


@budget(40, HealthCheck.function_scoped_fixture)
@given(files=content_tree())
def test_content_check_cli_never_crashes(runner, files):
    with tempfile.TemporaryDirectory() as tmp:
        lines = _write_tree(Path(tmp), files)
        result = runner.invoke(args=["content", "check", tmp])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (0, 1), result.output
        printed = [line for line in result.stdout.splitlines() if not line.startswith("All good:")]
        for line in printed:
            match = re.match(r"^(.+?):(\d+): .+$", line)
            assert match and match.group(1) in lines, line


# ---------------------------------------------------------------- GIFT
def check_gift(text: str, result: gift.ConversionResult) -> None:
    n_lines = text.count("\n") + 1
    assert result.converted >= 0
    for line, message in result.skipped:
        assert isinstance(line, int) and 1 <= line <= n_lines, (line, message)
        assert isinstance(message, str) and message.strip()
    problems: list[Problem] = []
    quiz = parser.parse_quiz(result.markdown, "converted.md", problems)
    check_problems(problems, {"converted.md"}, {"converted.md": line_count(result.markdown)})
    if result.converted:
        # what the converter writes is a valid quiz with one question per converted GIFT question
        assert problems == [], (problems, result.markdown)
        assert quiz is not None and len(quiz.questions) == result.converted


@FAST
@given(text=any_text)
@example(text="::a::{=x ~y}\n")
@example(text="{\n" * 50)
@example(text="::q::Is it?{T}\n```\n")  # text after the answers that would open a code block
def test_gift_any_text_converts_or_reports(text):
    normal = gift.read_gift_text(text.encode("utf-8"))
    check_gift(normal, gift.gift_to_quiz(normal, "fuzz-quiz"))


@FAST
@given(data=st.data())
def test_gift_mutated_sample_converts_or_reports(data):
    text = gift.read_gift_text(data.draw(mutated(GIFT_SAMPLE), label="text").encode("utf-8"))
    check_gift(text, gift.gift_to_quiz(text, "fuzz-quiz"))


@SLOW
@given(raw=st.binary(max_size=200), title=st.none() | st.text(max_size=30))
def test_gift_bytes_decode_or_raise_unicode_error(raw, title):
    """read_gift_text raises only UnicodeDecodeError (the CLI and the upload page catch it)."""
    try:
        text = gift.read_gift_text(raw)
    except UnicodeDecodeError:
        return
    result = gift.gift_to_quiz(text, "fuzz-quiz", title=title)
    assert result.converted >= 0


@SLOW
@given(data=st.data())
def test_quiz_to_gift_and_back(data):
    """A quiz that parses cleanly exports to GIFT, and that GIFT converts back without an exception."""
    text = data.draw(mutated(SAMPLE_TEXT["quiz"]), label="text")
    problems: list[Problem] = []
    quiz = parser.parse_quiz(parser.normalise_text(text), "q.md", problems)
    if quiz is None or problems:
        return
    exported = gift.quiz_to_gift(quiz)
    check_gift(exported, gift.gift_to_quiz(exported, "round-trip"))


# ---------------------------------------------------------------- Markdown fast path
def _full_markdown(text: str) -> str:
    import markdown

    from app.core.markdown import EXTENSIONS, sanitise

    return sanitise(markdown.markdown(text, extensions=EXTENSIONS, output_format="html")) if text else ""


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("абвгдеёжзийклмнопрстуфхцчшщъыьэюя АБВ abcXYZ 0123456789.,;:?'\"()-–—«»/%+=\u00a0\t\n*_`[]<>&!#|~{}\\")
        ),
        max_size=80,
    )
)
def test_plain_text_fast_path_renders_exactly_as_markdown(text):
    from app.core.markdown import render_markdown

    assert render_markdown(text) == _full_markdown(text)


def test_fast_path_agrees_with_markdown_on_every_fragment_of_the_curriculum():
    from app.content.model import Case, Quiz
    from app.core.markdown import render_markdown

    content = load_directory(str(Path(__file__).parents[1] / "content"))
    fragments = []
    for doc in content.all_documents():
        if isinstance(doc, Quiz):
            for q in doc.questions:
                fragments += [q.prompt, q.text, q.explanation] + [o.text for o in q.options]
                fragments += [o.feedback for o in q.options]
        if isinstance(doc, Case):
            for block in doc.choices:
                fragments += [block.prompt] + [o.text for o in block.options] + [o.feedback for o in block.options]
    assert len(fragments) > 500
    for text in fragments:
        assert render_markdown(text) == _full_markdown(text), text
