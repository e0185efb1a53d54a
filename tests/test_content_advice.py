"""`content check` warnings: quizzes and cases that give their answers away, each at the line to change."""

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.content import advice as advice_rules
from app.content import giveaway
from app.content.loader import load_directory

SAMPLES = Path(__file__).parent / "samples"
ADVICE = SAMPLES / "advice"


def line_of(rel: str, text: str) -> int:
    """The line of ``rel`` (under samples/advice) that holds ``text``: the files are the record."""
    lines = (ADVICE / rel).read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if text in line)


@pytest.fixture(scope="module")
def warned() -> dict[str, list[tuple[int, str]]]:
    content = load_directory(str(ADVICE))
    found: dict[str, list[tuple[int, str]]] = {}
    for advice in content.warnings:
        found.setdefault(Path(advice.path).relative_to(ADVICE).as_posix(), []).append((advice.line, advice.message))
    return found


def test_the_samples_are_valid_content():
    assert load_directory(str(ADVICE)).problems == []


def test_the_longest_correct_option_is_warned_with_how_often_and_by_how_much(warned):
    [(line, message)] = warned["quizzes/ru-longest.md"]
    assert line == line_of("quizzes/ru-longest.md", "id: ru-longest")
    assert re.search(r"the correct option is the longest in 4 of 4 questions, by \d+ % on average", message)
    assert any("the best option is the longest in 2 of 2 decision points" in m for _, m in warned["cases/ru-named.md"])


def test_the_same_position_is_warned_with_the_position(warned):
    [(line, message)] = warned["quizzes/en-position.md"]
    assert line == 2 and "the correct option is option 2 in 4 of 4 questions" in message


def test_a_question_repeating_another_is_warned_at_the_repeating_question(warned):
    [(line, message)] = warned["quizzes/bg-repeat.md"]
    assert line == line_of("quizzes/bg-repeat.md", "## Клиентката чака половин час")
    assert "repeats 2 options of question 1 (line 6)" in message


def test_a_question_repeating_its_case_is_warned_at_the_question(warned):
    [(line, message)] = warned["quizzes/ru-repeat.md"]
    assert line == line_of("quizzes/ru-repeat.md", "## Как Ирине начать")
    assert f"repeats 3 options of the decision point at {ADVICE}/cases/ru-repeat.md:11" in message
    assert "cases/ru-repeat.md" not in warned  # the case itself is fine


@pytest.mark.parametrize(
    ("rel", "declared", "estimate"),
    [("cases/ru-minutes-short.md", 1, 3), ("cases/en-minutes-long.md", 25, 1)],
)
def test_minutes_far_from_the_estimate_are_warned_at_the_minutes_line(warned, rel, declared, estimate):
    [(line, message)] = warned[rel]
    assert line == line_of(rel, "minutes:")
    assert f"'minutes: {declared}' is far from the estimate of {estimate} minutes" in message
    assert "words at 180 words a minute" in message


@pytest.mark.parametrize(
    ("rel", "texts"),
    [
        ("cases/ru-named.md", ["Игорь выбирает третий вариант", "Ответ номер один", "Вариант 1 срабатывает"]),
        ("cases/en-named.md", ["He chooses option 2", "Igor picks the third"]),
        ("cases/bg-named.md", ["Игор избира третия вариант", "— и клиентката благодари"]),
    ],
)
def test_text_after_a_decision_point_that_names_the_choice_is_warned_at_its_line(warned, rel, texts):
    lines = sorted(line for line, message in warned[rel] if "the text after the decision point" in message)
    assert lines == sorted(line_of(rel, text) for text in texts)


def test_a_quoted_option_is_named_by_its_number(warned):
    quoted = [m for _, m in warned["cases/bg-named.md"] if "quotes option" in m]
    assert len(quoted) == 1 and "decision point at line 23 quotes option 1" in quoted[0]


@pytest.mark.parametrize("rel", ["cases/ru-fair.md", "quizzes/ru-fair.md", "cases/en-fair.md", "cases/bg-fair.md"])
def test_fair_files_get_no_warning(warned, rel):
    assert rel not in warned


@pytest.mark.parametrize(
    "text",
    [
        "Игорь выбирает третий вариант.",
        "Выбран вариант 3.",
        "Второй ответ подходит лучше.",
        "Она выбрала вторую, и клиент успокоился.",
        "Игорь останавливается на последнем варианте.",
        "Igor chooses option 2.",
        "She picks the third and waits.",
        "The second answer works.",
        "He went with option B.",
        "Игор избира третия вариант.",
        "Избра втория и клиентката се успокои.",
        "Отговор 2 е правилният.",
        "Правильный ответ — третий.",
        "The best answer is the second one.",
        "Верният отговор е третият.",
        "Выбран ответ Б.",
        "Игорь выбирает **третий** вариант.",
        "Выбран вариант (3).",
    ],
)
def test_phrases_that_name_an_option_in_three_languages(text):
    assert [line for line, _ in giveaway.named(text, 10, options=3)] == [10]


@pytest.mark.parametrize(
    "text",
    [
        "Клиентка звонит во второй раз, в первый раз никто не ответил.",
        "У Игоря три варианта, и он выбирает время доставки.",
        "Ответственный менеджер перезвонил через 5 минут.",
        "She picks up the phone for the second time.",
        "The first thing she does is listen; she chooses a time.",
        "Игор избира час и за първи път се усмихва.",
        "Выбирает пятый вариант.",  # a block of three options has no fifth
        "Последняя фраза Дениса звучит резко, вторая реплика мягче.",
        "Her first reply came a minute later.",
    ],
)
def test_ordinary_prose_names_no_option(text):
    assert giveaway.named(text, 1, options=3) == []


