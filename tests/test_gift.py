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
        (31, "numeric", "Numeric Q"),
        (33, "short answer", "Short"),
        (35, "missing word", "Missing"),
    ]:
        assert f'{SAMPLE}:{line_no}: skipped {kind} question "{name}"' in lines
    written = (out / "from-moodle.md").read_text(encoding="utf-8")
    assert written.startswith("---\nid: from-moodle\n")
    assert "- [x] no one\n  > Right" in written  # per-answer feedback
    assert "> General feedback here." in written  # general feedback, [html] stripped
    assert "- [ ] True\n  > Wrong, think again.\n- [x] False\n  > Correct, not always." in written
    assert "scoring: partial" in written and "**active listening**" in written
    assert "What does 1 = 1 {ok} ~ mean # here?" in written  # escapes
    # the result is a valid quiz file
    content = load_directory(str(tmp_path / "content"))
    assert content.ok, [str(p) for p in content.problems]
    quiz = content.documents["quiz"]["from-moodle"]
    assert [q.type for q in quiz.questions] == ["single", "single", "single", "multiple", "single"]


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
