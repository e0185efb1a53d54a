from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit import bp
from app.core.audit import AuditEntry
from app.core.inputs import paginate
from app.core.permissions import Role, allow


@bp.route("/audit")
@allow(Role.HR, Role.ADMIN)
def log():
    stmt = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    action = request.args.get("action", "").strip()
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    page = paginate(stmt, per_page=50)
    return render_template("audit/log.html", page=page, action=action)
