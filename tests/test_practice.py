"""Daily practice: the stored schedule is fsrs's own, sessions pick the weakest skills, a double submit counts once."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, select

from app.extensions import db
from app.learning.models import PracticeCard, PracticeReview
from app.people import services as people
from app.practice import services as practice
from app.shopping import services as shopping
from tests.conftest import csrf_from

SAMPLES = Path(__file__).parent / "samples"
CASE_ITEM = "case:courier-no-call:0"  # the sample case's one decision point; its best option is the second
T0 = datetime(2026, 3, 2, 9, 0)


def _fail_empathy(hr_email="hr@example.com", employee=None, make_user=None):
    """An approved card on which the employee failed the 'polite' item (skill empathy)."""
    dept = people.create_department(None, "Филиал", None)
    db.session.commit()
    shopper = make_user("shopper", email="shop@example.com")
    hr = make_user("hr", email=hr_email)
    employee.department_id = dept.id
    db.session.commit()
    answers = {k: "yes" for k in ["greet-30s", "introduced", "open-questions", "paraphrased"]}
    answers["polite"] = "no"
    payload = {
        "checklist": "branch-visit",
        "department": "Филиал",
        "employee": employee.email,
        "visited_at": "2026-02-20T10:00:00+00:00",
        "answers": answers,
    }
    card, _ = shopping.submit_from_api(shopper, payload, now=T0 - timedelta(days=5))
    shopping.review_card(hr, card, "approve", now=T0 - timedelta(days=5))
    db.session.commit()


def test_stored_schedule_equals_fsrs_for_the_same_ratings_and_times(learner):
    """A sequence of answers (wrong, right, right guessed, right, wrong) at fixed times leaves exactly the
    card fsrs's own Scheduler gives for Again, Good, Hard, Good, Again at those times."""
    steps = [  # (minutes after T0, chosen option, guessed) -> rating
        (0, [0], False, Rating.Again),
        (5, [1], False, Rating.Good),
        (60 * 24, [1], True, Rating.Hard),
        (60 * 24 * 6, [1], False, Rating.Good),
        (60 * 24 * 40, [0], False, Rating.Again),
    ]
    reference = Scheduler(enable_fuzzing=False)
    expected = Card(card_id=1, due=T0.replace(tzinfo=UTC))
    for n, (minutes, chosen, guessed, rating) in enumerate(steps):
        when = T0 + timedelta(minutes=minutes)
        review = practice.answer(learner, CASE_ITEM, chosen, f"token-{n}", now=when, guessed=guessed)
        assert review.rating == rating
        expected, _log = reference.review_card(expected, rating, when.replace(tzinfo=UTC))
        stored = db.session.scalars(select(PracticeCard).where(PracticeCard.user_id == learner.id)).one()
        assert stored.state == expected.state
        assert stored.step == expected.step
        assert stored.stability == pytest.approx(expected.stability, rel=1e-12)
        assert stored.difficulty == pytest.approx(expected.difficulty, rel=1e-12)
        assert stored.due == expected.due.replace(tzinfo=None)
        assert stored.last_review == when
    assert stored.reps == len(steps) and stored.lapses == 1  # the last Again came in the Review state


def test_a_double_submit_is_counted_once(learner):
    first = practice.answer(learner, CASE_ITEM, [1], "same-token", now=T0)
    due_after_first = db.session.scalars(select(PracticeCard)).one().due
    again = practice.answer(learner, CASE_ITEM, [0], "same-token", now=T0 + timedelta(minutes=1))
    assert again.id == first.id and again.correct
    assert db.session.scalar(select(func.count(PracticeReview.id))) == 1
    assert db.session.scalars(select(PracticeCard)).one().due == due_after_first


