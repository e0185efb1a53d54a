"""The manager's team page, card and action pages, and HR's overview of actions."""

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app.coaching import bp, services
from app.coaching.forms import SignOffForm
from app.coaching.models import Action
from app.core.errors import DomainError
from app.core.i18n import gettext as _
from app.core.inputs import paginate
from app.core.permissions import Role, allow
from app.extensions import db
from app.people.services import in_scope, leads, scoped
from app.shopping import services as shopping
from app.shopping.models import Scorecard


@bp.route("/")
@allow(Role.MANAGER)
def team():
    """The manager's team: open actions, recent approved cards (no shopper), people's results and training."""
    today = date.today()
    return render_template("coaching/team.html", team=services.team_page(current_user, today), today=today)


@bp.route("/cards/<int:card_id>")
@allow(Role.MANAGER)
def card(card_id: int):
    """An approved card of the team, in full but without the shopper."""
    found = db.session.get(Scorecard, card_id)
    if found is None or found.status != "approved" or not leads(current_user, found.department_id):
        abort(404)
    return render_template(
        "shopping/card_view.html",
        card=found,
        checklist=shopping.checklist_of(found),
        html=found.checklist_version.html,
        disputes=[],
        show_shopper=False,
        files=[],
    )


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.HR, Role.ADMIN)
def action(action_id: int):
    """An action: what went wrong, the training already assigned, the next visits; its manager signs it off."""
    found = db.session.get(Action, action_id)
    manages = found is not None and leads(current_user, found.department_id)
    oversees = (
        found is not None and current_user.has_role(Role.HR, Role.ADMIN) and in_scope(current_user, found.department_id)
    )
    if not (manages or oversees):
        abort(404)
    form = SignOffForm()
    if manages and form.validate_on_submit():
        try:
            services.sign_off(current_user, found, form.outcome.data, form.note.data)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Signed off. The next visits will show whether the items recovered."), "success")
            return redirect(url_for("coaching.action", action_id=found.id))
    checklist = shopping.checklist_of(found.card)
    texts = {item.id: item.text for item in checklist.items()}
    return render_template(
        "coaching/action.html",
        action=found,
        texts=texts,
        form=form if manages else None,
        training=services.training_for(found),
        follow_up=services.follow_up(found),
        reasons=services.REASONS,
        outcomes=services.OUTCOMES,
        today=date.today(),
        card_link=url_for("coaching.card", card_id=found.card_id)
        if manages
        else url_for("shopping.review", card_id=found.card_id),
    )


@bp.route("/overview")
@allow(Role.HR, Role.ADMIN)
def overview():
    """HR: open, overdue and closed actions per department, and the open ones."""
    today = date.today()
    page = paginate(
        scoped(
            select(Action).where(Action.status == "open").order_by(Action.due_on, Action.id),
            Action.department_id,
            current_user,
        )
    )
    return render_template(
        "coaching/overview.html",
        rows=services.overview(current_user, today),
        page=page,
        today=today,
        reasons=services.REASONS,
    )
