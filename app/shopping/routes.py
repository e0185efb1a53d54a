from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.calibration.results import hold_message, needs_calibration
from app.content import services as content
from app.content.models import ContentItem
from app.core.audit import utcnow
from app.core.errors import DomainError
from app.core.i18n import gettext as _
from app.core.inputs import in_calendar, page_number, paginate, record_id
from app.core.permissions import Role, allow
from app.core.transitions import StateConflict
from app.errors import json_object
from app.extensions import db
from app.people import services as people_services
from app.people.models import Department, User
from app.shopping import acknowledgement, bp, drafts, evidence, services
from app.shopping.forms import (
    UNIDENTIFIED,
    AcknowledgeForm,
    ClaimForm,
    DisputeForm,
    EvidenceForm,
    RemoveEvidenceForm,
    ReviewForm,
    ScheduleForm,
    SettleForm,
    make_card_form,
)
from app.shopping.item_texts import card_item_texts
from app.shopping.models import (
    Dispute,
    Evidence,
    Scorecard,
    Visit,
    card_alone,
    late_visits,
    visit_state,
    visits_with_card_state,
)
from app.shopping.my_visits import my_visits as listed_visits
from app.shopping.queue import review_queue as cards_to_review
from app.shopping.scores import approved_about, shop_average

MANAGERS = (Role.HR, Role.ADMIN)


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _card_in_scope_or_404(card_id: int) -> Scorecard:
    """The card, or 404 when there is none or its department is outside the HR person's scope."""
    card = _get_or_404(Scorecard, card_id)
    if not people_services.in_scope(current_user, card.department_id):
        abort(404)
    return card


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def _to_utc(local: datetime | None) -> datetime | None:
    if local is None:
        return None
    return local.replace(tzinfo=_zone()).astimezone(UTC).replace(tzinfo=None)


def _to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(_zone()).replace(tzinfo=None)


# ---------------------------------------------------------------- shopper
@bp.route("/")
@allow(Role.SHOPPER)
def my_visits():
    today = date.today()
    visits = listed_visits(current_user, today)
    return render_template(
        "shopping/my_visits.html",
        visits=visits,
        open_visits=services.claimable_visits(current_user, today),
        claim=ClaimForm(),
        hold=hold_message() if needs_calibration(current_user) else None,
    )


@bp.route("/visits/<int:visit_id>/claim", methods=["POST"])
@allow(Role.SHOPPER)
def claim(visit_id: int):
    visit = _get_or_404(Visit, visit_id)
    if ClaimForm().validate_on_submit():
        try:
            services.claim_visit(current_user, visit)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("The visit is yours."), "success")
    return redirect(url_for("shopping.my_visits"))


def _own_visit(visit_id: int) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.shopper_id != current_user.id:
        abort(404)
    return visit


@bp.route("/visits/<int:visit_id>/card", methods=["GET", "POST"])
@allow(Role.SHOPPER)
def card_form(visit_id: int):
    """The visit's card. Opening it writes nothing: until the first save (this form's POST, or an autosave)
    the page shows an unsaved draft, and that save makes the card."""
    visit = _own_visit(visit_id)
    card = visit.card
    if card is None and needs_calibration(current_user):  # a card not yet started is a new visit
        flash(hold_message(), "error")
        return redirect(url_for("shopping.my_visits"))
    if request.method == "POST":  # the first save makes the draft, kept even if the form is refused
        card = services.card_for_visit(current_user, visit)
        db.session.commit()
    shown = card or drafts.unsaved_card(visit)
    checklist = services.checklist_of(shown)
    form = make_card_form(checklist)()
    staff = services.department_staff(visit.department)
    form.employee.choices = [(UNIDENTIFIED, _("— could not identify —"))] + [(u.id, u.short_name) for u in staff]
    problems: dict[str, str] = {}
    if request.method == "GET":
        _fill_card_form(form, shown, checklist)
    elif not card.editable:
        flash(_("This card has been submitted and can no longer be changed."), "info")
        return redirect(url_for("shopping.card_form", visit_id=visit.id))
    elif form.validate_on_submit():
        outcome = _save_card_form(form, card, checklist)
        if isinstance(outcome, dict):
            problems = outcome
        else:
            return outcome
    files = db.session.scalars(select(Evidence).where(Evidence.card_id == card.id)).all() if card else []
    return render_template(
        "shopping/card_form.html",
        visit=visit,
        card=shown,
        checklist=checklist,
        form=form,
        problems=problems,
        html=shown.checklist_version.html,
        files=files,
        files_by_item=evidence.by_item(files),
        evidence_form=EvidenceForm(),
        remove_form=RemoveEvidenceForm(),
        autosave_url=url_for("shopping.autosave", card_id=card.id)
        if card
        else url_for("shopping.visit_autosave", visit_id=visit.id),
        upload_url=url_for("shopping.upload_evidence", card_id=card.id)
        if card
        else url_for("shopping.visit_evidence", visit_id=visit.id),
    )


