import re

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app.core.i18n import gettext as _
from app.core.inputs import page_number, paginate
from app.core.markdown import sanitise
from app.core.permissions import Role, allow
from app.extensions import db
from app.notify import bp, services
from app.notify.forms import MarkAllReadForm, MarkReadForm, make_preferences_form
from app.notify.kinds import kinds_for, render
from app.notify.models import Notice, OutboxMessage

HEAD_RE = re.compile(r"<head\b.*?</head\s*>", re.IGNORECASE | re.DOTALL)


def unread_notices() -> int:
    """The signed-in person's unread count, one query per request, only when a page shows it."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notices" not in g:
        g.unread_notices = services.unread_count(current_user)
    return g.unread_notices


@bp.app_context_processor
def inject_unread():
    return {"unread_notices": unread_notices}


@bp.route("/notifications")
@allow()
def index():
    page = services.paginate_notices(current_user, page_number())
    messages = {n.id: render(n.kind, n.params) for n in page.items}
    # One form for the page: each row's mark-read form needs only the CSRF field, the same in every form.
    return render_template("notify/index.html", page=page, messages=messages, all_form=MarkAllReadForm())


@bp.route("/notifications/<int:notice_id>/read", methods=["POST"])
@allow()
def read(notice_id: int):
    notice = db.session.get(Notice, notice_id)
    # Another person's notice answers 404, so its existence is not revealed.
    if notice is None or notice.user_id != current_user.id:
        abort(404)
    form = MarkReadForm()
    if form.validate_on_submit():
        services.mark_read(current_user, notice)
        db.session.commit()
    return redirect(url_for("notify.index", page=form.page.data if form.page.data and form.page.data > 1 else None))


@bp.route("/notifications/read-all", methods=["POST"])
@allow()
def read_all():
    if MarkAllReadForm().validate_on_submit():
        services.mark_all_read(current_user)
        db.session.commit()
        flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notify.index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@allow()
def preferences():
    kinds = kinds_for(current_user)
    off = services.email_opt_outs(current_user)
    form = make_preferences_form(kinds)(data={f"email_{k.name}": k.name not in off for k in kinds if not k.mandatory})
    if form.validate_on_submit():
        choices = {k.name: bool(form[f"email_{k.name}"].data) for k in kinds if not k.mandatory}
        services.set_email_choices(current_user, choices)
        db.session.commit()
        flash(_("Your email choices are saved."), "success")
        return redirect(url_for("notify.preferences"))
    return render_template("notify/preferences.html", form=form, kinds=kinds)


# ---------------------------------------------------------------- administrators
@bp.route("/admin/outbox")
@allow(Role.ADMIN)
def outbox():
    page = paginate(select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    return render_template("notify/outbox.html", page=page, smtp=bool(current_app.config.get("MAIL_SERVER")))


@bp.route("/admin/outbox/<int:message_id>")
@allow(Role.ADMIN)
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    # The HTML part is shown inline, so it goes through the same sanitiser as every other rendering;
    # the <head> goes first, or its <title> would be left behind as stray text.
    body = HEAD_RE.sub("", message.html_body)
    return render_template("notify/outbox_message.html", message=message, html=sanitise(body))
