"""The JSON API (v1). Authentication is by bearer token only, so it needs no CSRF token."""

from flask import abort, jsonify, request
from flask_login import current_user

from app.api import bp
from app.core.errors import DomainError
from app.core.permissions import Role, allow
from app.extensions import db
from app.shopping import services
from app.shopping.models import Scorecard


def error(code: int, message: str, fields: dict | None = None):
    return jsonify(error={"code": code, "message": str(message), "fields": fields or {}}), code


def card_json(card: Scorecard, with_shopper: bool) -> dict:
    data = {
        "id": card.id,
        "status": card.status,
        "checklist": card.checklist_version.item.slug,
        "department": card.department.path,
        "visited_at": card.visited_at.isoformat() + "Z" if card.visited_at else None,
        "total_percent": card.total_percent,
        "passed": card.passed,
        "critical_failed": card.critical_failed,
        "late": card.late,
        "sections": [{"title": s.title, "percent": s.percent} for s in card.sections],
        "answers": {
            a.item_id: {"answer": a.answer, "earned": a.earned, "possible": a.possible, "comment": a.comment}
            for a in card.answers
        },
        "summary": card.summary,
    }
    if with_shopper:
        data["shopper"] = card.shopper.email
        data["employee"] = card.employee.email if card.employee else None
    return data


@bp.route("/scorecards", methods=["POST"])
@allow(Role.SHOPPER, Role.HR, Role.ADMIN)
def submit_scorecard():
    payload = request.get_json(silent=True)
    if payload is None:
        return error(400, "The body must be valid JSON (Content-Type: application/json).")
    key = request.headers.get("Idempotency-Key")
    try:
        card, created = services.submit_from_api(current_user, payload, key.strip() if key else None)
    except services.ValidationFailed as err:
        db.session.rollback()
        return error(422, err.message, err.fields)
    except DomainError as err:
        db.session.rollback()
        return error(409, err.message)
    db.session.commit()
    body = {
        "id": card.id,
        "status": card.status,
        "total_percent": card.total_percent,
        "passed": card.passed,
        "critical_failed": card.critical_failed,
        "sections": [{"title": s.title, "percent": s.percent} for s in card.sections],
    }
    return jsonify(body), 201 if created else 200


@bp.route("/scorecards/<int:card_id>/review", methods=["POST"])
@allow(Role.HR, Role.ADMIN)
def review_scorecard(card_id: int):
    card = db.session.get(Scorecard, card_id)
    if card is None:
        return error(404, "No such scorecard.")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return error(400, "The body must be a JSON object.")
    try:
        services.review_card(current_user, card, payload.get("decision"), payload.get("note"))
    except services.ValidationFailed as err:
        db.session.rollback()
        return error(422, err.message, err.fields)
    except DomainError as err:
        db.session.rollback()
        return error(409, err.message)
    db.session.commit()
    return jsonify(card_json(card, with_shopper=True))


@bp.route("/scorecards/<int:card_id>", methods=["GET"])
@allow()
def get_scorecard(card_id: int):
    card = db.session.get(Scorecard, card_id)
    if card is None:
        abort(404)
    if current_user.has_role(Role.HR, Role.ADMIN):
        return jsonify(card_json(card, with_shopper=True))
    if card.shopper_id == current_user.id:
        return jsonify(card_json(card, with_shopper=True))
    if card.employee_id == current_user.id and card.status == "approved":
        return jsonify(card_json(card, with_shopper=False))
    abort(404)
