import html as html_lib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.authoring.models import ContentDraft
from app.content import services as content
from app.content.models import ContentVersion
from app.core.audit import AuditEntry
from app.extensions import db
from app.learning import services as learning
from app.learning.models import QuizAttempt
from tests.conftest import post_form

SAMPLES = Path(__file__).parent / "samples"


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.fixture
def trainer(runner, client, auth, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    user = make_user("trainer", email="t@example.com")
    auth.login("t@example.com")
    return user


def test_content_list_shows_items_and_usage(client, trainer):
    page = client.get("/authoring/").get_data(as_text=True)
    assert "courier-no-call" in page
    # where each item is used: the kind in words and a link to it, not "course:complaint-handling"
    assert 'Course <a href="/authoring/course/complaint-handling"><code>complaint-handling</code></a>' in page
    assert 'Case <a href="/authoring/case/courier-no-call"><code>courier-no-call</code></a>' in page
    assert "course:complaint-handling" not in page


def test_draft_is_not_seen_until_published(client, trainer, make_user):
    url = "/authoring/case/courier-no-call"
    source = content.published("case", "courier-no-call").source.replace("Text.", "Draft text.")
    r = post_form(client, url, {"source": source, "save": "1"})
    assert r.status_code == 302
    assert db.session.scalar(select(func.count(ContentDraft.id))) == 1
    assert "Draft text." not in content.published("case", "courier-no-call").source
    r = post_form(client, url, {"source": source, "publish": "1"})
    assert r.status_code == 302
    version = content.published("case", "courier-no-call")
    assert version.number == 2 and "Draft text." in version.source
    assert db.session.scalar(select(func.count(ContentDraft.id))) == 0
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "content.publish").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.actor_id == trainer.id and entry.after["version"] == 2


def test_errors_block_publishing_and_show_the_line(client, trainer):
    url = "/authoring/quiz/courier-no-call"
    broken = content.published("quiz", "courier-no-call").source.replace("- [x] «Понимаю", "- [ ] «Понимаю")
    r = post_form(client, url, {"source": broken, "publish": "1"})
    html = text(r)
    assert r.status_code == 200 and "no correct option" in html and 'data-line="12"' in html
    assert content.published("quiz", "courier-no-call").number == 1
    # the live check answers the same, as JSON
    token_page = client.get(url).get_data(as_text=True)
    from tests.conftest import csrf_from

    data = client.post(
        f"{url}/check", json={"source": broken}, headers={"X-CSRFToken": csrf_from(token_page)}
    ).get_json()
    assert any(p["line"] == 12 and "no correct option" in p["message"] for p in data["problems"])


def test_breaking_a_reference_is_refused(client, trainer):
    url = "/authoring/case/courier-no-call"
    source = content.published("case", "courier-no-call").source.replace("quiz: courier-no-call", "quiz: gone")
    r = post_form(client, url, {"source": source, "publish": "1"})
    assert "missing quiz 'gone'" in text(r)
    skills_url = "/authoring/skills/skills"
    skills = content.published("skills", "skills").source
    without_empathy = skills.replace("- id: empathy\n  title: {en: Empathy, ru: Эмпатия}\n", "")
    r = post_form(client, skills_url, {"source": without_empathy, "publish": "1"})
    assert "still used" in text(r)


def test_changing_the_id_is_refused(client, trainer):
    url = "/authoring/case/courier-no-call"
    source = content.published("case", "courier-no-call").source.replace("id: courier-no-call", "id: other-id")
    r = post_form(client, url, {"source": source, "publish": "1"})
    assert "must stay 'courier-no-call'" in text(r)


def test_new_from_template_and_id_rules(client, trainer):
    r = post_form(client, "/authoring/new", {"kind": "case", "slug": "fresh-case"}, page_url="/authoring/")
    assert r.headers["Location"].endswith("/authoring/case/fresh-case")
    page = client.get("/authoring/case/fresh-case").get_data(as_text=True)
    assert "id: fresh-case" in page
    r = post_form(
        client,
        "/authoring/case/fresh-case",
        {
            "source": client.get("/authoring/case/fresh-case")
            and db.session.scalars(select(ContentDraft)).one().source,
            "publish": "1",
        },
    )
    assert content.published("case", "fresh-case") is not None
    for bad in ("Bad Id", "courier-no-call"):
        post_form(client, "/authoring/new", {"kind": "case", "slug": bad}, page_url="/authoring/")
    assert db.session.scalar(select(func.count(ContentDraft.id))) == 0


