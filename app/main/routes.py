from datetime import date

from flask import abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.core.audit import AuditEntry
from app.core.permissions import Role, allow
from app.extensions import db
from app.main import bp
from app.people.models import Department, User

# The dashboard a person lands on is that of their most powerful role.
ROLE_ORDER = (Role.ADMIN, Role.HR, Role.TRAINER, Role.SHOPPER, Role.EMPLOYEE)


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
            return redirect(url_for("main.role_dashboard", role=role.value))
    return render_template("main/no_role.html")


@bp.route("/dashboard/<role>")
@allow()
def role_dashboard(role: str):
    if role not in {r.value for r in Role}:
        abort(404)
    if not current_user.has_role(role):
        abort(403)
    context: dict = {}
    if role in (Role.HR, Role.ADMIN):
        from app.people.services import scoped

        context["people_count"] = db.session.scalar(
            scoped(select(func.count(User.id)).where(User.active.is_(True)), User.department_id, current_user)
        )
        context["department_count"] = db.session.scalar(
            scoped(
                select(func.count(Department.id)).where(Department.archived_at.is_(None)), Department.id, current_user
            )
        )
        from app.audit.routes import visible_entries

        context["recent"] = db.session.scalars(
            visible_entries(select(AuditEntry), current_user)
            .options(joinedload(AuditEntry.actor).lazyload(User.roles))  # the name is shown, nothing more
            .order_by(AuditEntry.id.desc())
            .limit(5)
        ).all()
    if role == Role.EMPLOYEE:
        from app.learning.services import my_assignments

        context["rows"] = my_assignments(current_user)
        from app.shopping.models import Scorecard

        approved = (Scorecard.employee_id == current_user.id, Scorecard.status == "approved")
        count, scored, average = db.session.execute(
            select(
                func.count(Scorecard.id), func.count(Scorecard.total_percent), func.avg(Scorecard.total_percent)
            ).where(*approved)
        ).one()
        context["shop_count"] = count
        # the average rests on the cards with a result (one answered all n/a has none)
        context["shop_average"] = average if scored >= current_app.config["MIN_CARDS_FOR_SCORE"] else None
        from app.reports.services import team_figures

        context["team"] = team_figures(current_user)
        context["min_group"] = current_app.config["MIN_GROUP_SIZE"]
    if role == Role.SHOPPER:
        from app.content.models import ContentItem, ContentVersion
        from app.shopping.models import Visit
        from app.shopping.routes import visit_state

        today = date.today()
        visits = (
            db.session.scalars(
                select(Visit)
                .options(
                    joinedload(Visit.department),
                    joinedload(Visit.card),
                    joinedload(Visit.checklist_item).joinedload(ContentItem.published).load_only(ContentVersion.title),
                )
                .where(Visit.shopper_id == current_user.id, Visit.cancelled_at.is_(None))
                .order_by(Visit.window_start)
                .limit(200)
            )
            .unique()
            .all()
        )
        order = {"returned": 0, "overdue": 1, "due": 2, "upcoming": 3}
        todo = [(visit_state(v, today), v) for v in visits]
        context["todo"] = sorted(
            [(state, v) for state, v in todo if state in order], key=lambda p: (order[p[0]], p[1].window_start)
        )[:10]
    if role == Role.TRAINER:
        from app.content.services import published_all

        context["quizzes"] = published_all("quiz")
        context["course_count"] = len(published_all("course"))
        context["case_count"] = len(published_all("case"))
    other_roles = [r for r in ROLE_ORDER if current_user.has_role(r) and r.value != role]
    return render_template(f"main/dashboard_{role}.html", role=role, other_roles=other_roles, **context)


@bp.route("/healthz")
@allow(public=True)
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
