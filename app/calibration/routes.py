"""Calibration pages: HR sets up exercises and reads the results; shoppers score blind and read their own."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.calibration import bp, results, services
from app.calibration.forms import make_exercise_form, make_scoring_form
from app.calibration.models import Calibration, CalibrationResponse
from app.charts import bar_chart
from app.content import services as content
from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import gettext as _
from app.core.inputs import paginate
from app.core.markdown import render_markdown
from app.core.permissions import Role, allow
from app.core.transitions import StateConflict
from app.errors import json_object
from app.extensions import db
from app.people.models import User

MANAGERS = (Role.HR, Role.ADMIN)


def _calibration_or_404(calibration_id: int) -> Calibration:
    calibration = db.session.get(Calibration, calibration_id)
    if calibration is None:
        abort(404)
    return calibration


# ---------------------------------------------------------------- HR
@bp.route("/")
@allow(*MANAGERS)
def index():
    page = paginate(select(Calibration).order_by(Calibration.created_at.desc(), Calibration.id.desc()))
    ids = [c.id for c in page.items]
    submitted = dict(
        db.session.execute(
            select(CalibrationResponse.calibration_id, func.count(CalibrationResponse.id))
            .where(CalibrationResponse.calibration_id.in_(ids), CalibrationResponse.status == "submitted")
            .group_by(CalibrationResponse.calibration_id)
        ).all()
    )
    held = results.needing_calibration()
    shoppers = db.session.scalars(select(User).where(User.id.in_(held)).order_by(User.name)).all() if held else []
    return render_template("calibration/index.html", page=page, submitted=submitted, held=shoppers)


@bp.route("/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def new():
    slug = request.args.get("checklist") or ""
    version = content.published("checklist", slug) if slug else None
    if version is None:
        return render_template("calibration/choose.html", checklists=content.published_all("checklist"))
    checklist = content.document(version)
    form = make_exercise_form(checklist)()
    if form.validate_on_submit():
        items = [i.id for i in checklist.items()]
        reference = {i: form[f"reference-{i}"].data for i in items if form[f"reference-{i}"].data}
        reasoning = {i: form[f"reasoning-{i}"].data or "" for i in items}
        try:
            calibration = services.create_calibration(
                current_user, slug, form.title.data, form.scenario.data, reference, reasoning
            )
        except ValidationFailed:
            db.session.rollback()
            flash(_("Give the expert's answer to at least one item."), "error")
        else:
            db.session.commit()
            flash(_("The exercise is open: shoppers can score it now."), "success")
            return redirect(url_for("calibration.results_page", calibration_id=calibration.id))
    return render_template(
        "calibration/new.html", form=form, checklist=checklist, html=version.html, version=version, slug=slug
    )


@bp.route("/<int:calibration_id>")
@allow(*MANAGERS)
def results_page(calibration_id: int):
    calibration = _calibration_or_404(calibration_id)
    res = results.results(calibration)
    chart = bar_chart(
        [(f"{i.id}", None if i.agreement is None else i.agreement * 100) for i in res.items],
        title=_("Agreement with the reference per item, %"),
    )
    return render_template(
        "calibration/results.html",
        calibration=calibration,
        res=res,
        chart=chart,
        scenario=render_markdown(calibration.scenario),
    )


@bp.route("/<int:calibration_id>/results.json")
@allow(*MANAGERS)
def results_json(calibration_id: int):
    return jsonify(results.as_json(results.results(_calibration_or_404(calibration_id))))


# ---------------------------------------------------------------- shopper
@bp.route("/mine")
@allow(Role.SHOPPER)
def mine():
    mine_by_exercise = {
        r.calibration_id: r
        for r in db.session.scalars(
            select(CalibrationResponse).where(CalibrationResponse.shopper_id == current_user.id)
        )
    }
    page = paginate(select(Calibration).order_by(Calibration.created_at.desc(), Calibration.id.desc()))
    hold = results.hold_message() if results.needs_calibration(current_user) else None
    return render_template("calibration/mine.html", page=page, mine=mine_by_exercise, hold=hold)


@bp.route("/<int:calibration_id>/score", methods=["GET", "POST"])
@allow(Role.SHOPPER)
def score(calibration_id: int):
    """The blind scoring, in the card's form. Opening it writes nothing; the first save makes the draft."""
    calibration = _calibration_or_404(calibration_id)
    response = services.response_of(current_user, calibration)
    if response is not None and not response.editable:
        return redirect(url_for("calibration.my_result", calibration_id=calibration.id))
    checklist = content.document(calibration.checklist_version)
    form = make_scoring_form(checklist)()
    if request.method == "GET" and response is not None:
        for answer in response.answers:
            if f"answer-{answer.item_id}" in form:
                form[f"answer-{answer.item_id}"].data = answer.answer
                form[f"comment-{answer.item_id}"].data = answer.comment
    if form.validate_on_submit():
        response = services.response_for(current_user, calibration)
        items = [i.id for i in checklist.items()]
        try:
            services.save_answers(
                response,
                answers={i: form[f"answer-{i}"].data or None for i in items},
                comments={i: form[f"comment-{i}"].data for i in items},
            )
            if form.submit.data:
                services.submit_response(current_user, response)
        except StateConflict as err:
            db.session.rollback()
            flash(err.message, "info")
            return redirect(url_for("calibration.my_result", calibration_id=calibration.id))
        db.session.commit()
        if form.submit.data:
            flash(_("Submitted. Here is how your answers compare with the expert's."), "success")
            return redirect(url_for("calibration.my_result", calibration_id=calibration.id))
        flash(_("Draft saved."), "success")
        return redirect(url_for("calibration.score", calibration_id=calibration.id))
    return render_template(
        "calibration/score.html",
        calibration=calibration,
        checklist=checklist,
        form=form,
        problems={},
        html=calibration.checklist_version.html,
        scenario=render_markdown(calibration.scenario),
    )


@bp.route("/<int:calibration_id>/autosave", methods=["POST"])
@allow(Role.SHOPPER)
def autosave(calibration_id: int):
    """Save one answer or comment as the shopper fills it in (JSON, as the card's autosave)."""
    calibration = _calibration_or_404(calibration_id)
    payload = json_object()
    name, value = payload.get("name"), payload.get("value")
    if not isinstance(name, str) or not (value is None or isinstance(value, str)):
        return jsonify(error={"code": 400, "message": _("This answer is not valid."), "fields": {}}), 400
    kind, _sep, item_id = name.partition("-")
    if kind not in ("answer", "comment") or not item_id:
        return jsonify(error={"code": 400, "message": _("This answer is not valid."), "fields": {}}), 400
    try:
        response = services.response_for(current_user, calibration)
        services.save_answers(response, **{f"{kind}s": {item_id: value}})
    except DomainError as err:
        db.session.rollback()
        return jsonify(error={"code": 409, "message": str(err.message), "fields": {}}), 409
    db.session.commit()
    return jsonify(saved=True)


@bp.route("/<int:calibration_id>/result")
@allow(Role.SHOPPER)
def my_result(calibration_id: int):
    """The shopper's own result: never another shopper's."""
    calibration = _calibration_or_404(calibration_id)
    response = services.response_of(current_user, calibration)
    if response is None or response.editable:
        abort(404)
    res = results.results(calibration)
    mine = res.for_shopper(current_user.id)
    given = response.answer_map()
    return render_template(
        "calibration/my_result.html",
        calibration=calibration,
        res=res,
        mine=mine,
        given=given,
        scenario=render_markdown(calibration.scenario),
    )
