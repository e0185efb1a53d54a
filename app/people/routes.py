from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.auth import services as auth_services  # the module: app.auth.services imports the people models
from app.core.errors import DomainError
from app.core.inputs import paginate, record_id
from app.core.permissions import Role, allow
from app.extensions import db
from app.people import bp, csvio, services
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


def _department_field_choices(none_label: str):
    return [(NO_DEPARTMENT, none_label)] + services.department_choices()


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
    roots = services.load_tree()
    counts = dict(
        db.session.execute(
            select(User.department_id, func.count(User.id)).where(User.active.is_(True)).group_by(User.department_id)
        ).all()
    )
    show_archived = request.args.get("archived") == "1"
    rows = [(d, depth) for d, depth in services.flatten(roots) if show_archived or not d.archived]
    return render_template(
        "people/departments.html", rows=rows, counts=counts, show_archived=show_archived, action_form=ActionForm()
    )


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
    dept = _get_or_404(Department, dept_id)
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
    dept = _get_or_404(Department, dept_id)
    form = ActionForm()
    if form.validate_on_submit():
        archive = not dept.archived
        tree = services.load_tree()  # noqa: F841 - held so the subtree walk below reads from memory
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
    q = request.args.get("q", "").strip()
    dept_id = request.args.get("department", type=record_id)
    status = request.args.get("status", "active")
    stmt = select(User).order_by(User.name)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    if dept_id:
        stmt = stmt.where(User.department_id == dept_id)
    if status == "active":
        stmt = stmt.where(User.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.active.is_(False))
    # One query for the whole tree, held until the page is rendered: each person's department and its
    # path then come from the session's identity map instead of a query per row.
    tree = services.load_tree()
    page = paginate(stmt)
    return render_template(
        "people/people.html",
        tree=tree,
        page=page,
        q=q,
        dept_id=dept_id,
        status=status,
        departments=services.department_choices(include_archived=True),
    )


def _person_form(user: User | None) -> PersonForm:
    form = PersonForm(obj=user if request.method == "GET" and user else None)
    form.department.choices = _department_field_choices(_("— none —"))
    if request.method == "GET":
        if user is not None:
            form.department.data = user.department_id or NO_DEPARTMENT
            form.roles.data = sorted(user.role_names)
        else:
            form.roles.data = [Role.EMPLOYEE.value]
    return form


@bp.route("/people/new", methods=["GET", "POST"])
@allow(*MANAGERS)
def person_new():
    form = _person_form(None)
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user, form.email.data, form.name.data, _dept_or_none(form.department.data), form.roles.data
            )
            link = url_for("auth.reset", token=auth_services.make_reset_token(current_user, user), _external=True)
        except DomainError as err:
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
    person = _get_or_404(User, user_id)
    form = _person_form(person)
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
        except DomainError as err:
            _form_error(form, err)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("people.people"))
    return render_template("people/person_form.html", form=form, person=person, action_form=ActionForm())


@bp.route("/people/<int:user_id>/active", methods=["POST"])
@allow(*MANAGERS)
def person_toggle_active(user_id: int):
    person = _get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        try:
            services.set_user_active(current_user, person, not person.active)
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


@bp.route("/people/<int:user_id>/reset-link", methods=["POST"])
@allow(*MANAGERS)
def person_reset_link(user_id: int):
    person = _get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not person.active:
        flash(_("Reactivate this person first."), "error")
        return redirect(url_for("people.person_edit", user_id=person.id))
    link = url_for("auth.reset", token=auth_services.make_reset_token(current_user, person), _external=True)
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
    return render_template("people/import.html", form=form)


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
    body = "\ufeff" + csvio.export_csv()
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=people.csv"},
    )