def test_history_diff_and_restore(client, trainer):
    url = "/authoring/case/courier-no-call"
    first = content.published("case", "courier-no-call").source
    post_form(client, url, {"source": first.replace("Text.", "Second."), "publish": "1"})
    page = client.get(f"{url}/history?a=1&b=2").get_data(as_text=True)
    assert "<del>Text.</del>" in page and "<ins>Second.</ins>" in page and "@@" not in page
    r = post_form(client, f"{url}/restore/1", {}, page_url=f"{url}/history")
    assert r.status_code == 302
    draft = db.session.scalars(select(ContentDraft)).one()
    assert draft.source == first
    post_form(client, url, {"source": draft.source, "publish": "1"})
    assert content.published("case", "courier-no-call").number == 3
    assert db.session.scalar(select(func.count(ContentVersion.id)).where(ContentVersion.origin == "editor")) == 2


def test_the_diff_is_numbered_lines_marked_removed_and_added_without_hunk_headers(client, trainer):
    from app.authoring import services

    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten").replace("line 20", "line 20\nline 21")
    hunks = services.diff(old, new)
    assert [h.skipped for h in hunks] == [6, 4]  # lines 1-6 and 14-16 unchanged, not shown
    changed = [(d.op, d.old, d.new, d.text) for h in hunks for d in h.lines if d.op != "same"]
    assert changed == [("del", 10, None, "line 10"), ("add", None, 10, "line ten"), ("add", None, 21, "line 21")]
    assert services.diff(old, old) == []
    url = "/authoring/case/courier-no-call"
    first = content.published("case", "courier-no-call").source
    post_form(client, url, {"source": first.replace("Text.", "Second."), "publish": "1"})
    page = client.get(f"{url}/history?a=1&b=2", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Изменения с v1 по v2" in page and "Удалено строк: 1" in page and "Добавлено строк: 1" in page
    assert '<span class="visually-hidden">удалено</span>' in page and "<ins>Second.</ins>" in page
    assert "@@" not in page and "+++" not in page


def test_the_editor_lists_the_skills_and_says_how_a_quiz_attaches_to_its_case(client, trainer):
    page = text(client.get("/authoring/case/courier-no-call", headers={"Accept-Language": "ru"}))
    assert 'data-insert="empathy"' in page and "Эмпатия" in page and 'data-insert="greeting"' in page
    assert "quiz:" in page and "тот же id" in page
    assert 'href="/authoring/quiz/courier-no-call"' in page  # the case's quiz, one click away
    quiz_page = text(client.get("/authoring/quiz/courier-no-call"))
    assert 'href="/authoring/case/courier-no-call"' in quiz_page and "Cases checked by this quiz" in quiz_page
    index = text(client.get("/authoring/"))
    assert "A quiz is attached to its case by the same id" in index


def test_the_id_patterns_are_valid_for_a_browser_v_flag_regexp():
    """Chromium compiles ``pattern`` with the v flag: a '-' that is not a range, and the reserved
    punctuators, must be escaped inside a class, or the browser ignores the pattern and logs an error."""
    import re

    root = Path(__file__).resolve().parent.parent / "app" / "templates"
    patterns = [m for f in root.rglob("*.html") for m in re.findall(r'pattern="([^"]*)"', f.read_text())]
    assert patterns
    for pattern in patterns:
        for cls in re.findall(r"\[((?:\\.|[^\]\\])*)\]", pattern):
            bare = re.sub(r"\\.", "", re.sub(r"\w-\w", "", cls))  # ranges and escapes taken out
            assert not set(bare) & set("-()[]{}/|"), (pattern, cls)


def _finish_attempts(learner, first_answers):
    """One finished attempt of the courier quiz per answer to its first question, the other two right."""
    version = content.published("quiz", "courier-no-call")
    for choice in first_answers:
        attempt = learning.start_attempt(learner, version)
        learning.save_answer(attempt, "q1", choice)
        learning.save_answer(attempt, "q2", [0, 1])
        learning.save_answer(attempt, "q3", [0, 1, 2, 3])
        learning.finish_attempt(attempt)
    db.session.commit()


def test_regrade_dry_run_counts_and_regrades(client, trainer, make_user):
    _finish_attempts(make_user("employee", email="e@example.com"), [[1], [0], [1]])
    version = content.published("quiz", "courier-no-call")
    assert [a.passed for a in db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id))] == [True, False, True]
    # flip the answer key of q1: option 0 becomes right, option 1 wrong
    new = version.source.replace("- [ ] «Это не моя", "- [x] «Это не моя").replace("- [x] «Понимаю", "- [ ] «Понимаю")
    url = "/authoring/quiz/courier-no-call"
    r = post_form(client, url, {"source": new, "publish": "1"})
    html = text(r)
    assert "would change the result of 3 of 3" in html
    assert content.published("quiz", "courier-no-call").number == 1  # nothing published yet
    r = post_form(client, url, {"source": new, "publish": "1", "regrade": "yes"})
    assert r.status_code == 302
    assert [a.passed for a in db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id))] == [False, True, False]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "content.regrade")).one()
    assert entry.after["attempts_changed"] == 3


