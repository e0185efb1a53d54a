from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.downloads import download
from app.core.errors import DomainError
from app.core.i18n import gettext as _
from app.core.inputs import paginate, record_id, search_words
from app.core.permissions import Role, allow
from app.extensions import db
from app.people import bp, csvio, reset_links, services
from app.people.forms import (
    NO_DEPARTMENT,
    ActionForm,
    DepartmentForm,
    ImportConfirmForm,
    ImportUploadForm,
    PersonForm,
)
from app.people.models import Department, User

MANAGERS = (Role.HR, Role.ADMIN)


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _department_field_choices(none_label: str | None):
    """The departments the signed-in person may choose (a scoped HR person: those in their scope, and no
    "none" choice, which would put someone outside it)."""
    choices = services.department_choices()
    ids = services.scope_ids(current_user)
    if ids is not None:
        return [c for c in choices if c[0] in ids]
    return ([(NO_DEPARTMENT, none_label)] if none_label is not None else []) + choices


def _dept_in_scope_or_404(dept_id: int) -> Department:
    dept = _get_or_404(Department, dept_id)
    if not services.in_scope(current_user, dept.id):
        abort(404)
    return dept


def _person_or_404(user_id: int) -> User:
    """The person, or 404 when there is none or they are outside the signed-in HR person's scope."""
    person = _get_or_404(User, user_id)
    if not services.in_scope(current_user, person.department_id):
        abort(404)
    return person


def _refused(err: DomainError):
    """A change to a person the signed-in person may not manage: nothing is written, 403 with the reason."""
    db.session.rollback()
    return render_template("errors/error.html", code=403, message=err.message), 403


def _dept_or_none(dept_id: int) -> Department | None:
    return None if not dept_id else _get_or_404(Department, dept_id)


