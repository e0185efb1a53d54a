"""The loop to training: a failed shop item assigns the course for its skill, and an overturned one takes
it back.

The course is chosen in the learner's language (their stored one, else the company's default,
``BABEL_DEFAULT_LOCALE``), never in another. A course the learner has completed before is reopened: the
new assignment starts a round of its own (``cycle_started_at``), so the old completion does not count.
When a dispute overturns an item, each assignment the card made is withdrawn unless a failed item still
requires it (of this card, or of a later card about the person that relied on it), and its notice is
marked and followed by one saying so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from app.content import services as content
from app.content.models import ContentVersion
from app.core import audit, signals
from app.core.transitions import transition
from app.extensions import db
from app.learning import services as learning
from app.learning.models import Assignment, CourseCompletion
from app.people.models import Department, User
from app.people.services import ancestor_ids
from app.shopping.models import Scorecard


def person_language(user: User) -> str:
    """The language a person learns and is written to in: their own, else the company's default."""
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _base(lang: str) -> str:
    return lang.split("-")[0].lower()


def courses_for_skill(skill: str, language: str | None = None) -> list[ContentVersion]:
    """Published courses that train a skill: listed in the course's skills, or in one of its cases' skills.

    With a language, only the courses written in it (a course that names none is in the default one).
    """
    courses = content.published_all("course")
    if language is not None:
        default = current_app.config["BABEL_DEFAULT_LOCALE"]
        courses = [v for v in courses if _base(v.lang or default) == _base(language)]
    direct = [v for v in courses if skill in (v.data.get("skills") or [])]
    if direct:
        return direct
    cases = {v.item.slug for v in content.published_all("case") if skill in (v.data.get("skills") or [])}
    return [v for v in courses if cases & set(v.data.get("cases") or [])]


def _people(card: Scorecard) -> list[User]:
    from app.shopping.services import department_staff

    if card.employee_id is not None:
        return [db.session.get(User, card.employee_id)]
    return department_staff(db.session.get(Department, card.department_id))


def _failed(card: Scorecard) -> list:
    return [a for a in card.answers if a.answer == "no" and a.skill]


def assign_training_after(card: Scorecard, now: datetime) -> list[Assignment]:
    """For every failed item with a skill, assign its course in each observed person's language."""
    from app.shopping.services import checklist_of

    failed = _failed(card)
    if not failed:
        return []
    texts = {item.id: item.text for item in checklist_of(card).items()}
    due = (now + timedelta(days=current_app.config["LOOP_DUE_DAYS"])).date()
    visit_day = (card.visited_at or now).date().isoformat()
    created: list[Assignment] = []
    seen: set[tuple[int, int]] = set()
    for person in _people(card):
        if not person.active:
            continue
        language = person_language(person)
        rows = {r.assignment.course_item_id: r for r in learning.assigned_courses(person)}
        for answer in failed:
            for course in courses_for_skill(answer.skill, language):
                key = (person.id, course.item_id)
                if key in seen:
                    continue
                seen.add(key)
                row = rows.get(course.item_id)
                if row is not None and not row.done:  # already assigned, not yet done in its round
                    continue
                completed = (row is not None and row.done) or _completed_before(person, course.item_id)
                created += learning.create_assignment(
                    None,
                    course.item,
                    users=[person],
                    due_on=due,
                    reason="shop",
                    note=f"after the mystery shop of {visit_day}: {texts.get(answer.item_id, answer.item_id)}",
                    source_ref=f"card:{card.id}:{answer.item_id}",
                    round_from=now if completed else None,
                )
    for assignment in created:
        audit.record(
            None,
            "assignment.loop",
            "assignment",
            assignment.id,
            None,
            {"card": card.id, "user_id": assignment.user_id, "course_item_id": assignment.course_item_id},
        )
    return created


def _completed_before(person: User, course_item_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(func.count(CourseCompletion.id)).where(
                CourseCompletion.user_id == person.id, CourseCompletion.course_item_id == course_item_id
            )
        )
    )


def _still_required(person: User, assignment: Assignment, card: Scorecard) -> bool:
    """A failed item still asks for the assignment's course: on this card, or on a card about the person
    approved since it was made (whose loop found it open and relied on it)."""
    conditions = [Scorecard.employee_id == person.id]
    depts = ancestor_ids(person.department_id)
    if depts:
        conditions.append(Scorecard.employee_id.is_(None) & Scorecard.department_id.in_(depts))
    later = db.session.scalars(
        select(Scorecard).where(
            Scorecard.id != card.id,
            Scorecard.status == "approved",
            Scorecard.approved_at >= assignment.created_at,
            or_(*conditions),
        )
    ).all()
    language = person_language(person)
    for other in [card, *later]:
        for answer in _failed(other):
            if any(c.item_id == assignment.course_item_id for c in courses_for_skill(answer.skill, language)):
                return True
    return False


def withdraw_training_after(actor: User | None, card: Scorecard, now: datetime) -> list[Assignment]:
    """Withdraw the card's loop assignments that no failed item requires any more, with their notices."""
    made = db.session.scalars(
        select(Assignment).where(
            Assignment.reason == "shop",
            Assignment.source_ref.like(f"card:{card.id}:%"),
            Assignment.cancelled_at.is_(None),
            Assignment.user_id.is_not(None),
        )
    ).all()
    withdrawn = []
    for assignment in made:
        person = db.session.get(User, assignment.user_id)
        if _still_required(person, assignment, card):
            continue
        if not transition(assignment, allowed=[None], to=now, column="cancelled_at"):
            continue  # withdrawn by a parallel request
        withdrawn.append(assignment)
        audit.record(
            actor,
            "assignment.withdraw",
            "assignment",
            assignment.id,
            None,
            {"card": card.id, "user_id": assignment.user_id, "course_item_id": assignment.course_item_id},
        )
    if withdrawn:  # their people told, their course status recomputed (the UPDATE went past the session)
        signals.assignments_withdrawn.send(withdrawn, now=now, reason="overturned")
    return withdrawn
