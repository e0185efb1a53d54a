import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.content import services as content
from app.core.audit import utcnow
from app.extensions import db
from app.learning import services
from app.learning.models import CourseCompletion, QuizAttempt
from tests.conftest import csrf_from

SAMPLES = Path(__file__).parent / "samples"


def _start(client):
    page = client.get("/learn/quizzes/courier-no-call")
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/learn/quizzes/courier-no-call/start", data={"csrf_token": token})
    assert r.status_code == 302
    return int(r.headers["Location"].rsplit("/", 1)[1]), token


def _finish(client, attempt_id, token, answers: dict):
    """Submit the attempt form as a browser would: the current state of every field, plus Finish."""
    data = {"csrf_token": token, "finish": "1"}
    attempt = db.session.get(QuizAttempt, attempt_id)
    if set(answers) != {sq.question.key for sq in services.presentation(attempt)}:
        data["finish_anyway"] = "1"  # what the confirmation's button sends
    for sq in services.presentation(attempt):
        key = sq.question.key
        if key not in answers:
            continue
        if sq.question.type == "order":
            for position, index in enumerate(answers[key], start=1):
                data[f"{key}_pos_{index}"] = str(position)
        else:
            data[key] = [str(v) for v in answers[key]]
    return client.post(f"/learn/attempts/{attempt_id}", data=data)


def _autosave(client, attempt_id, token, key, response):
    return client.post(
        f"/learn/attempts/{attempt_id}/answer",
        json={"question": key, "response": response},
        headers={"X-CSRFToken": token},
    )


def test_answers_survive_a_reload_and_order_is_stable(client, learner):
    attempt_id, token = _start(client)
    first = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert _autosave(client, attempt_id, token, "q1", [1]).status_code == 200
    assert _autosave(client, attempt_id, token, "q2", [0, 1]).status_code == 200
    again = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r'name="q1" value="1" checked', again)
    assert re.search(r'name="q2" value="0" checked', again) and re.search(r'name="q2" value="1" checked', again)
    order = lambda html: re.findall(r'name="(q\d)" value="(\d)"', html)  # noqa: E731
    assert order(first) == order(again)  # shuffle: true, stable for the attempt


