"""Daily practice pages: the learner's session and the trainers' view of practice per skill."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.content import services as content
from app.core.errors import DomainError
from app.core.i18n import get_locale
from app.core.i18n import gettext as _
from app.core.permissions import Role, allow
from app.extensions import db
from app.learning.forms import PracticeForm
from app.people import services as people_services
from app.practice import bp
from app.practice import services as practice


@bp.route("/learn/practice")
@allow()
def practice_page():
    more = request.args.get("more") == "1"
    after = practice.own_review(current_user, request.args.get("after", type=int))
    if request.args.get("after") and after is None:
        abort(404)
    after_item = practice.review_item(after) if after else None
    today = practice.session(current_user, more=more, just=after_item.key if after_item else None)
    offer = today.current
    form = PracticeForm(formdata=None, item=offer.item.key if offer else "", token=practice.new_token())
    form.more.data = "1" if more else ""
    return render_template(
        "learning/practice.html",
        today=today,
        offer=offer,
        form=form,
        after=after,
        after_item=after_item,
        skills=content.skill_titles(str(get_locale())),
        size=practice.SESSION_SIZE,
    )


@bp.route("/learn/practice/answer", methods=["POST"])
@allow()
def practice_answer():
    form = PracticeForm()
    more = {"more": "1"} if form.more.data == "1" else {}
    if not form.validate_on_submit():
        flash(_("This answer was not saved: the page was out of date. Please answer again."), "error")
        return redirect(url_for("practice.practice_page", **more))
    if not form.choice.data:
        flash(_("Choose an answer."), "error")
        return redirect(url_for("practice.practice_page", **more))
    try:
        review = practice.answer(
            current_user, form.item.data, form.choice.data, form.token.data, guessed=bool(form.guessed.data)
        )
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("practice.practice_page", **more))
    db.session.commit()
    return redirect(url_for("practice.practice_page", after=review.id, **more))


@bp.route("/learn/practice/overview")
@allow(Role.TRAINER, Role.HR, Role.ADMIN)
def practice_overview():
    weeks, rows = practice.practice_overview(scope=people_services.scope_ids(current_user))
    return render_template(
        "learning/practice_overview.html",
        weeks=weeks,
        rows=rows,
        skills=content.skill_titles(str(get_locale())),
    )
