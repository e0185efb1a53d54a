"""The audit log records what matters (manual assignments, evidence, every export, HR reading one person's
report) and the audit page says it in words: a label for every action, no codes, no JSON."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from app.people import services as people
from tests.conftest import AuthActions, csrf_from, post_form

ROOT = Path(__file__).parent.parent
SAMPLES = Path(__file__).parent / "samples"
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)?$")
# Actions built from a value at run time, and every value they take.
DYNAMIC = {
    "card.{decision}": {"card.approve", "card.return", "card.reject"},
    "dispute.{dispute.status}": {"dispute.accepted", "dispute.rejected"},
}


@pytest.fixture
def aclient(app):
    return app.test_client()


@pytest.fixture
def hr(app, make_user):
    user = make_user("hr", email="hr@example.com", name="Ирина Кадрова")
    return user


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _recorded_actions() -> dict[str, str]:
    """Every action name passed to audit.record (or record imported from app.core.audit) in app/,
    with where it is: found in the source, so a new action cannot ship without a label."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_record = any(
            isinstance(n, ast.ImportFrom) and n.module == "app.core.audit" and any(a.name == "record" for a in n.names)
            for n in ast.walk(tree)
        )
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            is_audit = (isinstance(func, ast.Attribute) and func.attr == "record" and _name(func.value) == "audit") or (
                imports_record and isinstance(func, ast.Name) and func.id == "record"
            )
            if not is_audit:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            owner = next(f for f in functions if f.lineno <= node.lineno <= f.end_lineno)
            for action in _values(node.args[1], owner):
                found[action] = where
    return found


def _name(node) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _values(node, function) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        assert ACTION.match(node.value), f"odd action name {node.value!r}"
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _values(node.body, function) | _values(node.orelse, function)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(
            v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}" for v in node.values
        )
        assert pattern in DYNAMIC, f"an action built at run time, {pattern!r}: list the values it takes in DYNAMIC"
        return DYNAMIC[pattern]
    if isinstance(node, ast.Name):  # a variable: what the function assigns to it
        out: set[str] = set()
        for sub in ast.walk(function):
            if isinstance(sub, ast.Assign) and any(_name(t) == node.id for t in sub.targets):
                out |= _values(sub.value, function)
        assert out, f"cannot tell which actions {node.id} holds"
        return out
    if isinstance(node, ast.Attribute) or isinstance(node, ast.Call):
        pytest.fail(f"cannot tell which action {ast.unparse(node)} is: use a literal")
    return set()


def test_every_recorded_action_has_a_label():
    from app.audit.labels import ACTION_LABELS

    recorded = _recorded_actions()
    # The scan itself must work: it finds the actions of several packages, dynamic ones included.
    assert {"user.create", "department.archive", "card.return", "dispute.rejected", "export"} <= set(recorded)
    assert {"user.activate", "user.deactivate", "user.roles", "user.update", "content.regrade_skipped"} <= set(recorded)
    missing = {a: where for a, where in recorded.items() if a not in ACTION_LABELS}
    assert not missing, f"actions without a label in app/audit/labels.py: {missing}"


def test_every_label_is_translated(app):
    from flask_babel import force_locale

    from app.audit.labels import ACTION_LABELS

    with force_locale("ru"):
        untranslated = [a for a, label in ACTION_LABELS.items() if str(label) == label._args[0]]
    assert not untranslated


# ---------------------------------------------------------------- entries written
def test_manual_assignment_is_recorded_and_the_loop_is_not_doubled(app, aclient, hr):
    app.test_cli_runner().invoke(args=["content", "import", str(SAMPLES / "valid")])
    region = people.create_department(None, "Регион", None)
    db.session.commit()
    AuthActions(aclient).login("hr@example.com")
    r = post_form(
        aclient, "/assignments", {"course": "complaint-handling", "department": region.id, "due_on": "2030-01-31"}
    )
    assert r.status_code == 302
    (entry,) = _entries("assignment.manual")
    assert entry.actor_id == hr.id and entry.object_type == "assignment"
    assert entry.after["course"] == "complaint-handling" and entry.after["department_id"] == region.id
    assert entry.after["due_on"] == "2030-01-31"


