"""`content check`: every problem in every file, at the right line."""

import shutil
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(SAMPLES / "valid", root)
    return root


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def check(runner, root: Path):
    result = runner.invoke(args=["content", "check", str(root)])
    return result.exit_code, result.output


def test_valid_tree_passes(runner, tree):
    code, out = check(runner, tree)
    assert code == 0, out
    assert "All good" in out


def test_every_problem_is_reported_with_path_and_line(runner, tree):
    write(tree, "cases/typo.md", "---\nid: typo-case\ntitle: Typo\nminuts: 5\n---\nBody\n")
    write(tree, "cases/colon.md", "---\nid: colon-case\ntitle: Проверка: доставка\n---\nBody\n")
    write(tree, "cases/missing-quiz.md", "---\nid: missing-quiz\ntitle: T\nquiz: nope\n---\nBody\n")
    write(tree, "cases/sub/dup.md", "---\nid: courier-no-call\ntitle: Dup\n---\nBody\n")
    write(tree, "courses/bad.md", "---\nid: bad-course\ntitle: C\ncases: [courier-no-call, ghost]\n---\n")
    write(tree, "quizzes/empty.md", "---\nid: empty-quiz\ntitle: E\n---\nJust an intro.\n")
    write(
        tree,
        "quizzes/broken.md",
        "---\nid: broken\ntitle: B\npass_percent: 120\n---\n"  # lines 1-5
        "## No correct\nskill: empathy\n\n- [ ] a\n- [ ] b\n"  # 6-10
        "## One option\n\n- [x] only\n"  # 11-13
        "## Two singles\ntype: single\n\n- [x] a\n- [x] b\n"  # 14-18
        "## Short order\ntype: order\n\n1. only\n"  # 19-22
        "## Bad points\npoints: -1\nskill: nosuch\n\n- [x] a\n- [ ] b\n",  # 23-28
    )
    write(
        tree,
        "checklists/bad.md",
        "---\nid: bad-list\ntitle: L\nchannel: fax\n---\nBrief\n"  # 1-6
        "## S\nweight: 0\n\n- One {id: x}\n- Two {id: x}\n- Three {colour: red}\n",  # 7-12
    )
    write(tree, "checklists/none.md", "---\nid: none-list\ntitle: N\nchannel: visit\n---\nOnly a brief.\n")
    code, out = check(runner, tree)
    assert code == 1
    expect = [
        ("cases/typo.md", 4, "unknown key 'minuts'"),
        ("cases/colon.md", 3, "must be quoted"),
        ("cases/missing-quiz.md", 4, "missing quiz 'nope'"),
        ("cases/sub/dup.md", 2, "duplicate case id 'courier-no-call'"),
        ("courses/bad.md", 4, "missing case 'ghost'"),
        ("quizzes/empty.md", 5, "no question"),
        ("quizzes/broken.md", 4, "'pass_percent' must be between 0 and 100"),
        ("quizzes/broken.md", 6, "no correct option"),
        ("quizzes/broken.md", 11, "at least two options"),
        ("quizzes/broken.md", 15, "'type: single' allows one correct option"),
        ("quizzes/broken.md", 19, "at least two numbered items"),
        ("quizzes/broken.md", 24, "'points' must be a positive number"),
        ("quizzes/broken.md", 25, "unknown skill 'nosuch'"),
        ("checklists/bad.md", 4, "'channel' must be one of visit, phone, chat, email"),
        ("checklists/bad.md", 8, "'weight' must be a positive number"),
        ("checklists/bad.md", 11, "duplicate item id 'x'"),
        ("checklists/bad.md", 12, "unknown item attribute 'colour'"),
        ("checklists/none.md", 6, "no item"),
    ]
    for rel, line, message in expect:
        prefix = f"{tree}/{rel}:{line}: "
        assert any(row.startswith(prefix) and message in row for row in out.splitlines()), (
            f"expected {prefix}…{message}\n{out}"
        )


def test_colon_message_says_the_value_needs_quotes_not_yaml_noise(runner, tree):
    write(tree, "quizzes/q.md", "---\nid: q\ntitle: Проверка: доставка без звонка\n---\n## Q\n- [x] a\n- [ ] b\n")
    code, out = check(runner, tree)
    assert code == 1
    line = next(row for row in out.splitlines() if "quizzes/q.md" in row)
    assert line.startswith(f"{tree}/quizzes/q.md:3: ")
    assert "quoted" in line and 'title: "Проверка: доставка без звонка"' in line