def test_gift_upload_makes_a_draft_quiz(client, trainer):
    from io import BytesIO

    from tests.conftest import csrf_from

    token = csrf_from(client.get("/authoring/").get_data(as_text=True))
    data = (SAMPLES / "gift" / "moodle_export.gift").read_bytes()
    r = client.post(
        "/authoring/gift",
        data={"csrf_token": token, "slug": "from-gift", "file": (BytesIO(data), "q.gift")},
        content_type="multipart/form-data",
    )
    html = text(r)
    assert "6 question(s) converted, 4 skipped" in html and 'skipped essay question "Essay Q"' in html
    assert db.session.scalars(select(ContentDraft)).one().slug == "from-gift"
    r = client.post(
        "/authoring/gift",
        data={"csrf_token": token, "slug": "from-gift-ru", "file": (BytesIO(data), "q.gift")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "ru"},
    )
    html = text(r)
    assert "строка" in html and "пропущен вопрос-эссе «Essay Q»" in html and "skipped essay" not in html


def test_zip_export(client, trainer):
    import io
    import zipfile

    r = client.get("/authoring/export.zip")
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert "content/skills.yml" in names and "content/cases/courier.md" in names


def test_employee_cannot_author(client, auth, make_user, trainer):
    auth.logout()
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    assert client.get("/authoring/").status_code == 403


def test_saving_unchanged_in_the_browser_keeps_the_file_as_it_was(client, trainer):
    """A browser sends a textarea's line breaks as CRLF: publishing a file written with LF, unchanged,
    must not make a new version (nor turn its line ends into CRLF on export)."""
    url = "/authoring/case/courier-no-call"
    published = content.published("case", "courier-no-call")
    assert "\r\n" not in published.source
    r = post_form(client, url, {"source": published.source.replace("\n", "\r\n"), "publish": "1"})
    assert r.status_code == 302
    assert "Nothing changed" in text(client.get(url))
    assert content.published("case", "courier-no-call").number == published.number
    edited = published.source.replace("\n", "\r\n").replace("Text.", "Edited text.")
    post_form(client, url, {"source": edited, "publish": "1"})
    again = content.published("case", "courier-no-call")
    assert again.number == published.number + 1 and again.source == edited.replace("\r\n", "\n")
    assert "Edited text." in again.source


REORDERED = """---
id: courier-no-call
title: "Проверка: доставка без звонка"
lang: ru
pass_percent: 80
---
## Что вы делаете в первые секунды разговора?
- [ ] Ищу заказ в системе
- [x] Слушаю клиента

## Клиент говорит: «Я жду уже сорок минут!» Какой ответ показывает эмпатию?
skill: empathy
points: 2

- [x] «Понимаю, сорок минут — это очень долго. Давайте разберёмся прямо сейчас.»
- [ ] «Это не моя зона ответственности.»

## Какие приёмы относятся к активному слушанию?
skill: active-listening
scoring: partial

- [x] Уточняющие вопросы
- [x] Перефразирование
- [ ] Перебить, чтобы сэкономить время

## Расставьте шаги работы с жалобой по порядку
type: order

1. Выслушать
2. Извиниться
3. Решить
4. Поблагодарить
"""


