from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit import bp
from app.audit.labels import ACTION_LABELS, action_choices, describe
from app.core.audit import AuditEntry
from app.core.permissions import Role, allow
from app.extensions import db


@bp.route("/audit")
@allow(Role.HR, Role.ADMIN)
def log():
    stmt = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    action = request.args.get("action", "").strip()
    if action in ACTION_LABELS:
        stmt = stmt.where(AuditEntry.action == action)
    elif action:  # a family such as "user." from an older link
        stmt = stmt.where(AuditEntry.action.startswith(action))
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template(
        "audit/log.html", page=page, rows=describe(page.items), action=action, choices=action_choices()
    )
