from datetime import date

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, lazyload

from app import charts
from app.core.errors import BadInput
from app.core.i18n import get_locale
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.inputs import page_number, record_id
from app.core.permissions import Role, allow
from app.extensions import db
from app.people.models import User
from app.people.services import in_scope, scope_ids
from app.reports import bp, pages, services
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
# The columns a report table shows unless the reader asks for all of them (all go to the exports).
MAIN_COLUMNS = ("path", "employees", "completion_rate", "overdue", "shop_count", "shop_avg_percent", "level")


def main_columns():
    """The table's columns as chosen by ``?columns=all`` (every column) or by default (the main ones),
    their labels in the reader's language."""
    everything = request.args.get("columns") == "all"
    return [(k, str(label)) for k, label in COLUMNS if everything or k in MAIN_COLUMNS]


RATES = {"completion_rate", "quiz_pass_rate", "shop_pass_rate"}


def period_from_request() -> services.Period:
    """The report period from ``?from=`` and ``?to=``; a bad date is a 400 page saying what is wrong."""
    return services.parse_period(request.args.get("from"), request.args.get("to"))


INVERTED = _l("'from' must not be after 'to'.")  # as services.parse_period words it
PRESET_LABELS = {
    "month": _l("This month"),
    "last_month": _l("Last month"),
    "quarter": _l("This quarter"),
    "year": _l("This year"),
    "all": _l("All time"),
}


def _period_or_error():
    """(period, None) from the request, or (None, the message) for a bad or inverted period."""
    try:
        return period_from_request(), None
    except BadInput as err:
        if str(err.message) == str(INVERTED):  # the API's words name its parameters; the page's, its fields
            return None, str(_("The period starts after it ends: choose a start on or before the end."))
        return None, str(err.message)


def period_context(period, error: str | None = None, **keep) -> dict:
    """What the period form needs: the dates as typed, the error, and the preset periods as links to this
    page (keeping ``keep``, such as the root department)."""
    args = dict(request.view_args or {}, **{k: v for k, v in keep.items() if v is not None})
    presets = []
    for key, start, end in pages.period_presets(date.today()):
        current = error is None and period is not None and (period.start, period.end) == (start, end)
        url = url_for(request.endpoint, **args, **{"from": start, "to": end})
        presets.append((str(PRESET_LABELS[key]), url, current))
    return {
        "period_raw": {"from": request.args.get("from", ""), "to": request.args.get("to", "")},
        "period_error": error,
        "presets": presets,
        "period_args": {"from": period.start, "to": period.end} if period else {},
        "period_hidden": {k: v for k, v in keep.items() if v is not None},
    }


def period_text(period) -> str:
    """The period in words for an export's title row: "01.09.2026 – 30.11.2026", "from …", "all time"."""
    start = format_date(period.start, "short") if period.start else None
    end = format_date(period.end, "short") if period.end else None
    if start and end:
        return f"{start} – {end}"
    if start:
        return str(_("from %(d)s", d=start))
    if end:
        return str(_("until %(d)s", d=end))
    return str(_("all time"))


def _bad_period(error: str, heading: str, **keep):
    return render_template(
        "reports/period_error.html", heading=heading, period=None, **period_context(None, error, **keep)
    ), 400


def _export(fmt: str, what: str, headers: list[str], table: list[list], period, department_id: int | None, about=""):
    """The table as a download, recorded in the audit log; 400 for an unknown format. The file speaks the
    reader's language: a translated sheet name, a title row with the period, CSV for their spreadsheet."""
    from app.audit.labels import VALUE_LABELS

    sheet = str(VALUE_LABELS["what"].get(what, what))
    title = " · ".join(part for part in (sheet, about, period_text(period)) if part)
    response = table_response(
        current_user,
        fmt,
        what,
        headers,
        table,
        period=period,
        department_id=department_id,
        locale=str(get_locale() or "en"),
        sheet=sheet,
        title=title,
    )
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