def test_exports_are_recorded_with_what_format_and_period(app, aclient, hr):
    from app.api.auth import create_token

    region = people.create_department(None, "Регион", None)
    db.session.commit()
    AuthActions(aclient).login("hr@example.com")
    assert aclient.get("/reports/?format=csv&from=2026-01-01&to=2026-03-31").status_code == 200
    assert aclient.get(f"/reports/?format=xlsx&table=skills&root={region.id}").status_code == 200
    assert aclient.get(f"/reports/departments/{region.id}?format=csv&from=2026-02-01").status_code == 200
    assert aclient.get(f"/reports/departments/{region.id}?format=xlsx&table=effect").status_code == 200
    assert aclient.get("/people/export.csv").status_code == 200
    assert aclient.get("/reports/?format=pdf").status_code == 400  # not an export: nothing recorded
    token = create_token(hr, "t")[1]
    db.session.commit()
    api = {"Authorization": f"Bearer {token}"}
    assert aclient.get("/api/v1/reports/departments?format=csv&to=2026-12-31", headers=api).status_code == 200
    assert aclient.get("/api/v1/xapi/statements?since=2026-05-01T00:00:00Z", headers=api).status_code == 200
    got = [
        (e.actor_id, e.after["what"], e.after["format"], e.after["from"], e.after["to"], e.after["department_id"])
        for e in _entries("export")
    ]
    assert got == [
        (hr.id, "departments", "csv", "2026-01-01", "2026-03-31", None),
        (hr.id, "skills", "xlsx", None, None, region.id),
        (hr.id, "item-failures", "csv", "2026-02-01", None, region.id),
        (hr.id, "training-effect", "xlsx", None, None, region.id),
        (hr.id, "people", "csv", None, None, None),
        (hr.id, "departments", "csv", None, "2026-12-31", None),
        (hr.id, "xapi-statements", "json", "2026-05-01", None, None),
    ]


def test_the_command_line_people_export_is_recorded(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["people", "export", str(tmp_path / "people.csv")])
    assert result.exit_code == 0
    (entry,) = _entries("export")
    assert entry.actor_id is None and entry.after["what"] == "people"


def test_content_download_is_recorded(app, aclient, make_user):
    trainer = make_user("trainer", email="trainer@example.com")
    AuthActions(aclient).login("trainer@example.com")
    assert aclient.get("/authoring/export.zip").status_code == 200
    (entry,) = _entries("export")
    assert entry.actor_id == trainer.id and entry.after["what"] == "content" and entry.after["format"] == "zip"


