"""The audit log in words: a translated label for every action, object and field, and each change
rendered as "Status: submitted → approved" instead of the stored JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db

# Every action recorded anywhere in app/ (tests/test_audit.py scans the source so none ships unlabelled).
ACTION_LABELS = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.logout": _l("Signed out"),
    "user.sessions_ended": _l("Sessions ended"),
    "user.tokens_revoked": _l("API tokens revoked"),
    "user.create": _l("Person added"),
    "user.update": _l("Person changed"),
    "user.roles": _l("Roles changed"),
    "user.scope": _l("HR scope changed"),
    "user.activate": _l("Person reactivated"),
    "user.deactivate": _l("Person deactivated"),
    "user.password": _l("Password changed"),
    "user.password_reset": _l("Password reset"),
    "user.reset_link": _l("Password reset link issued"),
    "department.create": _l("Department created"),
    "department.update": _l("Department renamed or moved"),
    "department.archive": _l("Department archived"),
    "department.restore": _l("Department restored"),
    "visit.schedule": _l("Visit scheduled"),
    "visit.claim": _l("Visit taken by a shopper"),
    "card.submit": _l("Card submitted"),
    "card.approve": _l("Card approved"),
    "card.return": _l("Card returned to the shopper"),
    "card.reject": _l("Card rejected"),
    "dispute.open": _l("Dispute opened"),
    "dispute.accepted": _l("Dispute accepted"),
    "dispute.rejected": _l("Dispute rejected"),
    "evidence.add": _l("Evidence attached"),
    "evidence.remove": _l("Evidence removed"),
    "assignment.manual": _l("Course assigned"),
    "assignment.loop": _l("Course assigned after a card"),
    "assignment.due_changed": _l("Due date of an assignment changed"),
    "assignment.cancel": _l("Assignment cancelled"),
    "content.publish": _l("Content published"),
    "content.regrade": _l("Quiz attempts regraded"),
    "content.regrade_skipped": _l("Quiz published without regrading"),
    "content.restore_draft": _l("Old version restored as a draft"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "export": _l("Data exported"),
    "report.person_view": _l("Personal report viewed"),
}
UNKNOWN_ACTION = _l("Other change")

OBJECT_LABELS = {
    "user": _l("Person"),
    "department": _l("Department"),
    "visit": _l("Visit"),
    "scorecard": _l("Card"),
    "assignment": _l("Assignment"),
    "export": _l("Export"),
    "case": _l("Case"),
    "quiz": _l("Quiz"),
    "course": _l("Course"),
    "checklist": _l("Checklist"),
}

FIELD_LABELS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "address": _l("Address"),
    "department_id": _l("Department"),
    "scope_department_id": _l("Scope"),
    "parent_id": _l("Part of"),
    "archived": _l("Archived"),
    "active": _l("Active"),
    "roles": _l("Roles"),
    "status": _l("Status"),
    "note": _l("Note"),
    "total_percent": _l("Result, %"),
    "passed": _l("Passed"),
    "source": _l("Source"),
    "item": _l("Item"),
    "reason": _l("Reason"),
    "answer": _l("Answer"),
    "card": _l("Card"),
    "user_id": _l("Person"),
    "shopper_id": _l("Shopper"),
    "course": _l("Course"),
    "course_item_id": _l("Course"),
    "due_on": _l("Due"),
    "repeat_months": _l("Repeats every, months"),
    "version": _l("Version"),
    "from_version": _l("From version"),
    "sha256": _l("Checksum"),
    "attempts_changed": _l("Attempts changed"),
    "attempts_checked": _l("Attempts checked"),
    "token": _l("Token"),
    "what": _l("What"),
    "format": _l("Format"),
    "from": _l("From"),
    "to": _l("To"),
    "size": _l("Size, bytes"),
    "mime": _l("Type"),
    "count": _l("Count"),
}

VALUE_LABELS = {
    "status": {
        "draft": _l("draft"),
        "submitted": _l("submitted"),
        "approved": _l("approved"),
        "returned": _l("returned"),
        "rejected": _l("rejected"),
    },
    "answer": {"yes": _l("yes"), "no": _l("no"), "na": _l("not applicable")},
    "what": {
        "departments": _l("Departments report"),
        "skills": _l("Skills by department"),
        "training-effect": _l("Training effect"),
        "item-failures": _l("Item failure rates"),
        "people": _l("People"),
        "content": _l("Content files"),
        "xapi-statements": _l("xAPI statements"),
    },
    "source": {"api": _l("API")},
}
DEPARTMENT_FIELDS = {"department_id", "scope_department_id", "parent_id"}
USER_FIELDS = {"user_id", "shopper_id"}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, UNKNOWN_ACTION))


def action_choices() -> list[tuple[str, str]]:
    """(action, label) for the filter, by label."""
    return sorted(((a, str(label)) for a, label in ACTION_LABELS.items()), key=lambda c: c[1].lower())


@dataclass
class Change:
    label: str
    before: str | None
    after: str | None


@dataclass
class EntryView:
    entry: AuditEntry
    action: str
    obj: str
    changes: list[Change] = field(default_factory=list)


def describe(entries: list[AuditEntry]) -> list[EntryView]:
    """Each entry with its action, object and changes in words (departments and people by name, read in
    one query each for the whole page)."""
    dept_ids, user_ids = set(), set()
    for e in entries:
        for snapshot in (e.before or {}, e.after or {}):
            if not isinstance(snapshot, dict):
                continue
            dept_ids.update(v for k, v in snapshot.items() if k in DEPARTMENT_FIELDS and isinstance(v, int))
            user_ids.update(v for k, v in snapshot.items() if k in USER_FIELDS and isinstance(v, int))
        if e.object_type == "user" and (e.object_id or "").isdigit():
            user_ids.add(int(e.object_id))
        if e.object_type == "department" and (e.object_id or "").isdigit():
            dept_ids.add(int(e.object_id))
    names = {
        "department": _names("departments", dept_ids),
        "user": _names("users", user_ids),
    }
    return [_view(e, names) for e in entries]


def _names(table: str, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from app.people.models import Department, User

    if table == "departments":
        rows = db.session.scalars(select(Department).where(Department.id.in_(sorted(ids)))).all()
        return {d.id: d.path for d in rows}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(sorted(ids)))).all())


def _view(e: AuditEntry, names: dict) -> EntryView:
    obj_label = str(OBJECT_LABELS.get(e.object_type, e.object_type or ""))
    obj_name = None
    if e.object_id is not None and e.object_id.isdigit():
        obj_name = names.get(e.object_type, {}).get(int(e.object_id))
    if e.object_type == "export":
        obj = _value("what", e.object_id, names)
    elif obj_name:
        obj = f"{obj_label}: {obj_name}"
    else:
        obj = f"{obj_label} {e.object_id}" if e.object_id else obj_label
    before = e.before if isinstance(e.before, dict) else {}
    after = e.after if isinstance(e.after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    changes = []
    for key in keys:
        if e.action == "export" and key == "what":
            continue  # already the object
        b = _value(key, before[key], names) if key in before else None
        a = _value(key, after[key], names) if key in after else None
        if key in before and key in after and b == a:
            continue
        changes.append(Change(str(FIELD_LABELS.get(key, key.replace("_", " ").capitalize())), b, a))
    return EntryView(e, action_label(e.action), obj, changes)


def _value(key: str, value, names: dict) -> str:
    from app.core.permissions import Role
    from app.templating import ROLE_LABELS

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if key in DEPARTMENT_FIELDS and isinstance(value, int):
        return names["department"].get(value, f"#{value}")
    if key in USER_FIELDS and isinstance(value, int):
        return names["user"].get(value, f"#{value}")
    if key == "roles" and isinstance(value, list):
        labels = {r.value: str(label) for r, label in ROLE_LABELS.items() if isinstance(r, Role)}
        return ", ".join(labels.get(r, str(r)) for r in value) or "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, str) and value in VALUE_LABELS.get(key, {}):
        return str(VALUE_LABELS[key][value])
    return str(value)
