from flask import abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.core.inputs import paginate, record_id
from app.core.permissions import Role, allow
from app.extensions import db
from app.people.models import Department, User
from app.people.services import child_ids, in_scope, scope_ids, subtree_select
from app.reports import bp, charts, pages, services
from app.reports.export import table_response
from app.templating import round1

MANAGERS = (Role.HR, Role.ADMIN)
COLUMNS = [
    ("path", _l("Department")),
    ("employees", _l("Headcount")),
    ("assigned", _l("Assigned")),
    ("completed", _l("Completed")),
    ("overdue", _l("Overdue")),
    ("completion_rate", _l("Completion rate")),
    ("quiz_attempts", _l("Quiz attempts")),
    ("quiz_avg_percent", _l("Average quiz result")),
    ("quiz_pass_rate", _l("Quiz pass rate")),
    ("shop_count", _l("Cards")),
    ("shop_avg_percent", _l("Average card result")),
    ("shop_pass_rate", _l("Card pass rate")),
    ("critical_failures", _l("Critical failures")),
    ("late_cards", _l("Late cards")),
    ("level", _l("Level")),
]
LEVEL_LABELS = {
    "zero": _l("zero"),
    "formal": _l("formal"),
    "functional": _l("functional"),
    "culture": _l("part of the culture"),
    "full": _l("full"),
}
RATES = {"completion_rate", "quiz_pass_rate", "shop_pass_rate"}


def period_from_request() -> services.Period:
    """The report period from ``?from=`` and ``?to=``; a bad date is a 400 page saying what is wrong."""
    return services.parse_period(request.args.get("from"), request.args.get("to"))


def _export(fmt: str, what: str, headers: list[str], table: list[list], period, department_id: int | None):
    """The table as a download, recorded in the audit log; 400 for an unknown format."""
    response = table_response(current_user, fmt, what, headers, table, period=period, department_id=department_id)
    if response is None:
        abort(400)
    db.session.commit()
    return response


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round1(100 * rate)


def _skill_names() -> dict[str, str]:
    from app.content.services import skill_titles

    return skill_titles(str(get_locale() or "en"))


def heat_class(rate: float | None) -> str:
    """A shade for a heatmap cell; the number is always printed too, so colour is never the only signal."""
    if rate is None:
        return "heat-none"
    return f"heat-{min(4, int(rate * 5))}"


def cell(row, key):
    value = getattr(row, key)
    if key in RATES and value is not None:
        return round1(100 * value)
    if isinstance(value, float):
        return round1(value)
    if key == "level" and value:
        return str(LEVEL_LABELS[value])
    return value


@bp.route("/")
@allow(*MANAGERS)
def departments():
    period = period_from_request()
    sort = request.args.get("sort")
    sort = sort if sort in {k for k, _ in COLUMNS} else None
    root_id = request.args.get("root", type=record_id)
    try:
        # a scoped HR person's "company" is their subtree
        page = pages.departments_page(
            period, scope_ids(current_user), root_id, sort, request.args.get("dir", "desc") == "desc"
        )
    except pages.NoSuchRoot:
        abort(404)
    skill_names = _skill_names()
    fmt = request.args.get("format")
    if fmt and request.args.get("table") == "skills":
        return _export(fmt, "skills", *_skills_table(page, skill_names), period, root_id)
    if fmt:
        return _export(fmt, "departments", *_departments_table(page), period, root_id)
    shown = page.rows
    chart = charts.bar_chart(
        [(r.path.rsplit("/", 1)[-1], r.shop_avg_percent) for r in shown],
        title=str(_("Average card result by department")),
    )
    thresholds = ", ".join(
        f"{LEVEL_LABELS[level]} ≥ {value:g}"
        for level, value in zip(services.LEVELS[1:], current_app.config["LEVEL_THRESHOLDS"], strict=True)
    )
    return render_template(
        "reports/departments.html",
        thresholds=thresholds,
        rows=shown,
        root=page.root,
        company=page.company,
        columns=COLUMNS,
        cell=cell,
        chart=chart,
        period=period,
        sort=sort,
        level_labels=LEVEL_LABELS,
        skills=page.skills,
        heat=page.heat,
        heat_rows=[(None, _("Company"))] + [(r.id, r.path.rsplit("/", 1)[-1]) for r in shown],
        skill_names=skill_names,
        heat_class=heat_class,
    )


