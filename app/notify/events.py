"""Notices for things that just happened; each runs once, on the signal the service that made it happen
sends inside its own transaction, so a notice exists exactly when its event does."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import update

from app.content.services import document
from app.core import signals
from app.extensions import db
from app.learning.assigned import reached_user_ids
from app.learning.models import Assignment, QuizAttempt
from app.notify.models import EMAIL_PENDING, EMAIL_SKIPPED, Notice
from app.notify.services import Pending, path_for, record
from app.people.models import User
from app.people.services import managers_of
from app.shopping.models import Dispute, Scorecard, Visit


def assignment_params(assignment: Assignment) -> dict:
    """What a learner is told about an assignment, including why the mystery-shop loop made it."""
    version = assignment.course_item.published
    params = {
        "course": version.title if version else assignment.course_item.slug,
        "due": assignment.due_on.isoformat() if assignment.due_on else None,
        "reason": assignment.reason,
        "note": assignment.note,
        "repeat_months": assignment.repeat_months,
        # a course done before, open again for this assignment (a recurring one's later rounds say so anyway)
        "reopened": assignment.cycle_started_at is not None and not assignment.repeat_months,
    }
    ref = assignment.source_ref or ""
    if assignment.reason == "shop" and ref.startswith("card:"):
        _prefix, card_id, item_id = (ref.split(":", 2) + ["", ""])[:3]
        card = db.session.get(Scorecard, int(card_id)) if card_id.isdigit() else None
        if card is not None:
            texts = {item.id: item.text for item in document(card.checklist_version).items()}
            params["shop_item"] = texts.get(item_id, item_id)
            params["shop_day"] = card.visited_at.date().isoformat() if card.visited_at else None
    return params


def assignments_created(assignments: list[Assignment], now: datetime | None = None) -> int:
    """Tell everyone each new assignment reaches (its person, or its whole department subtree)."""
    created = 0
    for a in assignments:
        params = assignment_params(a)
        link = path_for("learning.course", slug=a.course_item.slug)
        created += record(
            "assignment",
            (Pending(uid, f"assign:{a.id}:{uid}", params, link) for uid in reached_user_ids(a)),
            now or a.created_at,
        )
    return created


def assignment_withdrawn(assignment: Assignment, user_ids: list[int], now: datetime, reason: str = "overturned") -> int:
    """Mark the notices that announced a withdrawn assignment (an email not yet sent is not sent) and tell
    each person it reached that the course is withdrawn."""
    keys = [f"assign:{assignment.id}:{uid}" for uid in user_ids]
    db.session.execute(
        update(Notice).where(Notice.key.in_(keys), Notice.withdrawn_at.is_(None)).values(withdrawn_at=now)
    )
    db.session.execute(
        update(Notice)
        .where(Notice.key.in_(keys), Notice.email_state == EMAIL_PENDING)
        .values(email_state=EMAIL_SKIPPED)
    )
    params = {**assignment_params(assignment), "withdrawn": reason}
    link = path_for("learning.course", slug=assignment.course_item.slug)
    return record(
        "assignment_withdrawn",
        (Pending(uid, f"withdraw:{assignment.id}:{uid}", params, link) for uid in user_ids),
        now,
    )


def assignments_withdrawn(assignments: list[Assignment], now: datetime, reason: str = "overturned") -> None:
    for assignment in assignments:
        assignment_withdrawn(assignment, reached_user_ids(assignment), now, reason)


def quiz_finished(attempt: QuizAttempt) -> None:
    """Tell the learner their quiz result."""
    quiz = document(attempt.version)
    params = {
        "quiz": attempt.version.title,
        "percent": attempt.percent,
        "passed": bool(attempt.passed),
        "pass": quiz.pass_percent,
    }
    link = path_for("learning.result", attempt_id=attempt.id)
    record("quiz_result", [Pending(attempt.user_id, f"result:{attempt.id}", params, link)], attempt.finished_at)


def visits_assigned(visits: list[Visit], now: datetime | None = None) -> None:
    """Tell the shopper about each visit given to them (scheduled for them, or taken from the open list)."""
    for v in visits:
        if v.shopper_id is None:
            continue
        params = {
            "department": v.department.name,
            "start": v.window_start.isoformat(),
            "end": v.window_end.isoformat(),
            "scenario": v.scenario,
        }
        link = path_for("shopping.my_visits")
        record("visit_new", [Pending(v.shopper_id, f"visit:{v.id}:{v.shopper_id}", params, link)], now)


def card_reviewed(card: Scorecard) -> None:
    """A returned card goes back to its shopper with the note; an approved one is told to the employee
    it is about, without anything that names the shopper."""
    department = card.department.name
    if card.status == "returned":
        link = (
            path_for("shopping.card_form", visit_id=card.visit_id) if card.visit_id else path_for("shopping.my_visits")
        )
        stamp = card.reviewed_at.strftime("%Y%m%d%H%M%S%f")
        params = {"department": department, "note": card.review_note}
        record(
            "card_returned", [Pending(card.shopper_id, f"returned:{card.id}:{stamp}", params, link)], card.reviewed_at
        )
    elif card.status == "approved" and card.employee_id is not None:
        params = {
            "department": department,
            "day": card.visited_at.date().isoformat() if card.visited_at else None,
            "percent": card.total_percent,
            "passed": card.passed,
            "dispute_days": current_app.config["DISPUTE_DAYS"],
        }
        link = path_for("shopping.my_result", card_id=card.id)
        record("card_approved", [Pending(card.employee_id, f"approved:{card.id}", params, link)], card.approved_at)


def dispute_settled(dispute: Dispute) -> None:
    """Tell the employee how HR settled their dispute."""
    card = dispute.card
    texts = {item.id: item.text for item in document(card.checklist_version).items()}
    params = {
        "item": texts.get(dispute.item_id, dispute.item_id),
        "accepted": dispute.status == "accepted",
        "answer": dispute.new_answer,
        "note": dispute.resolution_note,
    }
    link = path_for("shopping.my_result", card_id=card.id)
    record(
        "dispute_settled", [Pending(dispute.employee_id, f"dispute:{dispute.id}", params, link)], dispute.resolved_at
    )


def _action_opened(action, **_) -> None:
    action_opened(action, managers_of(action.department_id))


def action_opened(action, managers: list[User]) -> None:
    """Tell the managers who lead the department that an action is theirs (nothing names the shopper)."""
    params = {
        "department": action.department.path,
        "reason": action.reason,
        "due": action.due_on.isoformat(),
        "items": len(action.item_ids),
    }
    link = path_for("coaching.action", action_id=action.id)
    record(
        "action_opened", [Pending(m.id, f"action:{action.id}:{m.id}", params, link) for m in managers], action.opened_at
    )


def connect_signals() -> None:
    """Tell people about what the learning and shopping services report (called by ``create_app``)."""
    signals.assignments_created.connect(assignments_created)
    signals.attempt_finished.connect(quiz_finished)
    signals.visits_assigned.connect(visits_assigned)
    signals.card_reviewed.connect(card_reviewed)
    signals.dispute_settled.connect(dispute_settled)
    signals.assignments_withdrawn.connect(assignments_withdrawn)
    signals.action_opened.connect(_action_opened)
