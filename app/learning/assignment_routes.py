"""Trainers and HR list assignments and assign a course, change the due date of an assignment or cancel
it (after a confirmation)."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.content import services as content
from app.core.errors import DomainError
from app.core.i18n import gettext as _
from app.core.inputs import paginate, search_words
from app.core.permissions import Role, allow
from app.extensions import db
from app.learning import bp, manage
from app.learning.forms import AssignForm, CancelAssignmentForm, DueDateForm, form_error

CONTENT_STAFF = (Role.TRAINER, Role.HR, Role.ADMIN)


@bp.route("/assignments", methods=["GET", "POST"])
@allow(*CONTENT_STAFF)
def assignments():
    choices = manage.assign_choices(current_user)
    form = AssignForm()
    form.course.choices = [(v.item.slug, v.title) for v in choices.courses]
    form.department.choices = [(0, _("— none —")), *choices.departments]
    if form.validate_on_submit():
        try:
            created = manage.assign_chosen(
                current_user,
                form.course.data,
                form.people.data or [],
                form.department.data,
                due_on=form.due_on.data,
                note=form.note.data or None,
                repeat_months=form.repeat_months.data,
            )
        except DomainError as err:
            form_error(form, err)
        else:
            db.session.commit()
            flash(_("%(n)d assignment(s) created.", n=len(created)), "success")
            return redirect(url_for("learning.assignments"))
    cancelled = request.args.get("show") == "cancelled"
    who = search_words()  # narrows the people the form offers
    view = manage.assignments_page(current_user, choices.scope, cancelled, who)
    return render_template(
        "learning/assignments.html",
        form=form,
        page=paginate(view.listed),
        cancelled=cancelled,
        today=date.today(),
        q=who,
        people_choices=view.people,
        more_people=view.more_people,
        people_listed=manage.PEOPLE_LISTED,
        overdue=view.overdue,
        more_overdue=view.more_overdue,
        titles={v.item_id: v.title for v in choices.courses},
    )


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
