"""Trainers and HR change the due date of an assignment or cancel it (after a confirmation)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.content import services as content
from app.core.errors import DomainError
from app.core.i18n import gettext as _
from app.core.permissions import Role, allow
from app.extensions import db
from app.learning import bp, manage
from app.learning.forms import CancelAssignmentForm, DueDateForm, form_error

CONTENT_STAFF = (Role.TRAINER, Role.HR, Role.ADMIN)


def _assignment_or_404(assignment_id: int):
    try:
        return manage.get_assignment(current_user, assignment_id)
    except manage.AssignmentNotFound:
        abort(404)


def _title(assignment) -> str:
    version = content.published("course", assignment.course_item.slug)
    return version.title if version else assignment.course_item.slug


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@allow(*CONTENT_STAFF)
def edit_assignment(assignment_id: int):
    assignment = _assignment_or_404(assignment_id)
    if assignment.cancelled_at is not None:
        flash(_("This assignment is cancelled."), "info")
        return redirect(url_for("learning.assignments", show="cancelled"))
    form = DueDateForm()
    if request.method == "GET":
        form.due_on.data = assignment.due_on
    if form.validate_on_submit():
        try:
            changed = manage.change_due_date(current_user, assignment, form.due_on.data)
        except DomainError as err:
            form_error(form, err)
        else:
            db.session.commit()
            flash(_("Due date saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("learning.assignments"))
    return render_template(
        "learning/assignment_edit.html",
        assignment=assignment,
        title=_title(assignment),
        form=form,
        cancel_form=CancelAssignmentForm(),
    )


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["GET", "POST"])
@allow(*CONTENT_STAFF)
def cancel_assignment(assignment_id: int):
    """GET asks for a confirmation; POST cancels."""
    assignment = _assignment_or_404(assignment_id)
    form = CancelAssignmentForm()
    if form.validate_on_submit():
        try:
            manage.cancel_assignment(current_user, assignment)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Assignment cancelled. It no longer shows in “My learning”; its history is kept."), "success")
        return redirect(url_for("learning.assignments"))
    if assignment.cancelled_at is not None:
        flash(_("This assignment is already cancelled."), "info")
        return redirect(url_for("learning.assignments", show="cancelled"))
    return render_template(
        "learning/assignment_cancel.html",
        assignment=assignment,
        title=_title(assignment),
        form=form,
        reached=manage.people_reached(assignment),
    )
