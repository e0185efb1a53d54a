"""Calibration exercises: HR sets one up with the expert's reference, shoppers score it blind and submit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.calibration.models import Calibration, CalibrationAnswer, CalibrationReference, CalibrationResponse
from app.calibration.results import item_order
from app.calibration.schemas import CalibrationAnswersIn, CalibrationIn
from app.content import services as content
from app.core import audit
from app.core.audit import utcnow
from app.core.errors import ValidationFailed
from app.core.i18n import lazy_gettext as _l
from app.core.schemas import parse
from app.core.transitions import StateConflict, transition
from app.extensions import db

ANSWERS = ("yes", "no", "na")
NOT_CREATED = "The calibration exercise was not created."
NOT_ACCEPTED = "The answers were not accepted."


def create_calibration(
    actor,
    checklist: str,
    title: str,
    scenario: str,
    reference: dict[str, str],
    reasoning: dict[str, str] | None = None,
) -> Calibration:
    """A new exercise on the published checklist ``checklist`` (its id); raises ValidationFailed, writing nothing.

    The reference must answer at least one item, and only items of the checklist."""
    reasoning = reasoning or {}
    version = content.published("checklist", checklist)
    fields: dict[str, str] = {} if version else {"checklist": "unknown checklist"}
    if not title.strip():
        fields["title"] = "required"
    if version is not None:
        items = [item.id for item in content.document(version).items()]
        fields |= {f"reference.{i}": "unknown item" for i in reference if i not in items}
        fields |= {f"reasoning.{i}": "unknown item" for i in reasoning if i not in items}
        fields |= {f"reference.{i}": "must be yes, no or na" for i, a in reference.items() if a not in ANSWERS}
        if not reference:
            fields["reference"] = "answer at least one item"
    if fields:
        raise ValidationFailed(NOT_CREATED, fields)
    calibration = Calibration(
        title=title.strip()[:300], checklist_version_id=version.id, scenario=scenario, created_by_id=actor.id
    )
    for item_id, answer in reference.items():
        note = (reasoning.get(item_id) or "").strip() or None
        calibration.reference.append(CalibrationReference(item_id=item_id, answer=answer, reasoning=note))
    db.session.add(calibration)
    db.session.flush()
    audit.record(actor, "calibration.create", "calibration", calibration.id, None, {"items": len(reference)})
    return calibration


def create_from_api(actor, payload) -> Calibration:
    body: CalibrationIn = parse(CalibrationIn, payload, NOT_CREATED)
    return create_calibration(actor, body.checklist, body.title, body.scenario, body.reference, body.reasoning)


def response_of(shopper, calibration: Calibration) -> CalibrationResponse | None:
    return db.session.scalars(
        select(CalibrationResponse).where(
            CalibrationResponse.calibration_id == calibration.id, CalibrationResponse.shopper_id == shopper.id
        )
    ).first()


def response_for(shopper, calibration: Calibration) -> CalibrationResponse:
    """The shopper's scoring of the exercise, made as a draft on the first save."""
    found = response_of(shopper, calibration)
    if found is not None:
        return found
    response = CalibrationResponse(calibration_id=calibration.id, shopper_id=shopper.id, status="draft")
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:  # opened in two tabs at once
        return response_of(shopper, calibration)
    return response


def save_answers(
    response: CalibrationResponse,
    answers: dict[str, str | None] | None = None,
    comments: dict[str, str | None] | None = None,
) -> None:
    """Store what the shopper has filled in so far; items not on the checklist are ignored."""
    if not response.editable:
        raise StateConflict(_l("You have already submitted this exercise."), response.status)
    items = [i for i, _text in item_order(response.calibration)]
    by_item = {a.item_id: a for a in response.answers}
    for item_id in items:
        given_answer = item_id in (answers or {})
        given_comment = item_id in (comments or {})
        if not (given_answer or given_comment):
            continue
        row = by_item.get(item_id)
        if row is None:
            row = by_item[item_id] = CalibrationAnswer(item_id=item_id)
            response.answers.append(row)
        if given_answer:
            value = answers[item_id]
            row.answer = value if value in ANSWERS else None
        if given_comment:
            row.comment = (comments[item_id] or "").strip() or None
    db.session.flush()


def submit_response(shopper, response: CalibrationResponse, now: datetime | None = None) -> None:
    """Submit once; unanswered items stay missing values."""
    if not transition(response, allowed=("draft",), to="submitted", submitted_at=now or utcnow()):
        raise StateConflict(_l("You have already submitted this exercise."), response.status)
    audit.record(
        shopper, "calibration.submit", "calibration", response.calibration_id, None, {"shopper_id": shopper.id}
    )


def answer_from_api(shopper, calibration: Calibration, payload) -> CalibrationResponse:
    """The shopper's answers, submitted at once; raises ValidationFailed (writing nothing) or StateConflict."""
    body: CalibrationAnswersIn = parse(CalibrationAnswersIn, payload, NOT_ACCEPTED)
    items = {i for i, _text in item_order(calibration)}
    unknown = {f"answers.{i}": "unknown item" for i in body.answers if i not in items}
    if unknown:
        raise ValidationFailed(NOT_ACCEPTED, unknown)
    existing = response_of(shopper, calibration)
    if existing is not None and not existing.editable:
        raise StateConflict(_l("You have already submitted this exercise."), existing.status)
    response = response_for(shopper, calibration)
    save_answers(response, answers={i: body.answers.get(i) for i in items})
    submit_response(shopper, response)
    return response


def calibration_or_none(calibration_id: int) -> Calibration | None:
    return db.session.get(Calibration, calibration_id) if calibration_id <= 2**31 - 1 else None