def test_regrade_follows_questions_and_options_that_moved(client, trainer, make_user):
    """A trainer puts a new question first and the right option of the empathy question first: each
    learner is regraded on what they chose, not on whatever now stands at the place they answered."""
    from app import rollups
    from tests.test_reports import _rollup_snapshot

    _finish_attempts(make_user("employee", email="e@example.com"), [[1], [0]])  # empathy right, then wrong
    attempts = list(db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)))
    assert [a.percent for a in attempts] == [100.0, 50.0]
    url = "/authoring/quiz/courier-no-call"
    assert "would change the result of 2 of 2" in text(post_form(client, url, {"source": REORDERED, "publish": "1"}))
    assert post_form(client, url, {"source": REORDERED, "publish": "1", "regrade": "yes"}).status_code == 302

    new = content.published("quiz", "courier-no-call")
    attempts = list(db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)))
    # 5 points now: the new question (1, unanswered), empathy (2), listening (1), order (1)
    assert [(a.earned, a.possible, a.percent, a.passed) for a in attempts] == [
        (4.0, 5.0, 80.0, True),  # empathy still right: 2 + 1 + 1
        (2.0, 5.0, 40.0, False),  # empathy still wrong
    ]
    first = {a.question_key: (a.response, a.earned, a.correct) for a in attempts[0].answers}
    assert first == {"q2": ([0], 2.0, True), "q3": ([0, 1], 1.0, True), "q4": ([0, 1, 2, 3], 1.0, True)}
    assert {a.question_key: a.response for a in attempts[1].answers}["q2"] == [1]
    assert all(a.version_id == new.id for a in attempts)
    maintained = _rollup_snapshot()
    rollups.rebuild()
    db.session.commit()
    assert _rollup_snapshot() == maintained  # the skill figures follow the answers' new keys


def test_carry_over_rules():
    from app.authoring.services import carry_over
    from app.content.model import Option, Question, Quiz

    def q(key, prompt, *options, type="single"):
        return Question(key=key, prompt=prompt, type=type, options=[Option(t, c) for t, c in options])

    old = Quiz(
        kind="quiz",
        id="x",
        title="x",
        questions=[
            q("q1", "Кто виноват?", ("Я", True), ("Он", False)),
            q("q2", "Что делать?", ("Ждать", False), ("Звонить", True), ("Писать", False)),
            q("q3", "Порядок", ("А", True), ("Б", True), type="order"),
            q("q4", "Удалённый", ("Да", True), ("Нет", False)),
        ],
    )
    new = Quiz(
        kind="quiz",
        id="x",
        title="x",
        questions=[
            q("q1", "Кто же виноват?", ("Я сам", True), ("Он", False)),  # reworded in place
            q("q2", "Порядок", ("Б", True), ("А", True), type="order"),  # moved up, items swapped
            q("q3", "Что делать?", ("Звонить", True), ("Ждать", False)),  # moved down, "Писать" removed
        ],
    )
    moves = carry_over(old, new)
    assert moves == {
        "q1": ("q1", [0, 1]),  # "Я" reworded in place keeps its place; "Он" found by its text
        "q2": ("q3", [1, 0, None]),
        "q3": ("q2", [1, 0]),
    }  # q4 was removed: its answers no longer count
    # a choice question never takes the answers of an order question at its place
    assert "q1" not in carry_over(
        old, Quiz(kind="quiz", id="x", title="x", questions=[q("q1", "Иначе", ("Я", True), type="order")])
    )