def heat_rows(labels: list[tuple], page: pages.DepartmentsPage) -> list[tuple]:
    """The heatmap's rows as its template prints them: (key, label, the row's cells as HTML), a cell per
    skill with the shade and the per cent of quiz accuracy and of shop pass rate ("—" for none). Written
    here: in the template, the calls per cell took longer than the rest of the table, and every cell's
    shades, numbers and titles are the page's own words (the titles escaped once)."""
    quiz_title, shop_title = escape(_("Quiz accuracy")), escape(_("Shop pass rate"))

    def written(rate):
        return "—" if rate is None else "%.0f" % (100 * rate)

    out = []
    for key, label in labels:
        found = page.heat.get(key, {})
        cells = []
        for skill in page.skills:
            c = found.get(skill)
            quiz, shop = (c.quiz_rate, c.shop_rate) if c else (None, None)
            cells.append(
                f'<td class="heat-cell"><span class="{heat_class(quiz)}" title="{quiz_title}">{written(quiz)}</span> '
                f'<span class="{heat_class(shop)}" title="{shop_title}">{written(shop)}</span></td>'
            )
        out.append((key, label, Markup("".join(cells))))
    return out


def _sort_column() -> str | None:
    """The column asked to sort by (``?sort=``), if it is one of the table's."""
    sort = request.args.get("sort")
    return sort if sort in {k for k, _ in COLUMNS} else None


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
    root_id = request.args.get("root", type=record_id)
    fmt = request.args.get("format")
    if root_id and not fmt:
        # one page per department: its own (with its departments below, items and people)
        args = {k: v for k, v in request.args.items() if k != "root"}
        return redirect(url_for("reports.department", dept_id=root_id, **args))
    period, error = _period_or_error()
    if error:
        return _bad_period(error, str(_("Reports")))
    sort = _sort_column()
    try:
        # a scoped HR person's "company" is their subtree
        page = pages.departments_page(
            period, scope_ids(current_user), root_id, sort, request.args.get("dir", "desc") == "desc"
        )
    except pages.NoSuchRoot:
        abort(404)
    skill_names = _skill_names()
    about = page.root.path if page.root else ""
    if fmt and request.args.get("table") == "skills":
        return _export(fmt, "skills", *_skills_table(page, skill_names), period, root_id, about)
    if fmt:
        return _export(fmt, "departments", *_departments_table(page), period, root_id, about)
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
        heat_rows=heat_rows([(None, _("Company"))] + [(r.id, r.path.rsplit("/", 1)[-1]) for r in shown], page),
        skill_names=skill_names,
        main_columns=main_columns(),
        **period_context(period),
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


EFFECT_HEADERS = (
    _l("Skill"),
    _l("People"),
    _l("Pass rate before"),
    _l("Items before"),
    _l("Pass rate after"),
    _l("Items after"),
    _l("Change, points"),
)


def _effect_table(effect: list[dict], skill_names: dict) -> tuple[list[str], list[list]]:
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
    return [str(h) for h in EFFECT_HEADERS], table


def _failures_table(failures: list[dict], skill_names: dict) -> tuple[list[str], list[list]]:
    headers = [str(_("Item")), str(_("Skill")), str(_("Failed")), str(_("Applicable")), str(_("Failure rate"))]
    table = [
        [f["text"], skill_names.get(f["skill"], f["skill"]), f["failed"], f["applicable"], round1(100 * f["rate"])]
        for f in failures
    ]
    return headers, table


@bp.route("/departments/<int:dept_id>")
@allow(*MANAGERS)
def department(dept_id: int):
    """The one report page of a department: its figures, the departments below it, items, people."""
    tree = pages.subtree(dept_id)  # the department and every one below it, read once for the whole page
    if tree is None or not in_scope(current_user, dept_id):
        abort(404)
    dept = tree.dept
    period, error = _period_or_error()
    if error:
        return _bad_period(error, dept.path)
    skill_names = _skill_names()
    fmt = request.args.get("format")
    if fmt and request.args.get("table") == "effect":
        effect = services.training_effect(dept_id, period, subtree=tree.ids)
        return _export(fmt, "training-effect", *_effect_table(effect, skill_names), period, dept_id, dept.path)
    if fmt:
        failures = services.item_failure_rates(dept_id, period, subtree=tree.ids)
        return _export(fmt, "item-failures", *_failures_table(failures, skill_names), period, dept_id, dept.path)
    page = pages.department_page(
        tree,
        period,
        scope_ids(current_user),
        _sort_column(),
        request.args.get("dir", "desc") == "desc",
        page_number(),
        current_app.config["PER_PAGE"],
    )
    below = page.below
    chart = charts.line_chart(
        [(t["month"], t) for t in page.trend],
        [("shop", str(_("Cards"))), ("quiz", str(_("Quizzes")))],
        title=str(_("Monthly trend")),
    )
    return render_template(
        "reports/department.html",
        dept=dept,
        root=below.root,
        row=below.root,
        rows=below.rows,
        skills=below.skills,
        heat_rows=heat_rows([(r.id, r.path.rsplit("/", 1)[-1]) for r in below.rows], below),
        sort=_sort_column(),
        failures=page.failures,
        chart=chart,
        trend=page.trend,
        page=page.people,
        columns=COLUMNS,
        main_columns=main_columns(),
        cell=cell,
        period=period,
        # the page compares the card average only, with the company (a scoped HR person's: their subtree)
        company=below.company,
        effect=page.effect,
        skill_names=skill_names,
        percent=_percent,
        **period_context(period),
    )


