"""The JSON API (v1). Authentication is by bearer token only, so it needs no CSRF token."""

from flask import abort, current_app, jsonify, request
from flask_login import current_user

from app.api import bp, schemas
from app.api.docs import operation, spec
from app.calibration.results import NeedsCalibration
from app.core.errors import BadInput, DomainError
from app.core.permissions import Role, allow
from app.core.schemas import parse
from app.core.transitions import StateConflict
from app.extensions import db
from app.people.models import User
from app.people.services import in_scope, leads, scope_ids
from app.shopping import services
from app.shopping.models import Scorecard

INT_MAX = 2**31 - 1  # ids are INTEGER columns: PostgreSQL refuses a larger number in a query


def error(code: int, message: str, fields: dict | None = None):
    return jsonify(error={"code": code, "message": str(message), "fields": fields or {}}), code


def json_body():
    """The parsed JSON body, or None if there is none or it cannot be read (nested too deeply included)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


@bp.before_request
def refuse_nul_in_idempotency_key():
    """The key is stored as text: refuse a NUL in it as PostgreSQL would (app.errors checks bodies and URLs)."""
    if "\x00" in request.headers.get("Idempotency-Key", ""):
        return error(400, "Text must not contain NUL (\\u0000) characters.")
    return None


def find_card(card_id: int) -> Scorecard | None:
    return db.session.get(Scorecard, card_id) if card_id <= INT_MAX else None


def manages_card(card: Scorecard) -> bool:
    """HR or an administrator whose scope holds the card's department."""
    return current_user.has_role(Role.HR, Role.ADMIN) and in_scope(current_user, card.department_id)


def person_json(person: User | None, viewer: User) -> str | None:
    """How the API names a person: by email to HR, admin and the person themself; to anyone else (a
    shopper looking at the staff they scored) by first name and initial only, as the pages do."""
    if person is None:
        return None
    if viewer.has_role(Role.HR, Role.ADMIN) or person.id == viewer.id:
        return person.email
    return person.short_name


def card_json(card: Scorecard, with_shopper: bool, viewer: User | None = None) -> dict:
    """A card as JSON for ``viewer`` (the signed-in person by default); people are named by person_json."""
    viewer = viewer or current_user
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
        data["shopper"] = person_json(card.shopper, viewer)
        data["employee"] = person_json(card.employee, viewer)
    return data


@operation(
    "/scorecards",
    "POST",
    summary="Submit a scorecard (shopper, hr, admin)",
    description="A shopper who needs calibration (their latest calibration exercise below the threshold) "
    "is refused (403) until they pass a later exercise. Nobody scores the department they work in or head, themself, or a colleague "
    "(422 'conflict of interest'). An employee who is unknown, inactive or outside the department "
    "gets the one answer 'not an employee of that department'. The same Idempotency-Key with the "
    "same body returns the first card (200); with a different body it is refused (422).",
    body=schemas.ScorecardIn,
    headers=schemas.IdempotencyHeader,
    answers={201: ("created", schemas.SubmitResult), 200: ("repeat of an Idempotency-Key", schemas.SubmitResult)},
    errors=(400, 401, 403, 409, 422),
)
@allow(Role.SHOPPER, Role.HR, Role.ADMIN)
def submit_scorecard():
    payload = json_body()
    if payload is None:
        return error(400, "The body must be valid JSON (Content-Type: application/json).")
    key = request.headers.get("Idempotency-Key")
    try:
        card, created = services.submit_from_api(current_user, payload, key.strip() if key else None)
    except services.ValidationFailed as err:
        db.session.rollback()
        return error(422, err.message, err.fields)
    except NeedsCalibration as err:
        db.session.rollback()
        return error(403, err.message)
    except DomainError as err:
        db.session.rollback()
        return error(409, err.message)
    except OverflowError:  # visited_at at the calendar's edge, like 0001-01-01T00:00:00+01:00, has no UTC time
        db.session.rollback()
        return error(422, "The scorecard was not accepted.", {"visited_at": "out of range"})
    if not in_scope(current_user, card.department_id):  # a scoped HR person files cards in their subtree only
        db.session.rollback()
        return error(422, "The scorecard was not accepted.", {"department": "outside your scope"})
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


@operation(
    "/scorecards/<int:card_id>/review",
    "POST",
    summary="Approve, return or reject a submitted card (hr, admin; never a card one submitted: 403); "
    "a card already reviewed gives 409 with its status",
    body=schemas.ReviewIn,
    answers={200: ("the reviewed card", schemas.Card)},
    errors=(400, 401, 403, 404, 409, 422),
)
@allow(Role.HR, Role.ADMIN)
def review_scorecard(card_id: int):
    card = find_card(card_id)
    if card is None or not manages_card(card):
        return error(404, "No such scorecard.")
    payload = json_body()
    if not isinstance(payload, dict):
        return error(400, "The body must be a JSON object.")
    try:
        review = parse(schemas.ReviewIn, payload, "The review was not accepted.")
        services.review_card(current_user, card, review.decision, review.note)
    except services.ValidationFailed as err:
        db.session.rollback()
        return error(422, err.message, err.fields)
    except services.SelfReview as err:
        db.session.rollback()
        return error(403, err.message)
    except StateConflict as err:  # reviewed meanwhile: say what the card is now
        db.session.rollback()
        return jsonify(error={"code": 409, "message": str(err.message), "fields": {}}, status=err.status), 409
    except DomainError as err:
        db.session.rollback()
        return error(409, err.message)
    db.session.commit()
    return jsonify(card_json(card, with_shopper=True))