def _skills_table(page: pages.DepartmentsPage, skill_names: dict) -> tuple[list[str], list[list]]:
    """Headers and rows of the skill heatmap as a download: the company, then each department shown."""
    headers = [str(_("Department"))]
    for s in page.skills:
        headers += [f"{skill_names.get(s, s)}: {_('quiz')}", f"{skill_names.get(s, s)}: {_('shop')}"]
    table = []
    for key, label in [(None, str(_("Company")))] + [(r.id, r.path) for r in page.rows]:
        line = [label]
        for s in page.skills:
            c = page.heat.get(key, {}).get(s)
            line += [_percent(c.quiz_rate if c else None), _percent(c.shop_rate if c else None)]
        table.append(line)
    return headers, table


def _departments_table(page: pages.DepartmentsPage) -> tuple[list[str], list[list]]:
    """Headers and rows of the departments table as a download (the company first, unless under a root)."""
    headers = [str(label) for _k, label in COLUMNS]
    table = [[cell(r, k) for k, _l2 in COLUMNS] for r in ([page.company] if not page.root else []) + page.rows]
    if not page.root:
        table[0][0] = str(_("Company"))
    return headers, table


@bp.route("/departments/<int:dept_id>")
@allow(*MANAGERS)
def department(dept_id: int):
    dept = db.session.get(Department, dept_id)
    if dept is None or not in_scope(current_user, dept.id):
        abort(404)
    period = period_from_request()
    rows = services.department_report(period, roots=[dept_id, *child_ids(dept_id)])
    row = next(r for r in rows if r.id == dept_id)
    children = [r for r in rows if r.parent_id == dept_id]
    failures = services.item_failure_rates(dept_id, period)
    trend = services.monthly_trend(dept_id, period)
    effect = services.training_effect(dept_id, period)
    skill_names = _skill_names()
    fmt = request.args.get("format")
    if fmt and request.args.get("table") == "effect":
        headers = [
            str(_("Skill")),
            str(_("People")),
            str(_("Pass rate before")),
            str(_("Items before")),
            str(_("Pass rate after")),
            str(_("Items after")),
            str(_("Change, points")),
        ]
        table = [
            [
                skill_names.get(e["skill"], e["skill"]),
                e["people"],
                _percent(e["before_rate"]),
                e["before_items"],
                _percent(e["after_rate"]),
                e["after_items"],
                _percent(e["change"]),
            ]
            for e in effect
        ]
        return _export(fmt, "training-effect", headers, table, period, dept_id)
    if fmt:
        headers = [str(_("Item")), str(_("Skill")), str(_("Failed")), str(_("Applicable")), str(_("Failure rate"))]
        table = [
            [f["text"], skill_names.get(f["skill"], f["skill"]), f["failed"], f["applicable"], round1(100 * f["rate"])]
            for f in failures
        ]
        return _export(fmt, "item-failures", headers, table, period, dept_id)
    page = paginate(
        select(User)
        .where(User.department_id.in_(subtree_select(dept_id)), User.active.is_(True))
        .order_by(User.name)
        .options(lazyload(User.roles))  # the list shows names only
    )
    chart = charts.line_chart(
        [(t["month"], t) for t in trend],
        [("shop", str(_("Cards"))), ("quiz", str(_("Quizzes")))],
        title=str(_("Monthly trend")),
    )
    return render_template(
        "reports/department.html",
        dept=dept,
        row=row,
        children=children,
        failures=failures,
        chart=chart,
        trend=trend,
        page=page,
        columns=COLUMNS,
        cell=cell,
        period=period,
        # the page compares the card average only, with the company (a scoped HR person's: their subtree)
        company=services.company_row(period, shop_only=True, scope=scope_ids(current_user)),
        effect=effect,
        skill_names=skill_names,
        percent=_percent,
    )


@bp.route("/employees/<int:user_id>")
@allow(*MANAGERS)
def employee(user_id: int):
    user = db.session.get(User, user_id, options=[lazyload(User.roles)])  # the page shows no roles
    if user is None or not in_scope(current_user, user.department_id):
        abort(404)
    period = period_from_request()
    # Recorded first: a commit after the report would expire the cards it loaded, and the chart would then
    # read each one back with a statement of its own.
    services.record_person_view(current_user, user, period)
    db.session.commit()
    report = services.employee_report(user, period)
    chart = charts.line_chart(
        [(c.visited_at.strftime("%Y-%m-%d"), {"shop": c.total_percent}) for c in report.cards],
        [("shop", str(_("Cards")))],
        title=str(_("Card results over time")),
    )
    return render_template(
        "reports/employee.html", report=report, chart=chart, minimum=current_app.config["MIN_CARDS_FOR_SCORE"]
    )