def _import_flipped_key(runner, tmp_path) -> str:
    """The courier quiz published from files as version 2 with q1's answer key flipped; its text."""
    root = tmp_path / "content"
    shutil.copytree(SAMPLES / "valid", root)
    quiz = root / "quizzes" / "courier.md"
    flipped = (
        quiz.read_text(encoding="utf-8")
        .replace("- [ ] «Это не моя", "- [x] «Это не моя")
        .replace("- [x] «Понимаю", "- [ ] «Понимаю")
    )
    quiz.write_text(flipped, encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(root)])
    assert "version 2 would change the result of 3 of 3 finished attempt(s)" in result.output
    return content.published("quiz", "courier-no-call").source


def _passed():
    db.session.expire_all()
    return [a.passed for a in db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id))]


def test_editor_offers_the_regrade_of_a_version_published_from_files_once(client, trainer, make_user, runner, tmp_path):
    _finish_attempts(make_user("employee", email="e@example.com"), [[1], [0], [1]])
    published = _import_flipped_key(runner, tmp_path)
    assert _passed() == [True, False, True]  # the import kept the results
    url = "/authoring/quiz/courier-no-call"
    offer = "Version 2, already published, changed the answer key: regrading would change the result of 3 of 3"
    assert offer in text(client.get(url))
    # publishing the same text is the published version's regrade, not a new version's
    html = text(post_form(client, url, {"source": published, "publish": "1"}))
    assert offer in html and "This change of the answer key" not in html
    r = post_form(client, url, {"source": published, "publish": "1", "regrade": "yes"})
    assert r.status_code == 302
    page = text(client.get(url))
    assert "3 finished attempts regraded to version 2." in page and "Nothing changed" not in page
    assert _passed() == [False, True, False]
    assert content.published("quiz", "courier-no-call").number == 2  # no new version for it
    # once: neither offered again nor promised by a publish without a change
    assert "regrading would change" not in page
    html = text(post_form(client, url, {"source": published, "publish": "1"}, follow_redirects=True))
    assert "Nothing changed; the published version stays." in html and "would change" not in html
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "content.regrade")).one()
    assert entry.after == {"version": 2, "attempts_changed": 3, "attempts_checked": 3}


def test_keeping_past_results_ends_the_offer(client, trainer, make_user, runner, tmp_path):
    _finish_attempts(make_user("employee", email="e@example.com"), [[1], [0], [1]])
    published = _import_flipped_key(runner, tmp_path)
    url = "/authoring/quiz/courier-no-call"
    r = post_form(client, url, {"source": published, "publish": "1", "regrade": "no"}, follow_redirects=True)
    assert "Past results kept on the versions they were taken on." in text(r)
    assert _passed() == [True, False, True]
    assert "regrading would change" not in text(client.get(url))
    assert content.published("quiz", "courier-no-call").regrade == "kept"
    again = runner.invoke(args=["content", "import", str(tmp_path / "content"), "--regrade"])
    assert "courier-no-call" not in again.output and _passed() == [True, False, True]


def test_a_draft_survives_the_regrade_of_the_published_version(client, trainer, make_user, runner, tmp_path):
    _finish_attempts(make_user("employee", email="e@example.com"), [[1], [0], [1]])
    published = _import_flipped_key(runner, tmp_path)
    url = "/authoring/quiz/courier-no-call"
    draft = published.replace("Optional introduction", "A new introduction")
    assert post_form(client, url, {"source": draft, "save": "1"}).status_code == 302
    assert "Version 2, already published" in text(client.get(url))
    assert post_form(client, url, {"source": published, "publish": "1", "regrade": "yes"}).status_code == 302
    assert _passed() == [False, True, False]
    assert db.session.scalars(select(ContentDraft)).one().source == draft


def test_a_publish_that_changes_no_result_offers_nothing(client, trainer, make_user):
    _finish_attempts(make_user("employee", email="e@example.com"), [[1], [0]])
    url = "/authoring/quiz/courier-no-call"
    reworded = content.published("quiz", "courier-no-call").source.replace("Optional introduction", "Introduction")
    r = post_form(client, url, {"source": reworded, "publish": "1"}, follow_redirects=True)
    assert "Published as version 2." in text(r) and "would change" not in text(r)
    assert content.published("quiz", "courier-no-call").regrade == "none"
    assert "would change" not in text(client.get(url)) and _passed() == [True, False]