def test_reserved_character_needs_quotes(runner, tree):
    write(tree, "cases/at.md", "---\nid: at-case\ntitle: @home service\n---\nBody\n")
    code, out = check(runner, tree)
    assert f"{tree}/cases/at.md:3: " in out and "quoted" in out


def test_missing_front_matter_and_required_keys(runner, tree):
    write(tree, "cases/nofm.md", "# Just markdown\n")
    write(tree, "cases/notitle.md", "---\nid: no-title\n---\nBody\n")
    write(tree, "checklists/nochannel.md", "---\nid: no-channel\ntitle: T\n---\n## S\n- item\n")
    write(tree, "cases/badid.md", "---\nid: Bad_Id\ntitle: T\n---\nBody\n")
    write(tree, "cases/unclosed.md", "---\nid: unclosed\ntitle: T\nBody\n")
    write(tree, "cases/blank.md", "---\nid: blank\ntitle:\n---\nBody\n")
    write(tree, "checklists/blank.md", "---\nid: blank\ntitle: T\nchannel: ~\n---\n## S\n- item\n")
    code, out = check(runner, tree)
    assert code == 1
    assert f"{tree}/cases/nofm.md:1: " in out
    assert f"{tree}/cases/notitle.md:1: missing required key 'title'" in out
    assert f"{tree}/checklists/nochannel.md:1: missing required key 'channel'" in out
    assert f"{tree}/cases/badid.md:2: " in out
    assert f"{tree}/cases/unclosed.md:1: " in out and "never closed" in out
    assert f"{tree}/cases/blank.md:3: 'title' is empty" in out
    assert f"{tree}/checklists/blank.md:4: 'channel' is empty" in out


def test_wrong_types_are_reported(runner, tree):
    write(
        tree,
        "quizzes/types.md",
        "---\nid: types\ntitle: T\nshuffle: maybe\nmax_attempts: 1.5\ntime_limit_min: -3\n---\n## Q\n- [x] a\n- [ ] b\n",
    )
    write(tree, "cases/minutes.md", "---\nid: minutes\ntitle: T\nminutes: five\nskills: empathy\n---\nBody\n")
    code, out = check(runner, tree)
    assert f"{tree}/quizzes/types.md:4: 'shuffle' must be true or false" in out
    assert f"{tree}/quizzes/types.md:5: 'max_attempts' must be a whole number" in out
    assert f"{tree}/quizzes/types.md:6: 'time_limit_min' must be between" in out
    assert f"{tree}/cases/minutes.md:4: 'minutes' must be a number" in out


def test_choice_block_problems(runner, tree):
    write(
        tree,
        "cases/choice.md",
        "---\nid: choice-case\ntitle: T\n---\nText\n\n```choice\nPrompt only\n- one option\n```\n\n```choice\n- a\n- b\n```\n",
    )
    code, out = check(runner, tree)
    assert f"{tree}/cases/choice.md:7: a decision point needs at least two" in out
    assert f"{tree}/cases/choice.md:12: the decision point has no prompt" in out


def test_raw_html_is_allowed(runner, tree):
    write(tree, "cases/html.md", "---\nid: html-case\ntitle: T\n---\n<div>ok</div>\n<script>alert(1)</script>\n")
    code, out = check(runner, tree)
    assert code == 0, out


def test_paths_are_shown_as_given(runner, tree, monkeypatch):
    write(tree, "cases/typo.md", "---\nid: typo-case\ntitle: Typo\nminuts: 5\n---\nBody\n")
    monkeypatch.chdir(tree.parent)
    result = runner.invoke(args=["content", "check", "./content"])
    assert "./content/cases/typo.md:4: " in result.output


def test_non_utf8_file(runner, tree):
    (tree / "cases" / "cp.md").write_bytes("---\nid: cp\ntitle: Тест\n---\n".encode("cp1251"))
    code, out = check(runner, tree)
    assert code == 1 and f"{tree}/cases/cp.md:3: " in out and "UTF-8" in out


def test_duplicate_skill_and_unknown_skill_key(runner, tree):
    with (tree / "skills.yml").open("a", encoding="utf-8") as fh:
        fh.write("- id: empathy\n  title: Again\n- id: extra\n  titel: X\n")
    code, out = check(runner, tree)
    assert "duplicate skill id 'empathy'" in out and "unknown key 'titel'" in out


def test_project_content_tree_is_valid(runner):
    """The shipped content/ must always check clean, so a broken file can never land."""
    root = Path(__file__).parent.parent / "content"
    result = runner.invoke(args=["content", "check", str(root)])
    assert result.exit_code == 0, result.output


