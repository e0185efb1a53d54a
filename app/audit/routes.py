from flask import render_template, request
from flask_login import current_user
from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import joinedload

from app.audit import bp
from app.audit.labels import ACTION_LABELS, action_choices, describe
from app.core.audit import AuditEntry
from app.core.inputs import paginate
from app.core.permissions import Role, allow
from app.people.models import User
from app.people.services import scope_ids


def visible_entries(stmt, actor):
    """``stmt`` over audit entries limited to what ``actor`` sees: a scoped HR person, the changes to people
    and departments of their subtree; everyone else who may read the log, all of it."""
    scope = scope_ids(actor)
    if scope is None:
        return stmt
    ids = sorted(scope)
    people = select(cast(User.id, String)).where(User.department_id.in_(ids))
    return stmt.where(
        or_(
            and_(AuditEntry.object_type == "user", AuditEntry.object_id.in_(people)),
            and_(AuditEntry.object_type == "department", AuditEntry.object_id.in_([str(i) for i in ids])),
        )
    )


@bp.route("/audit")
@allow(Role.HR, Role.ADMIN)
def log():
    stmt = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    stmt = visible_entries(stmt, current_user)
    action = request.args.get("action", "").strip()
    if action in ACTION_LABELS:
        stmt = stmt.where(AuditEntry.action == action)
    elif action:  # a family such as "user." from an older link
        stmt = stmt.where(AuditEntry.action.startswith(action))
    page = paginate(stmt, per_page=50)
    return render_template(
        "audit/log.html", page=page, rows=describe(page.items), action=action, choices=action_choices()
    )