def test_the_text_after_a_block_runs_to_the_next_section_or_block():
    lines = [
        "```choice",
        "Q?",
        "- a",
        "- [best] b",
        "```",
        "",
        "### Дальше",
        "",
        "Он выбирает второй.",
        "## Разбор",
        "x",
    ]
    [span] = giveaway.choice_spans(lines, [1])
    assert (span.after_start, span.after_end) == (6, 10)
    assert giveaway.giveaways(lines, span, ["a", "b"]) == [(9, "named", "выбирает второй")]


def _tree(tmp_path: Path, *rels: str) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    shutil.copy(ADVICE / "skills.yml", root / "skills.yml")
    for rel in rels:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ADVICE / rel, root / rel)
    return root


def test_warnings_are_printed_and_fail_the_check_only_with_strict(runner, tmp_path):
    root = _tree(tmp_path, "quizzes/en-position.md", "cases/en-fair.md")
    result = runner.invoke(args=["content", "check", str(root)])
    assert result.exit_code == 0
    assert f"{root}/quizzes/en-position.md:2: warning: the correct option is option 2 in 4 of 4" in result.output
    assert "All good" in result.output and "1 warning(s)" in result.output
    strict = runner.invoke(args=["content", "check", "--strict", str(root)])
    assert strict.exit_code == 1 and "warning" in strict.output


def test_strict_passes_content_without_warnings(runner, tmp_path):
    root = _tree(tmp_path, "cases/en-fair.md", "cases/bg-fair.md", "cases/ru-fair.md", "quizzes/ru-fair.md")
    result = runner.invoke(args=["content", "check", "--strict", str(root)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output


def test_errors_still_fail_and_are_told_apart_from_warnings(runner, tmp_path):
    root = _tree(tmp_path, "quizzes/en-position.md")
    (root / "quizzes/en-position.md").write_text(
        (ADVICE / "quizzes/en-position.md").read_text(encoding="utf-8").replace("skill: empathy", "skill: nosuch"),
        encoding="utf-8",
    )
    result = runner.invoke(args=["content", "check", str(root)])
    assert result.exit_code == 1
    assert f"{root}/quizzes/en-position.md:8: unknown skill 'nosuch'" in result.output
    assert f"{root}/quizzes/en-position.md:2: warning: " in result.output


def test_a_converted_gift_bank_is_warned_about_too(runner, tmp_path):
    bank = tmp_path / "bank.gift"
    bank.write_text(
        "::q1:: A customer waited forty minutes. What do you say? {\n~Calm down.\n"
        "=Forty minutes is a long time; thank you for waiting, let us sort it out right now.\n~Everyone waits.\n}\n\n"
        "::q2:: A customer does not understand the tariff. What do you do? {\n"
        "=Ask what exactly is unclear and explain it with the numbers of their own bill.\n~Give a leaflet.\n"
        "~Repeat it louder.\n}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["content", "import-gift", str(bank), "--id", "bank", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert f"{tmp_path}/bank.md:2: warning: the correct option is the longest in 2 of 2 questions" in result.output


# ---------------------------------------------------------------- the comparisons, against their definitions
def _same_by_definition(text: str, other: str) -> bool:
    """Two options say the same thing: equal, difflib's ratio at least REPEAT_SIMILARITY, or the shorter
    (of four words or more) has REPEAT_WORDS of its words in the other."""
    from difflib import SequenceMatcher

    if text == other or SequenceMatcher(None, text, other).ratio() >= advice_rules.REPEAT_SIMILARITY:
        return True
    short, long = sorted((text.split(), other.split()), key=len)
    return len(short) >= advice_rules.REPEAT_WORDS_MIN and sum(
        w in set(long) for w in short
    ) >= advice_rules.REPEAT_WORDS * len(short)


def _longest_common_subsequence(a: str, b: str) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


WORDS = ["извините", "давайте", "я", "сейчас", "проверю", "заказ", "вам", "жаль", "понимаю", "sorry", "check"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=9).map(" ".join),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=9).map(" ".join),
    st.text(alphabet="абв где", max_size=40),
)
def test_options_compare_as_their_definition_says(text, other, noise):
    """The bounds that spare difflib's ratio never change an answer: same words in other orders, texts that
    differ by a few letters, and texts of a few letters."""
    for a, b in ((text, other), (text, text + noise), (noise, other), (noise, noise[::-1])):
        assert advice_rules.same_option(a, b) == _same_by_definition(a, b), (a, b)
        assert advice_rules._Indexed(b).common_subsequence(a) == _longest_common_subsequence(a, b)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("abcd"), max_size=8), st.lists(st.sampled_from("abcd"), max_size=40))
def test_the_longest_run_of_an_options_words_is_found_where_it_first_starts(option, words):
    text = [(word, 1) for word in words]
    best, where = 0, 0
    for start in range(len(words)):
        for j in range(len(option)):
            run = 0
            while start + run < len(words) and j + run < len(option) and words[start + run] == option[j + run]:
                run += 1
            if run > best or (run == best and run and start < where):
                best, where = run, start
    assert giveaway._longest_run(option, text) == (best, where)