def test_every_download_goes_through_the_recorded_helper():
    """A file handed out with Content-Disposition anywhere else would be an export the log misses."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if "Content-Disposition" in path.read_text(encoding="utf-8") and path.name != "downloads.py"
    ]
    assert not offenders


def test_hr_reading_one_persons_report_is_recorded(app, aclient, hr, make_user):
    anna = make_user("employee", email="anna@example.com")
    AuthActions(aclient).login("hr@example.com")
    assert aclient.get(f"/reports/employees/{anna.id}?from=2026-01-01").status_code == 200
    (entry,) = _entries("report.person_view")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (hr.id, "user", str(anna.id))
    assert entry.after == {"from": "2026-01-01", "to": None}
    # Through the API too; a person reading their own report is not HR reading it.
    from app.api.auth import create_token

    hr_token, anna_token = create_token(hr, "t")[1], create_token(anna, "t")[1]
    db.session.commit()
    url = "/api/v1/reports/employees/anna@example.com?to=2026-06-30"
    assert aclient.get(url, headers={"Authorization": f"Bearer {hr_token}"}).status_code == 200
    assert aclient.get(url, headers={"Authorization": f"Bearer {anna_token}"}).status_code == 200
    views = _entries("report.person_view")
    assert len(views) == 2 and views[1].actor_id == hr.id and views[1].after == {"from": None, "to": "2026-06-30"}


def test_evidence_added_and_removed_are_recorded(app, aclient, make_user, tmp_path):
    from datetime import date, timedelta

    from app.content.models import ContentItem
    from app.shopping import services as shopping
    from app.shopping.models import Evidence, Visit

    app.config.update(EVIDENCE_DIR=str(tmp_path / "evidence"))
    app.test_cli_runner().invoke(args=["content", "import", str(SAMPLES / "valid")])
    branch = people.create_department(None, "Тверская", None)
    shopper = make_user("shopper", email="shop@example.com")
    checklist = db.session.scalars(select(ContentItem).where(ContentItem.slug == "branch-visit")).one()
    shopping.schedule_visits(None, [branch], checklist, date.today(), date.today() + timedelta(days=7), shopper)
    visit = db.session.scalars(select(Visit)).one()
    card = shopping.card_for_visit(shopper, visit)
    db.session.commit()
    AuthActions(aclient).login("shop@example.com")
    page = aclient.get(f"/shop/visits/{visit.id}/card").get_data(as_text=True)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    aclient.post(
        f"/shop/cards/{card.id}/evidence",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(png), "чек.png")},
        content_type="multipart/form-data",
    )
    item = db.session.scalars(select(Evidence)).one()
    aclient.post(f"/shop/evidence/{item.id}/remove", data={"csrf_token": csrf_from(page)})
    (added,) = _entries("evidence.add")
    (removed,) = _entries("evidence.remove")
    assert added.actor_id == removed.actor_id == shopper.id
    assert added.object_id == removed.object_id == str(card.id)
    assert added.after["name"] == "чек.png" and added.after["size"] == len(png)
    assert removed.before["name"] == "чек.png" and removed.after is None


# ---------------------------------------------------------------- the page
def _table(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def test_the_audit_page_shows_words_not_codes_or_json(app, aclient, hr, make_user):
    from app.core import audit

    region = people.create_department(hr, "Регион", None)
    team = people.create_department(hr, "Команда", None)
    people.update_department(hr, team, "Команда", region)
    people.set_department_archived(hr, team, True)
    anna = make_user("employee", email="anna@example.com", name="Анна Смирнова", department=region)
    people.update_user(hr, anna, "anna@example.com", "Анна Смирнова", region, ["employee", "shopper"])
    audit.record(hr, "card.approve", "scorecard", 7, {"status": "submitted"}, {"status": "approved", "note": None})
    audit.record(hr, "export", "export", "people", None, {"what": "people", "format": "csv", "from": None})
    audit.record(hr, "something.new", "widget", 1, None, {"colour": "blue"})
    db.session.commit()
    AuthActions(aclient).login("hr@example.com")
    html = aclient.get("/audit").get_data(as_text=True)
    table = _table(html)
    for words in (
        "Department created",
        "Department renamed or moved",
        "Part of: — → Регион",
        "Archived: no → yes",
        "Roles changed",
        "Roles: Employee → Employee, Mystery shopper",
        "Person: Анна Смирнова",
        "Card approved",
        "Status: submitted → approved",
        "Data exported",
        "People",
        "Format: CSV",
        "Other change",
        "Ирина Кадрова",
    ):
        assert words in table, words
    for code in ("department.create", "card.approve", "user.roles", "something.new", "export<"):
        assert code not in table, code
    assert "{" not in table and "&#34;" not in table and "&quot;" not in table
    # The filter offers the labels and filters by one action.
    assert '<option value="card.approve">Card approved</option>' in html
    only = _table(aclient.get("/audit?action=department.create").get_data(as_text=True))
    assert only.count("<tr>") == 2 and "Department created" in only


def test_the_audit_page_speaks_russian(app, aclient, hr):
    people.create_department(hr, "Регион", None)
    hr.locale = "ru"
    db.session.commit()
    AuthActions(aclient).login("hr@example.com")
    table = _table(aclient.get("/audit").get_data(as_text=True))
    assert "Подразделение создано" in table and "Department created" not in table