def test_session_puts_failed_skills_first_and_hides_items_not_due(learner, make_user):
    # Without any weakness there is nothing to practise unless the learner asks for more.
    assert practice.queue(learner, T0) == []
    assert [o.item.key for o in practice.queue(learner, T0, more=True)] == [CASE_ITEM]
    _fail_empathy(employee=learner, make_user=make_user)
    # The case trains complaint handling and initiative, not empathy: still not offered on its own.
    assert practice.queue(learner, T0) == []
    db.session.commit()
    # Finishing the quiz makes its questions practicable; the empathy question comes first.
    from app.content import services as content
    from app.learning import services

    version = content.published("quiz", "courier-no-call")
    attempt = services.start_attempt(learner, version, now=T0)
    services.save_answer(attempt, "q1", [0], now=T0)  # wrong
    services.save_answer(attempt, "q2", [0, 1], now=T0)  # right
    services.finish_attempt(attempt, now=T0)
    db.session.commit()
    offers = practice.queue(learner, T0)
    assert [(o.item.key, o.reason) for o in offers] == [("quiz:courier-no-call:q1", "failed")]
    # Answered right, the item waits until it is due; asking for more shows it again.
    practice.answer(learner, "quiz:courier-no-call:q1", [1], "t1", now=T0)
    card = db.session.scalars(select(PracticeCard)).one()
    assert card.due > T0
    assert practice.queue(learner, T0 + timedelta(seconds=30)) == []
    later = practice.queue(learner, T0 + timedelta(seconds=30), more=True)
    assert "quiz:courier-no-call:q1" in [o.item.key for o in later]
    assert [o.reason for o in practice.queue(learner, card.due)] == ["failed"]


def test_quiz_questions_stay_hidden_until_the_quiz_is_finished(learner):
    keys = [o.item.key for o in practice.queue(learner, T0, more=True)]
    assert not any(k.startswith("quiz:") for k in keys)
    with pytest.raises(Exception, match="no longer available"):
        practice.answer(learner, "quiz:courier-no-call:q1", [1], "t", now=T0)


def test_practice_page_by_form_saves_once_and_shows_feedback(client, learner):
    page = client.get("/learn/practice?more=1").get_data(as_text=True)
    assert "Daily practice" in page and 'name="choice"' in page
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "item": CASE_ITEM, "token": token, "more": "1", "choice": "1"}
    first = client.post("/learn/practice/answer", data=data)
    second = client.post("/learn/practice/answer", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(PracticeReview.id))) == 1
    feedback = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Right." in feedback and "Today: 1 of 5" in feedback and "1 day in a row" in feedback
    # Without a CSRF token nothing is saved.
    client.post("/learn/practice/answer", data={**data, "csrf_token": "", "token": "other"})
    assert db.session.scalar(select(func.count(PracticeReview.id))) == 1


def test_someone_elses_feedback_is_not_found(client, auth, learner, make_user):
    review = practice.answer(learner, CASE_ITEM, [1], "tok", now=T0)
    db.session.commit()
    make_user("employee", email="other@example.com")
    auth.logout()
    auth.login("other@example.com")
    assert client.get(f"/learn/practice?after={review.id}").status_code == 404


def test_streak_counts_consecutive_days():
    today = T0.date()
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert practice.streak_days(days, today) == 3
    assert practice.streak_days(days | {today}, today) == 4
    assert practice.streak_days(set(), today) == 0


def test_trainers_see_learners_and_weekly_recall_per_skill(client, auth, learner, make_user):
    other = make_user("employee", email="x@example.com")
    for who in (learner, other):  # a first answer (not retention), then two reviews a week later
        practice.answer(who, CASE_ITEM, [1], "a", now=T0)
        practice.answer(who, CASE_ITEM, [1], "b", now=T0 + timedelta(days=7))
    practice.answer(learner, CASE_ITEM, [0], "c", now=T0 + timedelta(days=8))
    db.session.commit()
    now = T0 + timedelta(days=9)
    weeks, rows = practice.practice_overview(now=now)
    (row,) = rows
    assert row.skill == "complaint-handling" and row.learners == 2
    week = (T0 + timedelta(days=7)).date()
    assert row.weeks == {week: (3, 2)}  # first answers left out; 2 of 3 recalled
    assert row.rate(week) == pytest.approx(200 / 3)
    make_user("trainer", email="t@example.com")
    auth.logout()
    auth.login("t@example.com")
    assert client.get("/learn/practice/overview").status_code == 200
