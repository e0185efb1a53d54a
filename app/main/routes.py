from flask import abort, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import select

from app.core.permissions import Role, allow
from app.extensions import db
from app.main import bp, services

# The dashboard a person lands on is that of their most powerful role.
ROLE_ORDER = (Role.ADMIN, Role.HR, Role.MANAGER, Role.TRAINER, Role.SHOPPER, Role.EMPLOYEE)


@bp.route("/")
@allow(public=True)
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@allow()
def dashboard():
    for role in ROLE_ORDER:
        if current_user.has_role(role):
            if role == Role.MANAGER:  # a manager's dashboard is their team's page
                return redirect(url_for("coaching.team"))
            return redirect(url_for("main.role_dashboard", role=role.value))
    return render_template("main/no_role.html")


@bp.route("/dashboard/<role>")
@allow()
def role_dashboard(role: str):
    if role not in {r.value for r in Role}:
        abort(404)
    if not current_user.has_role(role):
        abort(403)
    if role == Role.MANAGER:  # a manager's dashboard is their team's page
        return redirect(url_for("coaching.team"))
    context: dict = {}
    if role in (Role.HR, Role.ADMIN):
        context.update(services.manager_dashboard(current_user))
    if role == Role.EMPLOYEE:
        context.update(services.employee_dashboard(current_user))
    if role == Role.SHOPPER:
        context.update(services.shopper_dashboard(current_user))
    if role == Role.TRAINER:
        context.update(services.trainer_dashboard())
    other_roles = [r for r in ROLE_ORDER if current_user.has_role(r) and r.value != role]
    return render_template(f"main/dashboard_{role}.html", role=role, other_roles=other_roles, **context)


@bp.route("/favicon.ico")
@allow(public=True)
def favicon():
    """The site's icon where browsers look for it first (a 32 px white R on blue, app/static)."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=7 * 24 * 3600
    )


@bp.route("/healthz")
@allow(public=True)
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
