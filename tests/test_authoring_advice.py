"""The author's warnings in the browser editor, and the item statistics' hints of what to change."""

import html as html_lib
from pathlib import Path

import pytest

from app.content import services as content
from app.extensions import db
from app.learning import services as learning
from tests.conftest import csrf_from, post_form

SAMPLES = Path(__file__).parent / "samples"
REPEATING_QUESTION = """
## Как ответить клиентке, к которой курьер приехал без звонка?
skill: empathy

- [ ] «Так курьеры работают, оформите доставку заново!»
- [x] «Мне очень жаль, что так вышло. Давайте я прямо сейчас назначу доставку на удобное вам время и попрошу курьера позвонить заранее.»
"""


@pytest.fixture
def trainer(runner, client, auth, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    user = make_user("trainer", email="t@example.com")
    auth.login("t@example.com")
    return user


def _check(client, url: str, source: str, lang: str) -> dict:
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        f"{url}/check", json={"source": source}, headers={"X-CSRFToken": token, "Accept-Language": lang}
    ).get_json()


def test_the_live_check_lists_translated_warnings_at_their_lines(client, trainer):
    url = "/authoring/case/courier-no-call"
    source = content.published("case", "courier-no-call").source.replace(
        "```\n\n## Разбор", "```\n\nИгорь выбирает второй вариант.\n\n## Разбор"
    )
    data = _check(client, url, source, "ru")
    assert data["problems"] == []  # a warning does not stop a publication
    named = [w for w in data["warnings"] if w["line"] == 22]
    assert len(named) == 1 and "называет выбранный вариант («второй вариант»)" in named[0]["message"]
    english = _check(client, url, source, "en")
    assert any(w["line"] == 22 and "names the option chosen" in w["message"] for w in english["warnings"])
    fair = _check(client, url, content.published("case", "courier-no-call").source, "en")
    assert not any("names the option" in w["message"] for w in fair["warnings"])


def test_the_quiz_editor_sees_the_decision_point_of_its_case(client, trainer):
    url = "/authoring/quiz/courier-no-call"
    source = content.published("quiz", "courier-no-call").source + REPEATING_QUESTION
    r = post_form(client, url, {"source": source, "save": "1"})
    assert r.status_code == 302
    page = html_lib.unescape(client.get(url, headers={"Accept-Language": "bg"}).get_data(as_text=True))
    assert 'data-line="39"' in page
    assert "предупреждение: този въпрос повтаря 2 варианта от точката на избор в courier-no-call.md:14" in page


def _learners(make_user, n: int):
    return [make_user("employee", email=f"e{i}@example.com") for i in range(n)]


def _finish(learners, first_answer):
    version = content.published("quiz", "courier-no-call")
    for learner in learners:
        attempt = learning.start_attempt(learner, version)
        learning.save_answer(attempt, "q1", first_answer)
        learning.save_answer(attempt, "q2", [0, 1])
        learning.save_answer(attempt, "q3", [0, 1, 2, 3])
        learning.finish_attempt(attempt)
    db.session.commit()


def test_statistics_flag_easy_questions_and_options_nobody_picks(client, trainer, make_user):
    _finish(_learners(make_user, 10), [1])
    page = html_lib.unescape(client.get("/quizzes/courier-no-call/stats").get_data(as_text=True))
    assert page.count("Nearly everyone answers this right") == 3  # all three questions, every answer right
    assert page.count("nobody picks it") == 2  # the wrong option of q1 and of q2; an order question has none
    assert "Nobody picks 1 of the options" in page
    russian = client.get("/quizzes/courier-no-call/stats", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Почти все отвечают верно" in html_lib.unescape(russian)


def test_statistics_do_not_flag_before_enough_attempts_or_a_hard_question(client, trainer, make_user):
    _finish(_learners(make_user, 9), [1])
    page = client.get("/quizzes/courier-no-call/stats").get_data(as_text=True)
    assert "Nearly everyone" not in page and "nobody picks it" not in page
    _finish([make_user("employee", email="late@example.com")], [0])  # 10 answers, 9 right: still easy
    _finish([make_user("employee", email="later@example.com")], [0])  # 11 answers, 9 right: 82 %
    page = html_lib.unescape(client.get("/quizzes/courier-no-call/stats").get_data(as_text=True))
    assert page.count("Nearly everyone answers this right") == 2  # q2 and q3, not q1
    assert "Nobody picks" in page  # q2's third option is never picked
    assert page.count("nobody picks it") == 1
