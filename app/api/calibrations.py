"""The calibration API: HR sets up an exercise, shoppers send their answers, the figures as JSON."""

from flask import jsonify
from flask_login import current_user

from app.api import schemas
from app.api.docs import operation
from app.api.routes import error, json_body
from app.calibration import results, services
from app.core.errors import ValidationFailed
from app.core.permissions import Role, allow
from app.core.transitions import StateConflict
from app.extensions import db


@operation(
    "/calibrations",
    "POST",
    summary="Create a calibration exercise (hr, admin)",
    description="The checklist is its published id, as in POST /scorecards. The reference answers at least "
    "one item and only the checklist's items (an unknown item is refused, 422); reasoning per item is "
    "optional and shown to shoppers who read the item differently.",
    body=schemas.CalibrationIn,
    answers={201: ("created", schemas.Created)},
    errors=(400, 401, 403, 422),
)
@allow(Role.HR, Role.ADMIN)
def create_calibration():
    payload = json_body()
    if not isinstance(payload, dict):
        return error(400, "The body must be a JSON object.")
    try:
        calibration = services.create_from_api(current_user, payload)
    except ValidationFailed as err:
        db.session.rollback()
        return error(422, err.message, err.fields)
    db.session.commit()
    return jsonify(id=calibration.id), 201


@operation(
    "/calibrations/<int:calibration_id>/answers",
    "POST",
    summary="A shopper's blind answers to a calibration exercise (shopper)",
    description="Submitted at once; an item left out is unanswered (a missing value, and no match with the "
    "reference). Unknown items are refused (422); a second submission gives 409.",
    body=schemas.CalibrationAnswersIn,
    answers={201: ("submitted", schemas.CalibrationShopper)},
    errors=(400, 401, 403, 404, 409, 422),
)
@allow(Role.SHOPPER)
def answer_calibration(calibration_id: int):
    calibration = services.calibration_or_none(calibration_id)
    if calibration is None:
        return error(404, "No such calibration exercise.")
    payload = json_body()
    if not isinstance(payload, dict):
        return error(400, "The body must be a JSON object.")
    try:
        services.answer_from_api(current_user, calibration, payload)
    except ValidationFailed as err:
        db.session.rollback()
        return error(422, err.message, err.fields)
    except StateConflict as err:
        db.session.rollback()
        return jsonify(error={"code": 409, "message": str(err.message), "fields": {}}, status=err.status), 409
    db.session.commit()
    body = results.as_json(results.results(calibration), only_shopper_id=current_user.id)
    return jsonify(body["shoppers"][0]), 201


@operation(
    "/calibrations/<int:calibration_id>",
    "GET",
    summary="A calibration exercise's results: all of them for HR; a shopper who submitted sees their own row only",
    answers={200: ("results", schemas.CalibrationResults)},
    errors=(401, 403, 404),
)
@allow(Role.SHOPPER, Role.HR, Role.ADMIN)
def get_calibration(calibration_id: int):
    calibration = services.calibration_or_none(calibration_id)
    if calibration is None:
        return error(404, "No such calibration exercise.")
    if current_user.has_role(Role.HR, Role.ADMIN):
        return jsonify(results.as_json(results.results(calibration)))
    response = services.response_of(current_user, calibration)
    if response is None or response.editable:  # blind until they submit
        return error(404, "No such calibration exercise.")
    return jsonify(results.as_json(results.results(calibration), only_shopper_id=current_user.id))
