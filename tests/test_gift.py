import re
from pathlib import Path

from app.content import gift
from app.content.loader import load_directory

SAMPLE = Path(__file__).parent / "samples" / "gift" / "moodle_export.gift"


def test_import_gift_converts_and_reports_skips(runner, tmp_path):
    out = tmp_path / "content" / "quizzes"
    result = runner.invoke(args=["content", "import-gift", str(SAMPLE), "--id", "from-moodle", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for line_no, kind, name in [
        (24, "essay", "Essay Q"),
        (26, "matching", "Match"),
        (31, "numerical", "Numeric Q"),
        (33, "short answer", "Short"),
    ]:
        assert f'{SAMPLE}:{line_no}: skipped {kind} question "{name}"' in lines
    written = (out / "from-moodle.md").read_text(encoding="utf-8")
    assert written.startswith("---\nid: from-moodle\n")
    assert "- [x] no one\n  > Right" in written  # per-answer feedback
    assert "> General feedback here." in written  # general feedback, [html] read as HTML
    assert "- [ ] True\n  > Wrong, think again.\n- [x] False\n  > Correct, not always." in written
    assert "scoring: partial" in written and "**active listening**" in written
    assert "What does 1 = 1 {ok} ~ mean # here?" in written  # escapes
    # a missing word question is Moodle's multiple choice with a blank where its answers stood
    assert "## Missing\n\nGrant is \\_\\_\\_\\_\\_ in Grant's tomb.\n\n- [ ] buried\n- [x] entombed" in written
    # the result is a valid quiz file
    content = load_directory(str(tmp_path / "content"))
    assert content.ok, [str(p) for p in content.problems]
    quiz = content.documents["quiz"]["from-moodle"]
    assert [q.type for q in quiz.questions] == ["single", "single", "single", "multiple", "single", "single"]


CONSTRUCTS = Path(__file__).parent / "samples" / "gift" / "constructs.gift"


def test_every_construct_read_as_moodle_reads_it(tmp_path):
    """Each text of a question carries its own format marker; the type comes from the answers alone,
    whatever follows the closing brace; a skipped question is named under its type at its own line."""
    result = gift.gift_to_quiz(CONSTRUCTS.read_text(encoding="utf-8"), "calls")
    assert result.skipped == [
        (14, 'skipped numerical question "Minutes on hold"'),  # text after {#...}: still numerical
        (19, 'skipped short answer question "Lowercase"'),  # Moodle's true/false is T, TRUE, F or FALSE only
        (23, 'skipped short answer question "Only one"'),
        (25, 'skipped multiple choice question "Nothing right": none of its answers is right'),
        (33, 'skipped essay question "Describe"'),
        (35, 'skipped matching question "Pairs"'),
        (40, 'skipped description question "Intro"'),
    ]
    md = result.markdown
    assert re.search(r"\[(html|plain|markdown|moodle)\]", md, re.IGNORECASE) is None  # no marker left anywhere
    # [html] text: the link to the recording kept as a Markdown link, bold kept, other tags gone
    assert "Play [the recording](https://example.org/calls/hold.mp3) first.\n\nIs this **hold music** too loud?" in md
    assert "- [x] Yes, \\*much\\* too loud\n  > *Right*: it drowns the agent." in md  # [plain] answer, [html] feedback
    assert "- [ ] No, it is **fine**\n  > Listen again: \\[it\\] clips." in md  # [markdown] answer, [plain] feedback
    assert "- [ ] It depends\n  > Not *here*." in md and "- [ ] *Cannot tell*" in md
    assert "> Keep hold music **quiet**." in md  # general feedback with its own marker
    # text after the braces: a blank where the answers stood, for choice and true/false alike
    assert "A caller should hear \\_\\_\\_\\_\\_ within three rings." in md
    assert (
        "## Callback promise\n\nA promised callback may be skipped on a busy day.\\_\\_\\_\\_\\_ — true or false?" in md
    )
    assert (
        "- [ ] True\n  > It may not.\n- [x] False\n  > Right: a promise is kept.\n\n> Broken promises cost **trust**."
        in md
    )
    assert "- [ ] left -> right\n- [x] up -> down" in md  # a '~' makes it multiple choice, arrows or not
    assert "comment line" not in md  # a comment among the answers is dropped
    content_dir = tmp_path / "content" / "quizzes"
    content_dir.mkdir(parents=True)
    (content_dir / "calls.md").write_text(md, encoding="utf-8")
    content = load_directory(str(tmp_path / "content"))
    assert content.ok, [str(p) for p in content.problems]
    quiz = content.documents["quiz"]["calls"]
    assert [q.prompt for q in quiz.questions] == [
        "Hold music",
        "Greeting word",
        "Callback promise",
        "Arrow choice",
        "Comment inside",
    ]


def test_gift_with_nothing_convertible_fails(runner, tmp_path):
    path = tmp_path / "essays.gift"
    path.write_text("::E1::Write an essay.{}\n\n::E2::Another.{}\n", encoding="utf-8")
    result = runner.invoke(args=["content", "import-gift", str(path), "--id", "essays", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert f'{path}:1: skipped essay question "E1"' in result.output
    assert f'{path}:3: skipped essay question "E2"' in result.output


def test_gift_categories_comments_and_crlf():
    text = "// comment\r\n$CATEGORY: $course$/Service/Listening\r\n\r\n// another\r\nWhat matters most?{=Listening ~Talking}\r\n"
    result = gift.gift_to_quiz(text.replace("\r\n", "\n"), "x")
    assert result.converted == 1 and 'title: "Listening"' in result.markdown


def test_export_gift_round_trip(runner, tmp_path):
    runner.invoke(args=["content", "import", str(Path(__file__).parent / "samples" / "valid")])
    result = runner.invoke(args=["content", "export-gift", "courier-no-call"])
    assert result.exit_code == 0
    text = result.output
    assert "=«Понимаю" in text and "~«Это не моя" in text and "// skipped order question" in text
    parsed = gift.parse_gift(text)
    kinds = [q.kind for q in parsed if q.kind != "description"]
    assert kinds == ["single", "multiple"]
    assert parsed[0].answers[1].correct and parsed[0].general_feedback.startswith("Общее пояснение")


def test_export_gift_unknown_quiz(runner):
    result = runner.invoke(args=["content", "export-gift", "nope"])
    assert result.exit_code == 1


UNCLOSED = "::A:: First {\n=yes\n~no\n\n::B:: Second {\n=right\n~wrong\n}\n\n::C:: Third {\n=a\n~b\n}\n"


def test_an_unclosed_brace_skips_its_question_only(runner, tmp_path):
    """Moodle's export never leaves a '{' open, but a hand-edited file may: the question is reported,
    and the questions after it are not swallowed into it."""
    result = gift.gift_to_quiz(UNCLOSED, "q")
    assert result.converted == 2 and [q.name for q in result.questions] == ["A", "B", "C"]
    assert result.skipped == [(1, 'skipped question "A": its answers open with { but are never closed with }')]
    assert "## B" in result.markdown and "## C" in result.markdown and "First" not in result.markdown
    source = tmp_path / "u.gift"
    source.write_text(UNCLOSED, encoding="utf-8")
    out = runner.invoke(args=["content", "import-gift", str(source), "--id", "u", "--out", str(tmp_path / "q")])
    assert out.exit_code == 0 and "u.gift:1: skipped question" in out.output and "2 question(s) converted" in out.output


def test_unequal_credits_are_converted_with_a_note(runner, tmp_path):
    text = "::W:: Pick {\n~%70%A\n~%30%B\n~%-100%C\n}\n\n::E:: Even {\n~%50%A\n~%50%B\n~%-100%C\n}\n"
    result = gift.gift_to_quiz(text, "w")
    assert result.converted == 2 and result.skipped == []
    assert [line for line, _message in result.notes] == [1, 7]  # 70/30, and the even one's -100% on a wrong option
    assert "70%, 30%, -100%" in result.notes[0][1] and "partial scoring" in result.notes[0][1]
    assert result.markdown.count("scoring: partial") == 2


def test_what_a_one_answer_question_loses_is_noted():
    """Moodle's '=' question gives credit for a '~%50%' answer and takes any one of several '=' answers;
    our options cannot say either, so the conversion says so at the question's line."""
    result = gift.gift_to_quiz("::P::Pick.{=a ~%50%b ~c}\n\n::Q::Pick two.{=a =b ~c}\n", "n")
    assert result.converted == 2
    assert result.notes == [
        (1, 'question "P": the credit of its ~ answers (50%) is not kept'),
        (3, 'question "Q": Moodle takes any one of its 2 = answers; here all must be chosen'),
    ]
    assert "## Q\n\nPick two.\n\n- [x] a\n- [x] b\n- [ ] c" in result.markdown