def _fill_card_form(form, card, checklist) -> None:
    """The form as the card stands (empty for an unsaved draft)."""
    by_item = {a.item_id: a for a in card.answers}
    form.visited_at.data = _to_local(card.visited_at)
    form.duration_min.data = card.duration_min
    form.employee.data = card.employee_id or UNIDENTIFIED
    form.unidentified_note.data = card.unidentified_note
    form.summary.data = card.summary
    for item in checklist.items():
        answer = by_item.get(item.id)
        form[f"answer-{item.id}"].data = answer.answer if answer else None
        form[f"comment-{item.id}"].data = answer.comment if answer else None


def _save_card_form(form, card: Scorecard, checklist):
    """Save (and submit, when asked) the posted card: a redirect, or the fields' problems to show."""
    try:
        services.save_draft(
            card,
            answers={i.id: form[f"answer-{i.id}"].data or None for i in checklist.items()},
            comments={i.id: form[f"comment-{i.id}"].data for i in checklist.items()},
            visited_at=_to_utc(form.visited_at.data),
            duration_min=form.duration_min.data,
            employee_id=form.employee.data or None,
            unidentified_note=(form.unidentified_note.data or "").strip() or None,
            summary=(form.summary.data or "").strip() or None,
        )
        if form.submit.data:
            services.submit_card(card)
    except services.ValidationFailed as err:
        db.session.commit()  # the draft is kept even when it cannot be submitted yet
        flash(err.message, "error")
        return err.fields
    except StateConflict as err:  # submitted meanwhile: a second click, or another tab
        db.session.rollback()
        flash(err.message, "info")
        return redirect(url_for("shopping.card_form", visit_id=card.visit_id))
    db.session.commit()
    if form.submit.data:
        flash(_("Submitted. Thank you! HR will review the card."), "success")
        return redirect(url_for("shopping.my_visits"))
    flash(_("Draft saved."), "success")
    return redirect(url_for("shopping.card_form", visit_id=card.visit_id))


def _invalid_answer():
    return jsonify(error={"code": 400, "message": _("This answer is not valid."), "fields": {}}), 400


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


def _visit_time(value: str | None) -> datetime | None:
    """The visit's local time as typed, in UTC; raises ValueError for one that is not a date in the calendar."""
    try:
        local = datetime.fromisoformat(value) if value else None
    except ValueError:
        local = None
    if local is not None and not in_calendar(local.date()):
        raise ValueError(value)
    return _to_utc(local)


def autosave_fields(department: Department, name: str, value: str | None) -> dict | None:
    """The keyword arguments of :func:`services.save_draft` for one autosaved field, None for an unknown field;
    raises ValueError for a value that cannot be a visit's time."""
    if name.startswith("answer-"):
        return {"answers": {name[7:]: value or None}}
    if name.startswith("comment-"):
        return {"comments": {name[8:]: value}}
    if name in ("summary", "unidentified_note"):
        return {name: (value or "").strip() or None}
    if name == "duration_min":
        minutes = _number(value)
        return {"duration_min": minutes if minutes is not None and minutes <= 24 * 60 else None}
    if name == "employee":
        chosen = _number(value) or 0
        return {"employee_id": chosen if chosen in {u.id for u in services.department_staff(department)} else None}
    if name == "visited_at":
        return {"visited_at": _visit_time(value)}
    return None