@operation(
    "/scorecards/<int:card_id>",
    "GET",
    summary="A scorecard: the shopper's own, the employee's own approved card (no shopper), an approved card "
    "of a manager's team (no shopper), or any for HR",
    answers={200: ("the card", schemas.Card)},
    errors=(401, 404),
)
@allow()
def get_scorecard(card_id: int):
    card = find_card(card_id)
    if card is None:
        abort(404)
    if manages_card(card):
        return jsonify(card_json(card, with_shopper=True))
    if card.shopper_id == current_user.id:
        return jsonify(card_json(card, with_shopper=True))
    if card.employee_id == current_user.id and card.status == "approved":
        return jsonify(card_json(card, with_shopper=False))
    if card.status == "approved" and leads(current_user, card.department_id):  # a manager: never the shopper
        return jsonify(card_json(card, with_shopper=False) | {"employee": person_json(card.employee, current_user)})
    abort(404)


# ---------------------------------------------------------------- reports
def _period_or_error():
    """The report period, or a JSON 400 naming the bad date (parse_period is the one place that decides)."""
    from app.reports.services import parse_period

    try:
        return parse_period(request.args.get("from"), request.args.get("to")), None
    except BadInput as err:
        return None, error(400, err.message, {err.field: str(err.message)})


@operation(
    "/reports/departments",
    "GET",
    summary="One row per department over its subtree (hr, admin)",
    query=schemas.DepartmentsQuery,
    answers={200: ("report", schemas.DepartmentsReport)},
    errors=(400, 401, 403),
)
@allow(Role.HR, Role.ADMIN)
def report_departments():
    from app.core.downloads import record_export
    from app.reports.export import table_response
    from app.reports.services import department_report

    period, problem = _period_or_error()
    if problem:
        return problem
    scope = scope_ids(current_user)
    rows = [r.as_api() for r in department_report(period, roots=None if scope is None else sorted(scope))]
    if request.args.get("format") == "csv":
        headers = list(rows[0].keys()) if rows else ["id", "path"]
        response = table_response(
            current_user, "csv", "departments", headers, [[r[h] for h in headers] for r in rows], period=period
        )
    else:
        record_export(current_user, "departments", "json", start=period.start, end=period.end)
        response = jsonify(departments=rows)
    db.session.commit()
    return response


@operation(
    "/reports/employees/<email>",
    "GET",
    summary="One person's report (hr, admin, or the person themself)",
    query=schemas.Period,
    answers={200: ("report", schemas.EmployeeReport)},
    errors=(400, 401, 404),
)
@allow()
def report_employee(email: str):
    from sqlalchemy import select

    from app.reports.services import employee_report, record_person_view

    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    manages = current_user.has_role(Role.HR, Role.ADMIN) and in_scope(
        current_user, user.department_id if user else None
    )
    if user is None or not (manages or current_user.id == user.id):
        return error(404, "No such employee.")
    period, problem = _period_or_error()
    if problem:
        return problem
    if current_user.id != user.id:  # HR or an admin reading one person's report; recorded first, so the
        record_person_view(current_user, user, period)  # commit does not expire the cards the report loads
        db.session.commit()
    report = employee_report(user, period)
    return jsonify(
        email=user.email,
        name=user.name,
        department=user.department.path if user.department else None,
        shop_count=report.shop_count,
        shop_avg_percent=report.shop_avg_percent,
        cards=[
            {
                "id": c.id,
                "visited_at": c.visited_at.isoformat() + "Z" if c.visited_at else None,
                "total_percent": c.total_percent,
                "passed": c.passed,
                "critical_failed": c.critical_failed,
            }
            for c in report.cards
        ],
        quizzes=report.attempts,
        assignments=report.assignments,
        open_disputes=report.open_disputes,
    )


@operation(
    "/reports/effect",
    "GET",
    summary="The training effect per skill: a difference in differences with a 95 % interval (hr, admin)",
    query=schemas.Period,
    answers={200: ("report", schemas.EffectReport)},
    errors=(400, 401, 403),
)
@allow(Role.HR, Role.ADMIN)
def report_effect():
    from app.core.downloads import record_export
    from app.reports.did import as_json, training_effects

    period, problem = _period_or_error()
    if problem:
        return problem
    config = current_app.config
    effects = training_effects(period, scope_ids(current_user), config["EFFECT_MIN_CARDS"], config["EFFECT_MIN_PEOPLE"])
    record_export(current_user, "training-effect", "json", start=period.start, end=period.end)
    db.session.commit()
    return jsonify(skills=[as_json(e) for e in effects])


@operation(
    "/xapi/statements",
    "GET",
    summary="Learning events as xAPI statements (hr, admin)",
    query=schemas.StatementsQuery,
    answers={200: ("statements", schemas.Statements)},
    errors=(400, 401, 403),
)
@allow(Role.HR, Role.ADMIN)
def xapi_statements():
    from app.core.downloads import record_export
    from app.reports.xapi import parse_limit, parse_since, statements

    try:
        since, limit = parse_since(request.args.get("since")), parse_limit(request.args.get("limit"))
    except BadInput as err:
        return error(400, err.message, {err.field: str(err.message)})
    items, more = statements(since, limit, request.host_url.rstrip("/"), scope_ids(current_user))
    record_export(current_user, "xapi-statements", "json", start=since.date() if since else None)
    db.session.commit()
    return jsonify(statements=items, more=more)


@operation("/openapi.json", "GET", summary="This document", public=True, answers={200: ("OpenAPI 3", None)})
@allow(public=True)
def openapi():
    return jsonify(spec(request.host_url.rstrip("/")))