def test_project_content_passes_the_strict_check(runner):
    """The shipped curriculum gives no answer away: not one warning, so `--strict` passes on it."""
    root = Path(__file__).parent.parent / "content"
    result = runner.invoke(args=["content", "check", "--strict", str(root)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output, result.output
    assert result.output.startswith("All good:"), result.output


def _load(root: Path):
    from app.content.loader import load_directory

    return load_directory(str(root))


def test_text_values_are_read_as_written_not_typed_by_yaml(runner, tree):
    """Ids of digits are ids ('001' is not 1), and a title Yes, a time 12:30 or lang no (Norwegian) stay text."""
    write(tree, "quizzes/n.md", "---\nid: 2024\ntitle: 12:30\n---\n## Q\n- [x] a\n- [ ] b\n")
    write(tree, "cases/n.md", "---\nid: 001\ntitle: Yes\nlang: no\nquiz: 2024\n---\nText.\n")
    write(tree, "cases/m.md", "---\nid: '002'\ntitle: No\n---\nText.\n")
    write(tree, "courses/n.md", "---\nid: 0x1a\ntitle: On\ncases: [001, 002]\n---\n")
    code, out = check(runner, tree)
    assert code == 0, out
    docs = _load(tree).documents
    assert (docs["case"]["001"].title, docs["case"]["001"].lang, docs["case"]["001"].quiz) == ("Yes", "no", "2024")
    assert docs["quiz"]["2024"].title == "12:30" and docs["case"]["002"].title == "No"
    assert docs["course"]["0x1a"].cases == ["001", "002"] and docs["course"]["0x1a"].title == "On"


def test_a_title_cut_by_a_comment_must_be_quoted(runner, tree):
    write(tree, "cases/hash.md", "---\nid: hash\ntitle: Case #5 delivery\n---\nText.\n")
    write(tree, "cases/lead.md", "---\nid: lead\ntitle: #5 delivery\n---\nText.\n")
    write(tree, "cases/fine.md", '---\nid: fine  # renamed\ntitle: "Case #5"   # quoted\n---\nText.\n')
    code, out = check(runner, tree)
    assert code == 1
    assert "hash.md:3: the value of 'title' contains '#'" in out and 'title: "Case #5 delivery"' in out
    assert "lead.md:3: the value of 'title' contains '#'" in out and "fine.md" not in out


def test_values_longer_than_what_is_kept_are_problems_at_their_line(runner, tree):
    long_id = "a" * 101
    write(tree, "cases/long.md", f"---\nid: {long_id}\ntitle: {'T' * 301}\nlang: zh-Hant-TW-abcdefgh\n---\nText.\n")
    write(
        tree,
        "checklists/long.md",
        f"---\nid: l\ntitle: L\nchannel: visit\n---\n## {'S' * 301}\n- x {{id: {long_id}}}\n",
    )
    write(tree, "cases/" + "d" * 150 + "/" + "f" * 150 + ".md", "---\nid: deep\ntitle: D\n---\nText.\n")
    code, out = check(runner, tree)
    assert code == 1
    assert "long.md:2: 'id' must be lowercase latin letters" in out and "at most 100" in out
    assert "long.md:3: the title is 301 characters long; at most 300" in out
    assert "long.md:4: 'lang' must be a language code" in out
    assert "long.md:6: the section heading is 301 characters long" in out
    assert "long.md:7: item id must be lowercase latin letters, digits and '-' (at most 100)" in out
    assert "characters long; at most 300: shorten it" in out
    assert runner.invoke(args=["content", "import", str(tree)]).exit_code == 1  # nothing reaches the database


def test_a_checklist_item_keeps_attributes_written_on_its_wrapped_line(tree):
    write(
        tree,
        "checklists/wrap.md",
        "---\nid: wrap\ntitle: W\nchannel: visit\n---\n## Notes\nOnly words for the shopper.\n\n"
        "## S\n- a long item that the trainer\n  wrapped {id: w, critical, points: 2}\n- other {id: o}\n",
    )
    content = _load(tree)
    assert content.ok, content.problems
    notes, section = content.documents["checklist"]["wrap"].sections
    assert notes.items == [] and notes.description == "Only words for the shopper."  # left out of the score
    (item, other) = section.items
    assert (item.id, item.text, item.critical, item.points) == ("w", "a long item that the trainer wrapped", True, 2.0)
    assert (other.id, other.critical) == ("o", False)


def test_question_settings_headings_and_code_in_prompts(tree):
    write(
        tree,
        "quizzes/code.md",
        "---\nid: code\ntitle: C\nlang: en-x-corp\n---\n## What does C# print?\nskill: empathy\n\npoints: 2\n\n"
        "```\n- [x] not an option\n```\n- [x] yes\n- [ ] no\n\n## Closed heading ##\n- [x] a\n- [ ] b\n"
        "\n   ## Indented up to three spaces\n- [x] a\n- [ ] b\n",
    )
    content = _load(tree)
    assert content.ok, content.problems
    first, second, third = content.documents["quiz"]["code"].questions
    assert (first.prompt, first.points, first.skill) == ("What does C# print?", 2.0, "empathy")
    assert [o.text for o in first.options] == ["yes", "no"] and "not an option" in first.text
    assert (second.prompt, third.prompt) == ("Closed heading", "Indented up to three spaces")


def test_a_file_with_unreadable_front_matter_still_has_its_body_checked(runner, tree):
    write(tree, "quizzes/q.md", "---\nid: q-broken\ntitle: Проверка: доставка\n---\n## A\n- [ ] a\n- [ ] b\n")
    write(tree, "cases/c.md", "---\nid: c-broken\ntitle: Case: broken\nquiz: q-broken\n---\nText.\n")
    write(tree, "courses/c.md", "---\nid: c-course\ntitle: C\ncases: [c-broken]\n---\n")
    code, out = check(runner, tree)
    assert code == 1
    assert "quizzes/q.md:3: the value of 'title' contains ': '" in out
    assert "quizzes/q.md:5: the question has no correct option" in out  # the body too, in the same run
    assert "cases/c.md:3:" in out and "missing case" not in out  # its id is known; no second, false error


@pytest.mark.parametrize(
    "line",
    ["  title: Empathy: feelings", "  title: {en: Empathy: feelings, ru: Эмпатия}"],
)
def test_skills_file_says_which_value_needs_quotes(runner, tree, line):
    skills = (tree / "skills.yml").read_text(encoding="utf-8").split("\n")
    first = next(i for i, text in enumerate(skills) if text.lstrip().startswith("title:"))
    skills[first] = line
    (tree / "skills.yml").write_text("\n".join(skills), encoding="utf-8")
    code, out = check(runner, tree)
    assert code == 1
    assert f"skills.yml:{first + 1}: not valid YAML" in out and "must be put in double quotes" in out, out


def test_a_duplicate_id_is_reported_in_every_file_that_uses_it(runner, tree):
    """Not only in the file that sorts later: the first one may be the copy to rename."""
    quiz = "## Q\n\n- [x] a\n- [ ] b\n"
    write(tree, "quizzes/a/first.md", f"---\ntitle: First\nid: twin\n---\n{quiz}")
    write(tree, "quizzes/b/second.md", f"---\nid: twin\ntitle: Second\n---\n{quiz}")
    write(tree, "quizzes/c/third.md", f"---\ntitle: Third\nlang: ru\nid: twin\n---\n{quiz}")
    code, out = check(runner, tree)
    assert code == 1
    rows = [row for row in out.splitlines() if "duplicate quiz id 'twin'" in row]
    first, second, third = (f"{tree}/quizzes/{rel}" for rel in ("a/first.md", "b/second.md", "c/third.md"))
    assert rows == [
        f"{first}:3: duplicate quiz id 'twin' (also in {second}, {third})",
        f"{second}:2: duplicate quiz id 'twin' (also in {first}, {third})",
        f"{third}:4: duplicate quiz id 'twin' (also in {first}, {second})",
    ]


def test_a_fraction_of_a_minute_is_refused_in_whole_minutes(runner, tree):
    write(tree, "cases/half.md", "---\nid: half\ntitle: T\nminutes: 2.5\n---\nBody\n")
    write(tree, "cases/tiny.md", "---\nid: tiny\ntitle: T\nminutes: 0.5\n---\nBody\n")
    write(tree, "cases/whole.md", "---\nid: whole\ntitle: T\nminutes: 3.0\n---\nBody\n")
    code, out = check(runner, tree)
    assert code == 1
    assert f"{tree}/cases/half.md:4: 'minutes' counts whole minutes: write 2 or 3, not 2.5" in out.splitlines()
    assert f"{tree}/cases/tiny.md:4: 'minutes' counts whole minutes: write 1, not 0.5" in out.splitlines()
    # 3.0 is 3: no problem (a one-word body is only warned about as far from its estimate)
    assert [row for row in out.splitlines() if "whole.md" in row and ": warning: " not in row] == []