def _autosave(department: Department, card_for):
    """Save one field of a draft as the shopper types (JSON); ``card_for()`` gives the card, called only for a
    field that can be saved (the first save of a visit's card makes it)."""
    payload = json_object()
    name, value = payload.get("name"), payload.get("value")
    if not isinstance(name, str) or not (value is None or isinstance(value, str)):
        return _invalid_answer()
    try:
        fields = autosave_fields(department, name, value)
    except ValueError:
        fields = None
    if fields is None:
        return _invalid_answer()
    try:
        services.save_draft(card_for(), **fields)
    except DomainError as err:
        return jsonify(error={"code": 409, "message": str(err.message), "fields": {}}), 409
    db.session.commit()
    return jsonify(saved=True)


@bp.route("/cards/<int:card_id>/autosave", methods=["POST"])
@allow(Role.SHOPPER)
def autosave(card_id: int):
    """Save one field of a draft as the shopper types (JSON)."""
    card = db.session.get(Scorecard, card_id)
    if card is None or card.shopper_id != current_user.id:
        abort(404)
    return _autosave(card.department, lambda: card)


@bp.route("/visits/<int:visit_id>/autosave", methods=["POST"])
@allow(Role.SHOPPER)
def visit_autosave(visit_id: int):
    """The first autosave of a card not saved yet: it makes the draft."""
    visit = _own_visit(visit_id)
    return _autosave(visit.department, lambda: services.card_for_visit(current_user, visit))


def _attach(card: Scorecard):
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            evidence.add_evidence(
                current_user, card, form.file.data.filename, form.file.data.stream, form.item.data or None
            )
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("File attached."), "success")
    else:
        db.session.rollback()
        flash(_("Choose a file to attach."), "error")
    if not card.visit_id:
        return redirect(url_for("shopping.my_visits"))
    back = url_for("shopping.card_form", visit_id=card.visit_id)
    return redirect(back + (f"#item-{form.item.data}" if form.item.data else "#evidence"))


@bp.route("/cards/<int:card_id>/evidence", methods=["POST"])
@allow(Role.SHOPPER)
def upload_evidence(card_id: int):
    card = db.session.get(Scorecard, card_id)
    if card is None or card.shopper_id != current_user.id:
        abort(404)
    return _attach(card)


@bp.route("/visits/<int:visit_id>/evidence", methods=["POST"])
@allow(Role.SHOPPER)
def visit_evidence(visit_id: int):
    """A file attached before the card was first saved: it makes the draft."""
    visit = _own_visit(visit_id)
    try:
        card = services.card_for_visit(current_user, visit)
    except DomainError as err:  # a shopper who needs calibration starts no new card
        flash(err.message, "error")
        return redirect(url_for("shopping.my_visits"))
    return _attach(card)


@bp.route("/evidence/<int:evidence_id>/remove", methods=["POST"])
@allow(Role.SHOPPER)
def remove_evidence(evidence_id: int):
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.card.shopper_id != current_user.id:
        abort(404)
    card = item.card
    if RemoveEvidenceForm().validate_on_submit():
        try:
            stored = evidence.remove_evidence(current_user, item)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            stored.unlink(missing_ok=True)
            flash(_("File removed."), "success")
    return redirect(
        url_for("shopping.card_form", visit_id=card.visit_id) if card.visit_id else url_for("shopping.my_visits")
    )


