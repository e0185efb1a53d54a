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
from app.learning.assigned import assigned_courses
from app.people.models import User
from app.people.services import in_scope, leads, scoped, team_select
from app.shopping import services as shopping
from app.shopping.models import Scorecard
from app.shopping.scores import shop_average

TEAM_LIMIT = 200


@bp.route("/")
@allow(Role.MANAGER)
def team():
    """The manager's team: open actions, recent approved cards (no shopper), people's results and training."""
    team_ids = team_select(current_user)
    actions = db.session.scalars(
        select(Action)
        .where(Action.department_id.in_(team_ids))
        .order_by(Action.status.desc(), Action.due_on)
        .limit(100)
    ).all()
    cards = db.session.scalars(
        select(Scorecard)
        .where(Scorecard.department_id.in_(team_ids), Scorecard.status == "approved")
        .order_by(Scorecard.visited_at.desc())
        .limit(50)
    ).all()
    people = db.session.scalars(
        select(User)
        .where(User.department_id.in_(team_ids), User.active.is_(True))
        .order_by(User.name)
        .limit(TEAM_LIMIT)
    ).all()
    today = date.today()
    rows = []
    for person in people:
        courses = assigned_courses(person, today)
        rows.append(
            (person, shop_average(person.id), sum(not c.done for c in courses), sum(c.overdue for c in courses))
        )
    return render_template("coaching/team.html", actions=actions, cards=cards, people=rows, today=today)


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