def _employee_tables(report, which: str) -> tuple[str, list[str], list[list]]:
    """One table of a person's report as a download: their approved cards, or their courses."""
    from app.audit.labels import value_label

    if which == "courses":
        headers = [str(_("Course")), str(_("Why")), str(_("Due")), str(_("Status"))]
        table = [
            [
                a["title"],
                str(_("after a mystery-shop visit") if a["reason"] == "shop" else _("assigned by hand")),
                format_date(a["due_on"], "short") if a["due_on"] else None,
                value_label("course_status", a["status"]),
            ]
            for a in report.assignments
        ]
        return "employee-courses", headers, table
    headers = [str(_("Date")), str(_("Department")), str(_("Result, %")), str(_("Passed")), str(_("Critical failure"))]
    table = [
        [
            format_date(c.visited_at, "short") if c.visited_at else None,
            c.department_path,
            round1(c.total_percent) if c.total_percent is not None else None,
            str(_("Yes") if c.passed else _("No")),
            str(_("Yes") if c.critical_failed else _("No")),
        ]
        for c in report.cards
    ]
    return "employee-cards", headers, table


@bp.route("/employees/<int:user_id>")
@allow(*MANAGERS)
def employee(user_id: int):
    # the page shows the person's department, no roles
    user = db.session.get(User, user_id, options=[lazyload(User.roles), joinedload(User.department)])
    if user is None or not in_scope(current_user, user.department_id):
        abort(404)
    period, error = _period_or_error()
    if error:
        return _bad_period(error, user.name)
    fmt = request.args.get("format")
    if fmt:
        report = services.person_report(current_user, user, period)  # whose figures left in the file: recorded
        what, headers, table = _employee_tables(report, request.args.get("table", "cards"))
        return _export(fmt, what, headers, table, period, user.department_id, user.name)
    report = services.person_report(current_user, user, period)
    chart = charts.line_chart(
        [(c.visited_at.strftime("%Y-%m-%d"), {"shop": c.total_percent}) for c in report.cards],
        [("shop", str(_("Cards")))],
        title=str(_("Card results over time")),
    )
    page = render_template(
        "reports/employee.html",
        report=report,
        chart=chart,
        minimum=current_app.config["MIN_CARDS_FOR_SCORE"],
        period=period,
        **period_context(period),
    )
    # Committed once the page is written, as the exports are once the file is: a commit expires every row
    # loaded, and the page would read the person, the reader and each card back one statement at a time.
    db.session.commit()
    return page


@bp.route("/effect")
@allow(*MANAGERS)
def effect():
    """The training effect per skill and course: a difference in differences, withheld on too little data."""
    from app.content import services as content
    from app.reports import did

    period, error = _period_or_error()
    if error:
        return _bad_period(error, str(_("Training effect")))
    config = current_app.config
    effects = did.training_effects(
        period, scope_ids(current_user), config["EFFECT_MIN_CARDS"], config["EFFECT_MIN_PEOPLE"]
    )
    skill_names = _skill_names()
    courses = {v.item_id: v.title for v in content.published_all("course")}

    def points(value):
        return None if value is None else 100 * value

    chart = charts.interval_chart(
        [
            (
                skill_names.get(e.skill, e.skill),
                points(e.estimate.effect),
                *(points(v) for v in (e.estimate.ci or (None, None))),
            )
            for e in effects
        ],
        title=str(_("Training effect and its interval (95 per cent), in points")),
        missing=str(_("not enough data yet")),
    )
    return render_template(
        "reports/effect.html",
        period=period,
        effects=effects,
        chart=chart,
        skill_names=skill_names,
        courses=courses,
        points=points,
        minimum_cards=config["EFFECT_MIN_CARDS"],
        minimum_people=config["EFFECT_MIN_PEOPLE"],
        **period_context(period),
    )