@bp.route("/evidence/<int:evidence_id>")
@allow(Role.SHOPPER, Role.HR, Role.ADMIN)
def evidence_file(evidence_id: int):
    item = db.session.get(Evidence, evidence_id)
    if item is None:
        abort(404)
    manages = current_user.has_role(*MANAGERS) and people_services.in_scope(current_user, item.card.department_id)
    if not manages and item.card.shopper_id != current_user.id:
        abort(404)
    response = send_file(
        evidence.evidence_path(item),
        mimetype=item.mime,
        download_name=item.original_name,
        as_attachment=item.mime == "application/pdf",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response


# ---------------------------------------------------------------- HR
@bp.route("/visits", methods=["GET", "POST"])
@allow(*MANAGERS)
def visits():
    form = _schedule_form()
    eligibility = _eligibility_asked(request.args.get("check", type=record_id))
    if form.validate_on_submit():
        done = _schedule_from(form)
        if done is not None:
            return done
    late = request.args.get("late") == "1"  # HR's home links here: windows ended, no card submitted
    page = paginate(
        people_services.scoped(
            select(Visit)
            .options(joinedload(Visit.department), visits_with_card_state(), joinedload(Visit.shopper))
            .where(late_visits(date.today()) if late else Visit.cancelled_at.is_(None))
            .order_by(Visit.window_start.desc()),
            Visit.department_id,
            current_user,
        ),
    )
    return render_template(
        "shopping/visits.html",
        late=late,
        form=form,
        page=page,
        today=date.today(),
        state=visit_state,
        eligibility=eligibility,
        departments=form.departments.choices,
    )


def _schedule_form() -> ScheduleForm:
    """The scheduling form with its choices: published checklists, departments in scope, active shoppers."""
    form = ScheduleForm()
    form.checklist.choices = [(v.item.slug, v.title) for v in content.published_all("checklist")]
    scope = people_services.scope_ids(current_user)
    form.departments.choices = [c for c in people_services.department_choices() if scope is None or c[0] in scope]
    shoppers = (
        db.session.scalars(
            select(User)
            .join(User.roles)
            .where(User.active.is_(True))
            .where(User.roles.any(role=Role.SHOPPER.value))
            .order_by(User.name)
        )
        .unique()
        .all()
    )
    form.shopper.choices = [(0, _("— open: any eligible shopper may take it —"))] + [(u.id, u.name) for u in shoppers]
    return form


def _eligibility_asked(dept_for_check: int | None):
    """(department, eligibility of each shopper) for ``?check=<department id>`` within scope, else None."""
    if not dept_for_check:
        return None
    dept = db.session.get(Department, dept_for_check)
    if dept is None or not people_services.in_scope(current_user, dept.id):
        return None
    return dept, services.shopper_eligibility(dept, date.today())


def _schedule_from(form: ScheduleForm):
    """Schedule the posted visits: a redirect when done, None with the problem on the form."""
    item = db.session.scalars(
        select(ContentItem).where(ContentItem.kind == "checklist", ContentItem.slug == form.checklist.data)
    ).first()
    departments = [db.session.get(Department, d) for d in form.departments.data]
    shopper = db.session.get(User, form.shopper.data) if form.shopper.data else None
    try:
        if item is None:
            raise DomainError(_("Choose a checklist."))
        created = services.schedule_visits(
            current_user,
            [d for d in departments if d],
            item,
            form.window_start.data,
            form.window_end.data,
            shopper,
            (form.scenario.data or "").strip() or None,
        )
    except DomainError as err:
        db.session.rollback()
        field = getattr(form, err.field or "", None)
        if field is not None:
            field.errors = list(field.errors) + [err.message]
        else:
            flash(err.message, "error")
        return None
    db.session.commit()
    flash(_("%(n)d visit(s) scheduled.", n=len(created)), "success")
    return redirect(url_for("shopping.visits"))


@bp.route("/review")
@allow(*MANAGERS)
def review_queue():
    status = request.args.get("status", "submitted")
    queue = cards_to_review(current_user, status, page_number(), current_app.config["PER_PAGE"])
    return render_template(
        "shopping/review_queue.html",
        page=queue.page,
        status=status,
        receipts=queue.receipts,
        receipt_counts=queue.receipt_counts,
        label=acknowledgement.state_label,
    )


@bp.route("/cards/<int:card_id>", methods=["GET", "POST"])
@allow(*MANAGERS)
def review(card_id: int):
    card = _card_in_scope_or_404(card_id)
    form = ReviewForm()
    if form.validate_on_submit():
        decision = "approve" if form.approve.data else "return" if form.send_back.data else "reject"
        try:
            created = services.review_card(current_user, card, decision, form.note.data)
        except services.ValidationFailed as err:
            form.note.errors = list(form.note.errors) + [err.message]
        except DomainError as err:  # reviewed meanwhile, or the reviewer's own card: show it as it is now
            db.session.rollback()
            flash(err.message, "error")
            return redirect(url_for("shopping.review", card_id=card_id))
        else:
            db.session.commit()
            if decision == "approve":
                flash(_("Approved. %(n)d training assignment(s) created from failed items.", n=len(created)), "success")
            else:
                flash(
                    _("The card was returned to the shopper.") if decision == "return" else _("The card was rejected."),
                    "success",
                )
            return redirect(url_for("shopping.review_queue"))
    files = db.session.scalars(select(Evidence).where(Evidence.card_id == card.id)).all()
    disputes = db.session.scalars(select(Dispute).where(Dispute.card_id == card.id)).all()
    return render_template(
        "shopping/card_view.html",
        card=card,
        checklist=services.checklist_of(card),
        html=card.checklist_version.html,
        form=form,
        files=files,
        files_by_item=evidence.by_item(files),
        disputes=disputes,
        show_shopper=True,
        can_review=services.may_review(current_user, card),
        receipt=acknowledgement.state_label(acknowledgement.states([card])[card.id])
        if card.status == "approved"
        else None,
    )


@bp.route("/disputes")
@allow(*MANAGERS)
def disputes():
    status = request.args.get("status", "open")
    stmt = (
        select(Dispute)
        .options(  # the card's checklist version and shopper, the employee's name: not their answers or roles
            joinedload(Dispute.card).options(*card_alone()),
            joinedload(Dispute.employee).lazyload(User.roles),
        )
        .where(Dispute.status == status)
        .order_by(Dispute.created_at.desc())
    )
    scope = people_services.scope_ids(current_user)
    if scope is not None:
        stmt = stmt.where(Dispute.card_id.in_(select(Scorecard.id).where(Scorecard.department_id.in_(sorted(scope)))))
    page = paginate(stmt)
    texts = card_item_texts((d.card.checklist_version_id, d.item_id) for d in page.items)
    return render_template(
        "shopping/disputes.html",
        page=page,
        status=status,
        form=SettleForm(),
        may_settle=services.may_settle,
        item_texts=texts,
    )


@bp.route("/disputes/<int:dispute_id>", methods=["POST"])
@allow(*MANAGERS)
def settle(dispute_id: int):
    dispute = _get_or_404(Dispute, dispute_id)
    _card_in_scope_or_404(dispute.card_id)
    form = SettleForm()
    if form.validate_on_submit():
        try:
            services.settle_dispute(
                current_user, dispute, bool(form.accept.data), form.note.data, form.new_answer.data or None
            )
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Dispute settled."), "success")
    return redirect(url_for("shopping.disputes"))


# ---------------------------------------------------------------- employee
@bp.route("/results")
@allow()
def my_results():
    cards = db.session.scalars(
        select(Scorecard).where(approved_about(current_user.id)).order_by(Scorecard.visited_at.desc())
    ).all()
    score = shop_average(current_user.id)
    return render_template(
        "shopping/my_results.html", cards=cards, average=score.average, scored=score.scored, minimum=score.minimum
    )


def _own_approved_card(card_id: int) -> Scorecard:
    card = db.session.get(Scorecard, card_id)
    if card is None or card.employee_id != current_user.id or card.status != "approved":
        abort(404)
    return card


@bp.route("/results/<int:card_id>", methods=["GET", "POST"])
@allow()
def my_result(card_id: int):
    card = _own_approved_card(card_id)
    form = DisputeForm()
    if form.validate_on_submit():
        try:
            services.open_dispute(current_user, card, form.item.data, form.reason.data)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Your dispute was sent to HR."), "success")
            return redirect(url_for("shopping.my_result", card_id=card.id))
    if request.method == "GET":  # the employee's receipt of their copy: HR sees which cards stay unread
        receipt = acknowledgement.record_opened(current_user, card)
        db.session.commit()
    else:
        receipt = acknowledgement.receipt_of(card)
    disputes = db.session.scalars(select(Dispute).where(Dispute.card_id == card.id)).all()
    deadline = card.approved_at + timedelta(days=current_app.config["DISPUTE_DAYS"]) if card.approved_at else None
    return render_template(
        "shopping/card_view.html",
        card=card,
        checklist=services.checklist_of(card),
        html=card.checklist_version.html,
        dispute_form=form,
        disputes=disputes,
        show_shopper=False,
        can_dispute=deadline is not None and utcnow() <= deadline,
        deadline=deadline,
        dispute_days=current_app.config["DISPUTE_DAYS"],
        files=[],
        acknowledged_at=receipt.acknowledged_at if receipt else None,
        ack_form=AcknowledgeForm(),
    )


@bp.route("/results/<int:card_id>/acknowledge", methods=["POST"])
@allow()
def acknowledge(card_id: int):
    card = _own_approved_card(card_id)
    if AcknowledgeForm().validate_on_submit():
        try:
            acknowledgement.acknowledge(current_user, card)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "info")
        else:
            db.session.commit()
            flash(_("Thank you: the card is acknowledged."), "success")
    return redirect(url_for("shopping.my_result", card_id=card.id))