def test_finish_scores_per_spec_and_double_submit_makes_one_result(client, learner):
    attempt_id, token = _start(client)
    _autosave(client, attempt_id, token, "q1", [1])  # 2 points
    _autosave(client, attempt_id, token, "q2", [0, 1])  # 1 point (partial, all right)
    answers = {"q1": [1], "q2": [0, 1], "q3": [0, 1, 2, 3]}  # all right
    r1 = _finish(client, attempt_id, token, answers)
    r2 = _finish(client, attempt_id, token, answers)
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert r1.status_code == 302 and r2.status_code == 302
    db.session.refresh(attempt)
    assert attempt.status == "finished" and attempt.percent == 100.0 and attempt.passed
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    result = client.get(f"/learn/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "100.0%" in result and "Общее пояснение" in result and "Вы признали чувства клиента" in result


def test_partial_answers_and_wrong_order(client, learner):
    attempt_id, token = _start(client)
    _autosave(client, attempt_id, token, "q1", [0])
    # q1 wrong (0 of 2); q2 one right, one wrong -> (1-1)/2 -> 0 of 1; q3 order "all" with a swap -> 0 of 1
    _finish(client, attempt_id, token, {"q1": [0], "q2": [0, 2], "q3": [1, 0, 2, 3]})
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.percent == 0 and attempt.passed is False


def test_invalid_answers_are_refused(client, learner):
    attempt_id, token = _start(client)
    assert _autosave(client, attempt_id, token, "q1", [0, 1]).status_code == 409
    assert _autosave(client, attempt_id, token, "q1", [9]).status_code == 409
    assert _autosave(client, attempt_id, token, "q3", [0, 1]).status_code == 409
    assert _autosave(client, attempt_id, token, "nope", [0]).status_code == 409


def test_time_limit_is_enforced_on_the_server(client, learner):
    attempt_id, token = _start(client)
    _autosave(client, attempt_id, token, "q1", [1])
    attempt = db.session.get(QuizAttempt, attempt_id)
    attempt.deadline_at = attempt.started_at - timedelta(seconds=1)
    db.session.commit()
    late = _autosave(client, attempt_id, token, "q2", [0, 1])
    assert late.status_code == 409
    db.session.refresh(attempt)
    assert attempt.status == "finished" and attempt.timed_out
    assert attempt.earned == 2  # only the answer given in time counts
    assert client.get(f"/learn/attempts/{attempt_id}").status_code == 302


def test_attempts_whose_time_ran_out_close_when_the_learner_looks(client, learner):
    """My learning and the quiz page close every attempt of the person whose deadline has passed, with
    the answers saved in time, and leave an open one with time left as it is."""
    late, token = _start(client)
    _autosave(client, late, token, "q1", [1])
    attempt = db.session.get(QuizAttempt, late)
    attempt.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get("/learn/my").get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.status == "finished" and attempt.timed_out and attempt.earned == 2
    assert f"/learn/attempts/{late}/result" in page and "in progress" not in page

    running, token = _start(client)
    assert running != late
    other = db.session.get(QuizAttempt, running)
    assert client.get("/learn/quizzes/courier-no-call").status_code == 200
    db.session.refresh(other)
    assert other.status == "open"
    other.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client.get("/learn/quizzes/courier-no-call")
    db.session.refresh(other)
    assert other.status == "finished" and other.timed_out


def test_max_attempts_is_enforced(client, learner):
    for _ in range(3):
        attempt_id, token = _start(client)
        client.post(f"/learn/attempts/{attempt_id}", data={"csrf_token": token, "finish_anyway": "1"})
    page = client.get("/learn/quizzes/courier-no-call")
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/learn/quizzes/courier-no-call/start", data={"csrf_token": token})
    assert r.headers["Location"].endswith("/learn/quizzes/courier-no-call")
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 3


def test_the_quiz_page_lists_the_attempts_and_what_is_left(client, learner):
    """The quiz page lists the person's attempts newest first with their results, offers to continue
    the open one, counts the attempts left, and says when none is left."""
    first, token = _start(client)
    _finish(client, first, token, {"q1": [1], "q2": [0, 1], "q3": [0, 1, 2, 3]})
    second, _token = _start(client)
    page = client.get("/learn/quizzes/courier-no-call").get_data(as_text=True)
    assert "Attempts left: 1 of 3" in page
    assert f'href="/learn/attempts/{second}">Continue your attempt<' in page
    listed = page[page.index("Your attempts") :]
    assert re.findall(r"<td>(\d)</td><td>", listed) == ["2", "1"]
    assert f'href="/learn/attempts/{first}/result"' in listed and f"/learn/attempts/{second}/result" not in listed
    assert "100.0% — passed" in listed and "in progress" in listed

    client.post(f"/learn/attempts/{second}", data={"csrf_token": token, "finish_anyway": "1"})
    third, _token = _start(client)
    client.post(f"/learn/attempts/{third}", data={"csrf_token": token, "finish_anyway": "1"})
    page = client.get("/learn/quizzes/courier-no-call").get_data(as_text=True)
    assert "Attempts left: 0 of 3" in page and "You have used all your attempts on this quiz." in page
    assert "Continue your attempt" not in page


def test_starting_twice_continues_the_open_attempt(client, learner):
    first, _ = _start(client)
    second, _ = _start(client)
    assert first == second


def test_someone_elses_attempt_is_not_found(client, auth, learner, make_user):
    attempt_id, _token = _start(client)
    auth.logout()
    make_user("employee", email="other@example.com")
    auth.login("other@example.com")
    assert client.get(f"/learn/attempts/{attempt_id}").status_code == 404
    assert client.get(f"/learn/attempts/{attempt_id}/result").status_code == 404


def test_case_and_course_completion(client, learner):
    page = client.get("/learn/cases/courier-no-call")
    token = csrf_from(page.get_data(as_text=True))
    client.post("/learn/cases/courier-no-call/read", data={"csrf_token": token})
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 0  # quiz not passed yet
    attempt_id, token = _start(client)
    _finish(client, attempt_id, token, {"q1": [1], "q2": [0, 1], "q3": [0, 1, 2, 3]})
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 1
    progress = services.course_progress(learner, [content.published("course", "complaint-handling")])[0]
    assert progress.completed


def test_a_course_page_shows_its_own_cases_in_the_course_order(client, runner, make_user, auth, tmp_path):
    """The course page reads its own cases only: listed in the course's order (not by title), each with
    its time and state, and its count as the catalogue's, with other courses' cases in the content too."""
    import shutil

    tree = tmp_path / "content"
    shutil.copytree(SAMPLES / "valid", tree)
    for slug, title in (("zeta-case", "A first by title"), ("alpha-case", "Z last by title"), ("other", "Other")):
        (tree / "cases" / f"{slug}.md").write_text(
            f"---\nid: {slug}\ntitle: {title}\nlang: ru\nskills: [empathy]\nminutes: 7\n---\nText.\n",
            encoding="utf-8",
        )
    (tree / "courses" / "ordered.md").write_text(
        "---\nid: ordered\ntitle: Ordered\nlang: ru\nskills: [empathy]\ncases: [zeta-case, courier-no-call, alpha-case]\n"
        "---\nAbout.\n",
        encoding="utf-8",
    )
    (tree / "courses" / "others.md").write_text(
        "---\nid: others\ntitle: Others\nlang: ru\nskills: [empathy]\ncases: [other]\n---\nAbout.\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["content", "import", str(tree)])
    assert result.exit_code == 0, result.output
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    token = csrf_from(client.get("/learn/cases/alpha-case").get_data(as_text=True))
    client.post("/learn/cases/alpha-case/read", data={"csrf_token": token})

    page = client.get("/learn/courses/ordered").get_data(as_text=True)
    listed = page[page.index('<ol class="case-list">') :]
    assert re.findall(r'href="/learn/cases/([^"]+)"', listed) == ["zeta-case", "courier-no-call", "alpha-case"]
    assert listed.count("7 min") == 2 and listed.count("completed</span>") == 1  # alpha: read, no quiz
    assert "1 of 3 cases completed" in page
    catalogue = client.get("/learn").get_data(as_text=True)
    assert "1 of 3 cases completed" in catalogue and "0 of 1 cases completed" in catalogue


def test_department_assignment_reaches_later_joiners_and_shows_overdue(client, auth, runner, make_user):
    from datetime import date

    from app.learning import stats
    from app.people import services as people

    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    region = people.create_department(None, "Регион", None)
    team = people.create_department(None, "Команда", region)
    db.session.commit()
    make_user("hr", email="hr@example.com")
    auth.login("hr@example.com")
    page = client.get("/assignments")
    token = csrf_from(page.get_data(as_text=True))
    due = date.today() + timedelta(days=10)
    r = client.post(
        "/assignments",
        data={"csrf_token": token, "course": "complaint-handling", "department": region.id, "due_on": due.isoformat()},
    )
    assert r.status_code == 302
    newcomer = make_user("employee", email="new@example.com", department=team)
    assert [a.department_id for a in services.assignments_for(newcomer)] == [region.id]
    overdue = stats.overdue_people(today=due + timedelta(days=1))
    assert [row[1] for row in overdue] == ["new@example.com"]
    # the same assignment again is refused, with the reason, whatever its due date
    r = client.post(
        "/assignments",
        data={"csrf_token": token, "course": "complaint-handling", "department": region.id, "due_on": ""},
    )
    assert r.status_code == 200 and "already assigned, and still open, to: Регион" in r.get_data(as_text=True)
    from app.learning.models import Assignment

    assert db.session.scalar(select(func.count(Assignment.id))) == 1


def test_item_statistics(client, learner, make_user, auth):
    for response in ([1], [1], [0]):
        attempt_id, token = _start(client)
        _finish(client, attempt_id, token, {"q1": response})
    from app.learning import stats

    report = stats.item_statistics(content.published("quiz", "courier-no-call"))
    assert report.attempts == 3
    q1 = report.questions[0]
    assert q1.option_counts == [1, 2] and abs(q1.facility - 2 / 3) < 1e-9
    assert report.questions[1].facility == 0
    auth.logout()
    make_user("trainer", email="t@example.com")
    auth.login("t@example.com")
    assert client.get("/quizzes/courier-no-call/stats").status_code == 200


def test_result_points_are_rounded_like_every_figure(runner, client, auth, make_user, tmp_path):
    """5 points times 2 of 6 right options is 1.666…: shown to one decimal, as the site shows figures."""
    root = tmp_path / "content" / "quizzes"
    root.mkdir(parents=True)
    options = "".join(f"- [x] option {n}\n" for n in range(6)) + "- [ ] wrong\n"
    (root / "thirds.md").write_text(
        f"---\nid: thirds\ntitle: Thirds\n---\n## Pick\npoints: 5\nscoring: partial\n\n{options}", encoding="utf-8"
    )
    assert runner.invoke(args=["content", "import", str(tmp_path / "content")]).exit_code == 0
    user = make_user("employee", email="thirds@example.com")
    attempt = services.start_attempt(user, content.published("quiz", "thirds"))
    services.save_answer(attempt, "q1", [0, 1])
    services.finish_attempt(attempt)
    db.session.commit()
    assert abs(attempt.earned - 5 / 3) < 1e-9
    auth.login("thirds@example.com")
    page = client.get(f"/learn/attempts/{attempt.id}/result").get_data(as_text=True)
    assert page.count("1.7 of 5.0 points") == 2  # the attempt and its question
    assert "1.66" not in page


def test_the_buttons_written_out_are_those_wtforms_writes(app, client, learner):
    """The learner pages write their submit buttons out rather than through WTForms' widget (34 µs a
    button): each is exactly what the field renders, in the page's language."""
    from app.learning.forms import ReadForm, StartForm, make_attempt_form
    from app.notify.forms import MarkAllReadForm

    case = client.get("/learn/cases/courier-no-call").get_data(as_text=True)
    quiz = client.get("/learn/quizzes/courier-no-call").get_data(as_text=True)
    attempt_id, token = _start(client)
    attempt = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    confirm = client.post(f"/learn/attempts/{attempt_id}", data={"csrf_token": token, "finish": "1"})
    # an assignment brings a notice, so the list offers to mark all read
    services.create_assignment(None, content.published("course", "complaint-handling").item, users=[learner])
    db.session.commit()
    notices = client.get("/notifications").get_data(as_text=True)
    with app.test_request_context():
        form = make_attempt_form([], {})(meta={"csrf": False})
        expected = {
            case: [ReadForm(meta={"csrf": False}).submit()],
            quiz: [StartForm(meta={"csrf": False}).submit()],
            attempt: [form.save(class_="secondary"), form.finish()],
            confirm.get_data(as_text=True): [form.finish_anyway()],
            notices: [MarkAllReadForm(meta={"csrf": False}).submit(class_="secondary outline")],
        }
    for page, buttons in expected.items():
        for button in buttons:
            assert str(button) in page, button


# ---------------------------------------------------------------- the flow around the questions
def test_finish_with_unanswered_questions_asks_first_and_finish_anyway_finishes(client, learner):
    attempt_id, token = _start(client)
    r = client.post(f"/learn/attempts/{attempt_id}", data={"csrf_token": token, "finish": "1", "q1": "1"})
    assert r.status_code == 200  # no redirect: the page asks first
    html = r.get_data(as_text=True)
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.status == "open" and attempt.answer_for("q1").response == [1]  # what was given is kept
    numbers = {sq.question.key: sq.number for sq in services.presentation(attempt)}
    summary = html[html.index('id="confirm-finish"') : html.index('name="finish_anyway"')]
    assert "2 questions have no answer yet" in summary
    for key in ("q2", "q3"):
        assert f'href="#{key}">question {numbers[key]}<' in summary
    assert 'href="#q1"' not in summary
    assert html.index('id="confirm-finish"') < html.index('class="question"')  # at the top, before the questions
    assert re.search(r'name="q1" value="1" checked', html)
    r = client.post(f"/learn/attempts/{attempt_id}", data={"csrf_token": token, "finish_anyway": "1", "q1": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/learn/attempts/{attempt_id}/result")
    db.session.refresh(attempt)
    assert attempt.status == "finished"


def test_a_blocked_submit_lists_the_problem_at_the_top(client, learner):
    attempt_id, token = _start(client)
    data = {"csrf_token": token, "finish": "1", "q1": "1", "q2": ["0", "1"], "q3_pos_0": "1", "q3_pos_1": "1"}
    html = client.post(f"/learn/attempts/{attempt_id}", data=data).get_data(as_text=True)
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.status == "open"
    top = html.index('id="form-errors"')
    assert top < html.index('class="question"') and "data-focus" in html[top - 200 : top + 200]
    number = {sq.question.key: sq.number for sq in services.presentation(attempt)}["q3"]
    assert f'href="#q3">question {number}</a>: Give every item a different position.' in html


def test_the_result_numbers_questions_as_the_attempt_did_and_a_failure_offers_the_way_back(client, learner):
    attempt_id, token = _start(client)
    page = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    shown = re.findall(r'<span class="qnum">(\d+)\.</span>', page)
    keys = re.findall(r'data-question="(q\d)"', page)
    _finish(client, attempt_id, token, {"q1": [0]})  # wrong: not passed
    result = client.get(f"/learn/attempts/{attempt_id}/result").get_data(as_text=True)
    attempt = db.session.get(QuizAttempt, attempt_id)
    prompts = {q.key: q.prompt for q in services.attempt_quiz(attempt).questions}
    for number, key in zip(shown, keys, strict=True):
        # the prompt may sit in a span marking its language when that is not the page's
        assert re.search(rf"<h2>{number}\. (?:<span[^>]*>)?[^<]*{re.escape(prompts[key][:12])}", result), (number, key)
    assert "Try again" in result and 'action="/learn/quizzes/courier-no-call/start"' in result
    assert 'href="/learn/cases/courier-no-call"' in result and "Back to the case" in result


def test_a_passed_result_or_one_with_no_attempts_left_offers_no_retry(client, learner):
    attempt_id, token = _start(client)
    _finish(client, attempt_id, token, {"q1": [1], "q2": [0, 1], "q3": [0, 1, 2, 3]})
    assert "Try again" not in client.get(f"/learn/attempts/{attempt_id}/result").get_data(as_text=True)
    for _ in range(2):
        attempt_id, token = _start(client)
        _finish(client, attempt_id, token, {"q1": [0]})
    html = client.get(f"/learn/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Try again" not in html and "Back to the case" in html  # three attempts is the quiz's limit


def test_the_course_page_leads_with_a_short_description_and_a_continue_button(client, learner):
    html = client.get("/learn/courses/complaint-handling").get_data(as_text=True)
    start = html.index('href="/learn/cases/courier-no-call" role="button"')
    assert "Start: Курьер приехал без звонка" in html and start < html.index('class="case-list"')
    token = csrf_from(html)
    client.post("/learn/cases/courier-no-call/read", data={"csrf_token": token})
    html = client.get("/learn/courses/complaint-handling").get_data(as_text=True)
    assert 'href="/learn/quizzes/courier-no-call" role="button"' in html  # read: the quiz is next
    assert "Continue: the quiz for “Курьер приехал без звонка”" in html


def test_a_long_course_description_folds_after_its_first_paragraph():
    from app.learning.routes import _split_lead

    lead, rest = _split_lead("<p>One.</p>\n<p>Two.</p>")
    assert lead == "<p>One.</p>" and rest.strip() == "<p>Two.</p>"
    assert _split_lead("<ul><li><p>a</p></li></ul><p>b</p>")[1] == ""  # never inside a list
    assert _split_lead("<p>Only.</p>") == ("<p>Only.</p>", "")


def test_my_learning_lists_attempts_ten_at_a_time_newest_first_at_a_fixed_cost(client, learner):
    from app.core.audit import utcnow
    from tests.test_queries import statements_for

    version = content.published("quiz", "courier-no-call")
    start = utcnow() - timedelta(days=30)

    def add(numbers):
        for n in numbers:
            db.session.add(
                QuizAttempt(
                    user_id=learner.id,
                    quiz_item_id=version.item_id,
                    version_id=version.id,
                    number=n,
                    seed=n,
                    status="finished",
                    started_at=start + timedelta(hours=n),
                    finished_at=start + timedelta(hours=n, minutes=5),
                    percent=float(n),
                    passed=False,
                )
            )
        db.session.commit()

    add(range(1, 3))
    few = statements_for(client, "/learn/my")
    add(range(3, 26))
    assert statements_for(client, "/learn/my") == few
    numbers = lambda html: [int(n) for n in re.findall(r"<td>(\d+)</td><td>", html)]  # noqa: E731
    first = client.get("/learn/my").get_data(as_text=True)
    assert numbers(first) == list(range(25, 15, -1)) and "25 in all" in first
    assert numbers(client.get("/learn/my?page=3").get_data(as_text=True)) == list(range(5, 0, -1))
    assert client.get("/learn/my?page=4").status_code == 404


STATS_QUIZ = """---
id: stats-mix
title: Stats mix
---
## Pick one
- [ ] a
- [x] b
- [ ] c

## Pick the right ones
- [x] a
- [x] b
- [ ] c
- [ ] d

## Put in order
type: order

1. first
2. second
3. third

## Rarely answered
- [x] yes
- [ ] no
"""


def _stats_by_definition(attempts, quiz):
    """The item statistics worked out attempt by attempt from their answers: facility over all attempts,
    discrimination between the top and the bottom 27 % by percent, options counted as chosen (an order
    question's by the item put first)."""
    n = len(attempts)
    group = max(1, round(n * 0.27))
    percents = sorted(a.percent for a in attempts)
    upper_cut, lower_cut = percents[-group], percents[group - 1]
    upper = [a for a in attempts if a.percent >= upper_cut]
    lower = [a for a in attempts if a.percent <= lower_cut]
    out = []
    for q in quiz.questions:
        answers = [(a, a.answer_for(q.key)) for a in attempts]
        answers = [(a, x) for a, x in answers if x is not None]
        correct = [a for a, x in answers if x.correct is True]
        counts = [0] * len(q.options)
        for _a, x in answers:
            for value in x.response[:1] if q.type == "order" else x.response:
                counts[value] += 1
        discrimination = sum(a in upper for a in correct) / len(upper) - sum(a in lower for a in correct) / len(lower)
        out.append((len(answers), len(correct), len(correct) / n, discrimination, counts))
    return n, sum(a.percent for a in attempts) / n, sum(bool(a.passed) for a in attempts) / n, out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_item_statistics_equal_their_definition_over_random_answers(runner, make_user, tmp_path, seed):
    """Single, multiple and order questions, answered, left empty or skipped at random: every figure of the
    trainer's statistics equals the same figure worked out attempt by attempt."""
    import random

    from app.learning import stats

    root = tmp_path / "content" / "quizzes"
    root.mkdir(parents=True)
    (root / "stats-mix.md").write_text(STATS_QUIZ, encoding="utf-8")
    assert runner.invoke(args=["content", "import", str(tmp_path / "content")]).exit_code == 0
    version = content.published("quiz", "stats-mix")
    rnd = random.Random(seed)
    attempts = []
    for _ in range(rnd.randint(4, 14)):
        attempt = services.start_attempt(make_user("employee"), version)
        for q in content.document(version).questions:
            if rnd.random() < (0.6 if q.key == "q4" else 0.1):
                continue  # not answered
            n = len(q.options)
            if q.type == "order":
                response = rnd.sample(range(n), n) if rnd.random() < 0.9 else []
            elif q.type == "multiple":
                response = sorted(rnd.sample(range(n), rnd.randint(0, n)))
            else:
                response = [rnd.randrange(n)] if rnd.random() < 0.9 else []
            services.save_answer(attempt, q.key, response)
        services.finish_attempt(attempt)
        attempts.append(attempt)
    db.session.commit()
    unfinished = services.start_attempt(make_user("employee"), version)  # an open attempt counts for nothing
    services.save_answer(unfinished, "q1", [0])
    db.session.commit()

    report = stats.item_statistics(version)
    quiz = content.document(version)
    n, average, pass_rate, questions = _stats_by_definition(attempts, quiz)
    assert (report.attempts, report.average_percent, report.pass_rate) == (n, pytest.approx(average), pass_rate)
    got = [(q.answered, q.correct, q.facility, q.discrimination, q.option_counts) for q in report.questions]
    assert got == [(a, c, pytest.approx(f), pytest.approx(d), counts) for a, c, f, d, counts in questions]