def _form_error(form, err: DomainError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = list(field.errors) + [err.message]
    else:
        flash(err.message, "error")


# ---------------------------------------------------------------- departments
@bp.route("/departments")
@allow(*MANAGERS)
def departments():
    show_archived = request.args.get("archived") == "1"
    q = search_words()
    rows = services.department_rows(current_user, include_archived=show_archived, named=q)
    return render_template(
        "people/departments.html", rows=rows, show_archived=show_archived, q=q, action_form=ActionForm()
    )


# The people CSV's columns as they are written in the file (app/people/csvio.py), shown in the page's help.
CSV_COLUMNS = Markup(", ".join(f"<code>{c}</code>" for c in ("email", "name", "department", "roles", "language")))


@bp.route("/departments/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def department_new():
    form = DepartmentForm()
    form.parent.choices = _department_field_choices(_("— top level —"))
    if request.method == "GET" and request.args.get("parent", type=record_id):
        form.parent.data = request.args.get("parent", type=record_id)
    if form.validate_on_submit():
        try:
            dept = services.create_department(current_user, form.name.data, _dept_or_none(form.parent.data))
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Department “%(name)s” created.", name=dept.name), "success")
            return redirect(url_for("people.departments"))
    return render_template("people/department_form.html", form=form, dept=None)


@bp.route("/departments/<int:dept_id>/edit", methods=["GET", "POST"])
@allow(*MANAGERS)
def department_edit(dept_id: int):
    dept = _dept_in_scope_or_404(dept_id)
    form = DepartmentForm(obj=dept if request.method == "GET" else None)
    form.parent.choices = [c for c in _department_field_choices(_("— top level —")) if c[0] != dept.id]
    if request.method == "GET":
        form.parent.data = dept.parent_id or NO_DEPARTMENT
    if form.validate_on_submit():
        try:
            services.update_department(current_user, dept, form.name.data, _dept_or_none(form.parent.data))
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Department saved."), "success")
            return redirect(url_for("people.departments"))
    return render_template("people/department_form.html", form=form, dept=dept)


@bp.route("/departments/<int:dept_id>/archive", methods=["POST"])
@allow(*MANAGERS)
def department_archive(dept_id: int):
    dept = _dept_in_scope_or_404(dept_id)
    form = ActionForm()
    if form.validate_on_submit():
        archive = not dept.archived
        try:
            services.set_department_archived(current_user, dept, archive)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Department archived.") if archive else _("Department restored."), "success")
    return redirect(url_for("people.departments", archived="1" if dept.archived else None))


# ---------------------------------------------------------------- people
@bp.route("/people")
@allow(*MANAGERS)
def people():
    q = search_words()
    dept_id = request.args.get("department", type=record_id)
    status = request.args.get("status", "active")
    stmt = select(User).order_by(User.name)
    if q:
        stmt = stmt.where(services.name_or_email_contains(q))
    if dept_id:
        stmt = stmt.where(User.department_id == dept_id)
    stmt = services.scoped(stmt, User.department_id, current_user)
    if status == "active":
        stmt = stmt.where(User.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.active.is_(False))
    page = paginate(stmt.options(joinedload(User.department)))  # each row shows its department's path
    scope = services.scope_ids(current_user)
    return render_template(
        "people/people.html",
        page=page,
        q=q,
        dept_id=dept_id,
        status=status,
        departments=[c for c in services.department_choices(include_archived=True) if scope is None or c[0] in scope],
    )


def _person_form(user: User | None) -> PersonForm:
    form = PersonForm(obj=user if request.method == "GET" and user else None)
    form.department.choices = _department_field_choices(_("— none —"))
    if current_user.has_role(Role.ADMIN):  # only an administrator sets (or sees) an HR person's scope
        form.scope.choices = [(NO_DEPARTMENT, _("Whole company"))] + services.department_choices()
    else:
        del form.scope
    if request.method == "GET":
        if user is not None:
            form.department.data = user.department_id or NO_DEPARTMENT
            form.roles.data = sorted(user.role_names)
            if "scope" in form:
                form.scope.data = user.scope_department_id or NO_DEPARTMENT
        else:
            form.roles.data = [Role.EMPLOYEE.value]
    return form


def _save_scope(form, user: User) -> None:
    if "scope" in form:
        services.set_scope(current_user, user, _dept_or_none(form.scope.data))


@bp.route("/people/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def person_new():
    form = _person_form(None)
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user, form.email.data, form.name.data, _dept_or_none(form.department.data), form.roles.data
            )
            _save_scope(form, user)
            link = url_for("auth.reset", token=reset_links.make_reset_token(current_user, user), _external=True)
        except DomainError as err:
            db.session.rollback()
            _form_error(form, err)
        else:
            db.session.commit()
            flash(
                _("%(name)s added. Send them this link to set their password: %(link)s", name=user.name, link=link),
                "success",
            )
            return redirect(url_for("people.person_edit", user_id=user.id))
    return render_template("people/person_form.html", form=form, person=None)


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@allow(*MANAGERS)
def person_edit(user_id: int):
    person = _person_or_404(user_id)
    form = _person_form(person)
    try:  # someone above the signed-in person's grant is shown read-only, and a change is refused
        services.check_may_manage(current_user, person)
        manageable = True
    except DomainError as err:
        if request.method == "POST":
            return _refused(err)
        manageable = False
    if form.validate_on_submit():
        try:
            services.update_user(
                current_user,
                person,
                form.email.data,
                form.name.data,
                _dept_or_none(form.department.data),
                form.roles.data,
            )
            _save_scope(form, person)
        except services.NotPermitted as err:
            return _refused(err)
        except DomainError as err:
            db.session.rollback()
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("people.people"))
    return render_template(
        "people/person_form.html", form=form, person=person, action_form=ActionForm(), manageable=manageable
    )


@bp.route("/people/<int:user_id>/active", methods=["POST"])
@allow(*MANAGERS)
def person_toggle_active(user_id: int):
    person = _person_or_404(user_id)
    if ActionForm().validate_on_submit():
        try:
            services.set_user_active(current_user, person, not person.active)
        except services.NotPermitted as err:
            return _refused(err)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(
                _("%(name)s can sign in again.", name=person.name)
                if person.active
                else _("%(name)s is deactivated and can no longer sign in.", name=person.name),
                "success",
            )
    return redirect(url_for("people.person_edit", user_id=person.id))


@bp.route("/people/<int:user_id>/sign-out", methods=["POST"])
@allow(*MANAGERS)
def person_sign_out(user_id: int):
    """Sign a person out everywhere: every session of theirs ends at its next request."""
    person = _get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        try:
            services.sign_out_everywhere(current_user, person)
        except DomainError as err:
            flash(err.message, "error")
        else:
            if person.id == current_user.id:
                login_user(person)  # everywhere else: this session goes on at the new version
            db.session.commit()
            flash(_("%(name)s is signed out everywhere.", name=person.name), "success")
    return redirect(url_for("people.person_edit", user_id=person.id))


@bp.route("/people/<int:user_id>/reset-link", methods=["POST"])
@allow(*MANAGERS)
def person_reset_link(user_id: int):
    person = _person_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.check_may_manage(current_user, person)
    except DomainError as err:
        return _refused(err)
    if not person.active:
        flash(_("Reactivate this person first."), "error")
        return redirect(url_for("people.person_edit", user_id=person.id))
    try:
        link = url_for("auth.reset", token=reset_links.make_reset_token(current_user, person), _external=True)
    except DomainError as err:
        return _refused(err)
    db.session.commit()
    return render_template("people/reset_link.html", person=person, link=link)


@bp.route("/people/import", methods=["GET", "POST"])
@allow(*MANAGERS)
def people_import():
    form = ImportUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(current_app.config["CSV_IMPORT_MAX_BYTES"] + 1)
        if len(data) > current_app.config["CSV_IMPORT_MAX_BYTES"]:
            form.file.errors.append(_("The file is too large (2 MB at most)."))
        else:
            try:
                text = csvio.decode(data)
            except DomainError as err:
                form.file.errors.append(err.message)
            else:
                plan = csvio.plan_import(text, current_user)
                db.session.rollback()
                return render_template(
                    "people/import_preview.html", plan=plan, confirm=ImportConfirmForm(formdata=None, text=text)
                )
    return render_template("people/import.html", form=form, csv_columns=CSV_COLUMNS)


@bp.route("/people/import/confirm", methods=["POST"])
@allow(*MANAGERS)
def people_import_confirm():
    confirm = ImportConfirmForm()
    if not confirm.validate_on_submit():
        flash(_("Please upload the file again."), "error")
        return redirect(url_for("people.people_import"))
    # Validated again: the database may have changed since the preview.
    plan = csvio.plan_import(confirm.text.data, current_user)
    try:
        counts = csvio.apply_import(plan, current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return render_template("people/import_preview.html", plan=plan, confirm=confirm)
    db.session.commit()
    if counts["created"] or counts["updated"]:
        flash(_("Import done: %(created)d created, %(updated)d changed, %(unchanged)d unchanged.", **counts), "success")
    else:
        flash(_("Nothing to change: everyone in the file is already up to date."), "info")
    return redirect(url_for("people.people"))


@bp.route("/people/export.csv")
@allow(*MANAGERS)
def people_export():
    body = "\ufeff" + csvio.export_csv(current_user)
    response = download(current_user, "people", "csv", body.encode("utf-8"), "text/csv")
    db.session.commit()
    return response
