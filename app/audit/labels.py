"""The audit log in words: a translated label for every action, object and field, and each change
rendered as "Status: submitted → approved" instead of the stored JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.coaching.services import REASONS as ACTION_REASONS
from app.core.audit import AuditEntry
from app.core.i18n import lazy_gettext as _l
from app.extensions import db
from app.shopping.models import CARD_STATUS_LABELS

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
    "card.acknowledge": _l("Card acknowledged by the employee"),
    "dispute.open": _l("Dispute opened"),
    "dispute.accepted": _l("Dispute accepted"),
    "dispute.rejected": _l("Dispute rejected"),
    "calibration.create": _l("Calibration exercise created"),
    "calibration.submit": _l("Calibration exercise scored by a shopper"),
    "action.open": _l("Action opened for a manager"),
    "action.sign_off": _l("Action signed off by the manager"),
    "evidence.add": _l("Evidence attached"),
    "evidence.remove": _l("Evidence removed"),
    "assignment.manual": _l("Course assigned"),
    "assignment.loop": _l("Course assigned after a card"),
    "assignment.withdraw": _l("Course withdrawn after a dispute"),
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
    "calibration": _l("Calibration exercise"),
    "action": _l("Action"),
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
    "locale": _l("Language"),
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
    "items": _l("Items"),
}

VALUE_LABELS = {
    "status": CARD_STATUS_LABELS,
    "reason": ACTION_REASONS,  # why an action was opened (a dispute's reason is the employee's own words)
    "answer": {"yes": _l("Yes"), "no": _l("No"), "na": _l("N/A")},
    # where a visit stands (Visit.state): the card's status once past a draft, else by its window
    "visit": {
        "upcoming": _l("Upcoming"),
        "due": _l("Due now"),
        "overdue": _l("Overdue"),
        **{status: label for status, label in CARD_STATUS_LABELS.items() if status != "draft"},
    },
    # a person's assigned course
    "course_status": {
        "completed": _l("completed"),
        "overdue": _l("overdue"),
        "in_progress": _l("in progress"),
        "not_started": _l("not started"),
    },
    # a dispute about one item of a card
    "dispute": {
        "open": _l("open (awaiting review)"),
        "accepted": _l("accepted"),
        "rejected": _l("turned down"),
    },
    "what": {
        "departments": _l("Departments report"),
        "skills": _l("Skills by department"),
        "training-effect": _l("Training effect"),
        "item-failures": _l("Item failure rates"),
        "employee-cards": _l("A person's cards"),
        "employee-courses": _l("A person's courses"),
        "people": _l("People"),
        "content": _l("Content files"),
        "xapi-statements": _l("xAPI statements"),
    },
    "source": {"api": _l("API")},
    "format": {"csv": "CSV", "xlsx": "XLSX", "zip": "ZIP", "json": "JSON"},  # names of file formats
}
DEPARTMENT_FIELDS = {"department_id", "scope_department_id", "parent_id"}
USER_FIELDS = {"user_id", "shopper_id"}
CONTENT_FIELDS = {"course_item_id"}
DATE_FIELDS = {"due_on", "from", "to"}
CONTENT_OBJECTS = {"case", "quiz", "course", "checklist"}


def value_label(kind: str, value) -> str:
    """A stored code of ``kind`` (a key of VALUE_LABELS: "status", "visit", "course_status", "dispute",
    "answer") as the words a person reads; the one place these words are defined for every page."""
    if value is None or value == "":
        return "—"
    return str(VALUE_LABELS.get(kind, {}).get(value, value))


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
    content_ids, slugs = _content_refs(entries)
    names = {
        "department": _names("departments", dept_ids),
        "user": _names("users", user_ids),
        "content": _content_titles(content_ids, slugs),
        "item": _item_texts(entries),
    }
    return [_view(e, names) for e in entries]


def _content_refs(entries: list[AuditEntry]) -> tuple[set[int], set[str]]:
    """The content items the entries name: by id (course_item_id) and by slug (course, content objects)."""
    ids: set[int] = set()
    slugs = {e.object_id for e in entries if e.object_type in CONTENT_OBJECTS and e.object_id}
    for e in entries:
        for snapshot in (e.before, e.after):
            if not isinstance(snapshot, dict):
                continue
            ids.update(v for k, v in snapshot.items() if k in CONTENT_FIELDS and isinstance(v, int))
            slugs.update(v for k, v in snapshot.items() if k == "course" and isinstance(v, str))
    return ids, slugs


def _names(table: str, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from app.people.models import Department, User

    if table == "departments":
        rows = db.session.scalars(select(Department).where(Department.id.in_(sorted(ids)))).all()
        return {d.id: d.path for d in rows}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(sorted(ids)))).all())


def _content_titles(ids: set[int], slugs: set[str]) -> dict:
    """Published titles of content items by id and by slug, in one query."""
    if not ids and not slugs:
        return {}
    from sqlalchemy import or_

    from app.content.models import ContentItem, ContentVersion

    rows = db.session.execute(
        select(ContentItem.id, ContentItem.slug, ContentVersion.title)
        .join(ContentVersion, ContentVersion.id == ContentItem.published_version_id)
        .where(or_(ContentItem.id.in_(sorted(ids)), ContentItem.slug.in_(sorted(slugs))))
    )
    out: dict = {}
    for item_id, slug, title in rows:
        out[item_id] = out[slug] = title
    return out


def _item_texts(entries: list[AuditEntry]) -> dict:
    """Checklist item texts when an entry on the page names an item (one query)."""
    if not any(isinstance(e.after, dict) and "item" in e.after for e in entries):
        return {}
    from app.shopping.item_texts import item_texts

    return item_texts()


def _view(e: AuditEntry, names: dict) -> EntryView:
    obj_label = str(OBJECT_LABELS.get(e.object_type, e.object_type or ""))
    obj_name = None
    if e.object_id is not None and e.object_id.isdigit():
        obj_name = names.get(e.object_type, {}).get(int(e.object_id))
    if e.object_type in CONTENT_OBJECTS and e.object_id in names["content"]:
        obj_name = names["content"][e.object_id]
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


def _named(key: str, value, names: dict) -> str | None:
    """A department, person, content item or checklist item by its name, for a value that refers to one."""
    if key in DEPARTMENT_FIELDS and isinstance(value, int):
        return names["department"].get(value, f"#{value}")
    if key in USER_FIELDS and isinstance(value, int):
        return names["user"].get(value, f"#{value}")
    if (key in CONTENT_FIELDS and isinstance(value, int)) or (key == "course" and isinstance(value, str)):
        return names["content"].get(value, str(value))
    if key == "item" and isinstance(value, str):
        return names["item"].get(value, value)
    if key in DATE_FIELDS and isinstance(value, str):
        from datetime import date

        from flask_babel import format_date

        try:
            return format_date(date.fromisoformat(value), "short")
        except ValueError:
            return value
    return None


def _value(key: str, value, names: dict) -> str:
    from app.core.permissions import ROLE_LABELS, Role

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    named = _named(key, value, names)
    if named is not None:
        return named
    if key == "roles" and isinstance(value, list):
        labels = {r.value: str(label) for r, label in ROLE_LABELS.items() if isinstance(r, Role)}
        return ", ".join(labels.get(r, str(r)) for r in value) or "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{FIELD_LABELS.get(k, k)}: {_value(k, v, names)}" for k, v in value.items())
    if isinstance(value, str) and value in VALUE_LABELS.get(key, {}):
        return str(VALUE_LABELS[key][value])
    return str(value)
