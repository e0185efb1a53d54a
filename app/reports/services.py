"""Reports for HR, aggregated in SQL: one row per department over its whole subtree.

Every figure comes from the database, mostly from the roll-ups kept as results arrive
(app.rollups). The sums over each department's subtree are a join of the per-department sums
with the closure table department_tree, in the same statement: a fixed number of queries
whatever the data size, and Python only turns the sums into rates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import and_, bindparam, func, select, true

from app import rollups
from app.content.models import ContentItem, ContentVersion
from app.core import audit
from app.core.errors import BadInput
from app.core.i18n import lazy_gettext as _l
from app.core.inputs import FIRST_DAY, LAST_DAY, in_calendar
from app.extensions import db
from app.learning.models import QuizAttempt
from app.people.models import Department, User
from app.people.services import subtree_ids, subtrees_ids
from app.reports import statements
from app.shopping.models import Scorecard

LEVELS = ("zero", "formal", "functional", "culture", "full")


@dataclass
class Period:
    start: date | None = None
    end: date | None = None

    @property
    def start_dt(self) -> datetime | None:
        return datetime.combine(self.start, time.min) if self.start else None

    @property
    def end_dt(self) -> datetime | None:
        return datetime.combine(self.end + timedelta(days=1), time.min) if self.end else None

    def clause(self, column):
        parts = []
        if self.start_dt:
            parts.append(column >= self.start_dt)
        if self.end_dt:
            parts.append(column < self.end_dt)
        return and_(*parts) if parts else true()


@dataclass
class DepartmentRow:
    id: int | None
    path: str
    parent_id: int | None
    depth: int = 0
    employees: int = 0
    shop_count: int = 0
    shop_avg_percent: float | None = None
    shop_pass_rate: float | None = None
    critical_failures: int = 0
    late_cards: int = 0
    quiz_attempts: int = 0
    quiz_avg_percent: float | None = None
    quiz_pass_rate: float | None = None
    assigned: int = 0
    completed: int = 0
    overdue: int = 0
    completion_rate: float | None = None
    level: str | None = None

    def as_api(self) -> dict:
        data = asdict(self)
        data.pop("depth")
        data.pop("late_cards")
        return data


def parse_period(start: str | None, end: str | None) -> Period:
    """The period of a report from its ``from`` and ``to`` texts (ISO dates, either may be empty).

    Raises BadInput for a text that is not a date, a date outside FIRST_DAY..LAST_DAY (the
    calendar arithmetic of the reports steps a day and a month past ``to``, which 9999-12-31 has
    not got), or a ``from`` after ``to``.
    """
    days: dict[str, date | None] = {}
    for name, raw in (("from", start), ("to", end)):
        raw = (raw or "").strip()
        days[name] = None
        if not raw:
            continue
        try:
            days[name] = date.fromisoformat(raw)
        except ValueError:
            raise BadInput(_l("'%(name)s' must be a date like 2026-01-31.", name=name), field=name) from None
        if not in_calendar(days[name]):
            raise BadInput(
                _l(
                    "'%(name)s' must be a date from %(first)s to %(last)s.",
                    name=name,
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                ),
                field=name,
            )
    if days["from"] and days["to"] and days["from"] > days["to"]:
        raise BadInput(_l("'from' must not be after 'to'."), field="from")
    return Period(days["from"], days["to"])


def level_for(shop_avg: float | None, shop_count: int) -> str | None:
    """The customer-orientation level from the shop average, using the thresholds in settings."""
    if shop_avg is None or shop_count == 0:
        return None
    thresholds = current_app.config["LEVEL_THRESHOLDS"]  # minimum average for formal, functional, culture, full
    level = 0
    for i, minimum in enumerate(thresholds, start=1):
        if shop_avg >= minimum:
            level = i
    return LEVELS[level]


def _ratio(part, whole) -> float | None:
    return None if not whole else part / whole


def _figures(period: Period, today: date, shape, roots=None, departments=None, company_departments=None):
    """The figures of a report statement (``statements.report_statement`` of ``shape``): the departments
    ``roots`` each over its subtree, read from ``departments`` (all when None), and the company's, in one
    statement. Returns ``(sums, skills, cells)``: sums keyed ``(kind, department)`` (None: the company),
    each the kind's figures (``FIGURES``) as floats; the skills in order; per department (None: the
    company) and skill a :class:`SkillCell`, where there are quiz answers or shop items of the skill."""
    params = {"today": today}
    for name, ids, bound in (
        ("roots", roots, shape.rooted),
        ("departments", departments, shape.within),
        ("company_departments", company_departments, shape.company_within),
    ):
        if bound:
            params[name] = sorted(ids)
    sums: dict[tuple, list[float]] = {}
    cells: dict = {}
    stmt = statements.report_statement(period.start, period.end, shape)
    for node, kind, skill, *values in db.session.execute(stmt, params):
        if kind != statements.SKILL:
            sums[(kind, node)] = [float(v or 0) for v in values[: statements.FIGURES[kind]]]
            continue
        answers, correct, items, passed = (_int(v) for v in values[:4])
        if answers or items:
            cells.setdefault(node, {})[skill] = SkillCell(answers, correct, items, passed)
    return sums, sorted({s for row in cells.values() for s in row}), cells


def _int(value) -> int:
    return int(value or 0)


def _fill(row: DepartmentRow, sums: dict[tuple, list[float]], key=None) -> DepartmentRow:
    """``row`` filled from ``sums`` (keyed ``(kind, department)``) at department ``key`` (None: the company)."""
    heads = sums.get(("heads", key))
    row.employees = _int(heads[0]) if heads else 0
    c = sums.get(("shop", key))
    if c and c[0]:
        cards_n, _scored, _sum_percent, passed, critical, late = c
        row.shop_count, row.shop_avg_percent = _int(cards_n), rollups.average("shop", c)
        row.shop_pass_rate = _ratio(_int(passed), row.shop_count)
        row.critical_failures, row.late_cards = _int(critical), _int(late)
    q = sums.get(("quiz", key))
    if q and q[0]:
        row.quiz_attempts, row.quiz_avg_percent = _int(q[0]), rollups.average("quiz", q)
        row.quiz_pass_rate = _ratio(_int(q[2]), row.quiz_attempts)
    a = sums.get(("assigned", key))
    if a:
        row.assigned, row.completed, row.overdue = _int(a[0]), _int(a[1]), _int(a[2])
        row.completion_rate = _ratio(row.completed, row.assigned)
    row.level = level_for(row.shop_avg_percent, row.shop_count)
    return row


def department_report(
    period: Period | None = None, today: date | None = None, roots: list[int] | None = None
) -> list[DepartmentRow]:
    """One row per department, each over its whole subtree, in tree order.

    The database sums the figures per department and over each subtree (a join with the closure
    table), in one statement. ``roots`` limits the rows to those departments (a department page
    needs itself and its children), and the sums to their subtrees.
    """
    return _report(period, today, roots).rows


def company_report(
    period: Period | None = None, today: date | None = None, scope: set[int] | None = None, only=None, tree=None
) -> tuple[list[DepartmentRow], DepartmentRow]:
    """Every department's row and the whole company's, from the same statement; for a ``scope`` (a scoped
    HR person's departments, see ``people.services.scope_ids``) its departments and their total as the
    "company". ``only`` (department ids) fills just those rows, the company's total unchanged: a page
    shows a handful of departments, an export all of them, and summing every subtree took most of the
    page's time on a large company. ``tree``: the departments listed, as ``(id, path, parent id, depth)`` in
    tree order, when the caller has read them already (else every department, in tree order)."""
    report = _report(period, today, None if scope is None else sorted(scope), only, tree)
    return report.rows, report.company


@dataclass
class Report:
    rows: list[DepartmentRow]
    company: DepartmentRow  # the whole company's row (a scoped HR person's: their departments')
    skills: list[str]  # the skills with figures, in order (none unless asked for)
    heat: dict  # per department shown (None: the company) and skill, a SkillCell


def report_with_skills(period: Period, scope: set[int] | None, only, tree) -> Report:
    """:func:`company_report` with the skill heatmap of the same rows and the company, in one statement."""
    return _report(period, None, None if scope is None else sorted(scope), only, tree, skills=True)


def _report(period, today, roots, only=None, tree=None, skills: bool = False) -> Report:
    period = period or Period()
    today = today or date.today()
    tree = _tree() if tree is None else tree
    ids = None if roots is None else sorted(subtrees_ids(roots))
    wanted = None if roots is None else set(roots)
    if only is not None:
        wanted = set(only) if wanted is None else wanted & set(only)
    shape = statements.Shape(rooted=wanted is not None, within=ids is not None, skills=skills)
    shown = [row for row in tree if wanted is None or row[0] in wanted]
    return _filled(shown, *_figures(period, today, shape, wanted, ids))


def subtree_report(period: Period, rows: list[tuple], subtree: list[int], scope: set[int] | None) -> Report:
    """A department's page: ``rows`` (``(id, path, parent id, depth)``: the department and those right below
    it), each over its subtree, read from ``subtree`` (the department's) alone, with their skills; the
    company's row (a scoped HR person's: their departments') has its card figures only, which the page
    compares. One statement."""
    shape = statements.Shape(within=True, company="shop", company_within=scope is not None)
    return _filled(rows, *_figures(period, date.today(), shape, [r[0] for r in rows], subtree, scope))


def _filled(rows: list[tuple], sums: dict[tuple, list[float]], skill_names: list[str], cells: dict) -> Report:
    """The report of ``rows`` (``(id, path, parent id, depth)``) and the company, from :func:`_figures`."""
    filled = [
        _fill(DepartmentRow(id=i, path=path, parent_id=parent, depth=depth), sums, i) for i, path, parent, depth in rows
    ]
    return Report(filled, _company(sums), skill_names, cells)


def _company(sums: dict[tuple, list[float]]) -> DepartmentRow:
    return _fill(DepartmentRow(id=None, path="", parent_id=None), sums)


def _tree() -> list[tuple[int, str, int | None, int]]:
    """(id, path, parent id, depth) of every department, depth first with siblings by name, in one query."""
    children: dict = {}
    rows = select(Department.id, Department.path, Department.parent_id).order_by(Department.name, Department.id)
    for dept_id, path, parent in db.session.execute(rows):
        children.setdefault(parent, []).append((dept_id, path))
    out, seen = [], set()
    stack = [(dept_id, path, None, 0) for dept_id, path in reversed(children.get(None, []))]
    while stack:
        dept_id, path, parent, depth = stack.pop()
        if dept_id in seen:  # a cycle written past the services is walked once
            continue
        seen.add(dept_id)
        out.append((dept_id, path, parent, depth))
        stack.extend((c, p, dept_id, depth + 1) for c, p in reversed(children.get(dept_id, [])))
    return out


def company_row(
    period: Period | None = None, today: date | None = None, shop_only: bool = False, scope: set[int] | None = None
) -> DepartmentRow:
    """The whole company in one row, for comparison (``shop_only``: just the mystery-shop figures); for a
    ``scope``, the total of its departments."""
    period = period or Period()
    today = today or date.today()
    if shop_only:
        shape = statements.Shape(company="shop", company_within=scope is not None, skills=False)
        return _company(_figures(period, today, shape, [], None, scope)[0])
    if scope is not None:
        return _report(period, today, sorted(scope)).company
    return _company(_figures(period, today, statements.Shape(skills=False), [])[0])


# ---------------------------------------------------------------- per department detail
def _subtree(dept_id: int | None, subtree: list[int] | None) -> list[int] | None:
    """The ids of ``dept_id``'s subtree as values (None for the whole company): ``subtree`` when the
    caller has read it already, else one query."""
    if dept_id is None:
        return None
    return subtree if subtree is not None else sorted(subtree_ids(dept_id))


def item_failure_rates(
    dept_id: int | None, period: Period | None = None, limit: int = 20, subtree: list[int] | None = None
) -> list[dict]:
    """Checklist items by failure rate (no / applicable answers on approved cards), worst first.

    Over all time from the maintained per-department item totals; for a period, whole months from
    the monthly item rows and the days at its edges from the answers.
    """
    period = period or Period()
    ids = _subtree(dept_id, subtree)
    stmt = statements.failures_statement(period.start, period.end, ids is not None, limit)
    from app.shopping.item_texts import item_texts

    texts = item_texts()
    return [
        {
            "item": r[0],
            "text": texts.get(r[0], r[0]),
            "skill": r[1] or None,
            "failed": int(r[2]),
            "applicable": int(r[3]),
            "rate": float(r.rate),
        }
        for r in db.session.execute(stmt, _bound(ids))
    ]


def _bound(ids: list[int] | None) -> dict:
    """The parameters of a statement reading the departments ``ids`` (all when None)."""
    return {} if ids is None else {"departments": ids}


def monthly_trend(dept_id: int | None, period: Period | None = None, subtree: list[int] | None = None) -> list[dict]:
    """Average approved card percent and quiz percent per month, from the roll-ups.

    Attempts count where the person worked when they finished, as in the department report.
    """
    period = period or Period()
    ids = _subtree(dept_id, subtree)
    stmt = statements.trend_statement(db.engine.dialect.name, period.start, period.end, ids is not None)
    out: dict[str, dict] = {}
    for kind, m, *sums in db.session.execute(stmt, _bound(ids)):  # both in one round trip
        figures = sums[: len(rollups.MEASURES[kind])]
        n = figures[rollups.MEASURES[kind].index(statements.TREND[kind])]
        if not n:
            continue
        out.setdefault(m, {"month": m})[kind] = rollups.average(kind, figures)
        out[m][statements.TREND[kind]] = int(n)
    return [out[k] for k in sorted(k for k in out if k)]


# ---------------------------------------------------------------- per employee
@dataclass
class EmployeeReport:
    user: User
    shop_count: int
    shop_avg_percent: float | None
    cards: list  # rows: id, visited_at, total_percent, passed, critical_failed, department_path
    attempts: list[dict]
    assignments: list[dict] = field(default_factory=list)
    open_disputes: int = 0


def record_person_view(actor, user: User, period: Period) -> None:
    """Write to the audit log that ``actor`` (HR or an admin) read ``user``'s own report, for ``period``."""
    audit.record(
        actor,
        "report.person_view",
        "user",
        user.id,
        None,
        {
            "from": period.start.isoformat() if period.start else None,
            "to": period.end.isoformat() if period.end else None,
        },
    )


def person_report(actor, user: User, period: Period | None = None) -> EmployeeReport:
    """``user``'s report as ``actor`` (HR or an admin) reads it, the reading written to the audit log."""
    period = period or Period()
    record_person_view(actor, user, period)
    return employee_report(user, period)


def employee_report(user: User, period: Period | None = None, today: date | None = None) -> EmployeeReport:
    """One person's learning and approved shop results; no shop average below the fairness minimum."""
    from app.learning.assigned import assigned_courses
    from app.shopping.models import Dispute
    from app.shopping.scores import shop_average

    period = period or Period()
    cards = db.session.execute(_cards(period.start, period.end), {"user": user.id}).all()
    score = shop_average(user.id, period)
    attempts = [
        {
            "quiz": slug if title is not None else "?",
            "title": title if title is not None else "?",
            "attempts": n,
            "best_percent": float(best) if best is not None else None,
            "last_percent": last,
        }
        for _quiz, slug, title, n, best, last in db.session.execute(
            _quiz_attempts(period.start, period.end), {"user": user.id}
        )
    ]
    rows = assigned_courses(user, today)
    assignments = [
        {
            "course": r.progress.version.slug,
            "title": r.progress.version.title,
            "reason": r.assignment.reason,
            "due": r.assignment.due_on.isoformat() if r.assignment.due_on else None,
            "due_on": r.assignment.due_on,
            "status": "completed"
            if r.done
            else "overdue"
            if r.overdue
            else "in_progress"
            if r.progress.started
            else "not_started",
        }
        for r in rows
    ]
    disputes = db.session.scalar(
        select(func.count(Dispute.id)).where(Dispute.employee_id == user.id, Dispute.status == "open")
    )
    return EmployeeReport(
        user,
        score.cards,
        score.average,  # over the cards with a result, none below the fairness minimum
        cards,
        attempts,
        assignments,
        disputes,
    )


@lru_cache(maxsize=32)
def _cards(start: date | None, end: date | None):
    """The approved cards about a person (bound as ``user``) visited in the period, oldest first, with what
    the report and its exports show of each: rows, not cards with their answers. Built once per period."""
    from app.shopping.scores import approved_about

    return (
        select(
            Scorecard.id,
            Scorecard.visited_at,
            Scorecard.total_percent,
            Scorecard.passed,
            Scorecard.critical_failed,
            Department.path.label("department_path"),
        )
        .outerjoin(Department, Department.id == Scorecard.department_id)
        .where(approved_about(bindparam("user"), Period(start, end)))
        .order_by(Scorecard.visited_at, Scorecard.id)
    )


@lru_cache(maxsize=32)
def _quiz_attempts(start: date | None, end: date | None):
    """Per quiz the person (bound as ``user``) finished in the period: its slug and title (None when not
    published), the attempts, the best percent in the period and the percent of their latest attempt at
    all; one statement, built once per period.

    The latest attempt of each quiz is ranked in one pass over the person's finished attempts: a
    subquery per quiz, each reading all of them, took 1.9 ms for a person with 100 attempts at 42
    quizzes (SQLite, large demo data), against 0.3 ms."""
    period = Period(start, end)
    finished = and_(QuizAttempt.user_id == bindparam("user"), QuizAttempt.status == "finished")
    latest = (
        select(
            QuizAttempt.quiz_item_id,
            QuizAttempt.percent,
            func.row_number()
            .over(
                partition_by=QuizAttempt.quiz_item_id,
                order_by=(QuizAttempt.finished_at.desc(), QuizAttempt.id.desc()),
            )
            .label("rank"),
        )
        .where(finished)
        .subquery("latest")
    )
    return (
        select(
            QuizAttempt.quiz_item_id,
            ContentItem.slug,
            ContentVersion.title,
            func.count(QuizAttempt.id),
            func.max(QuizAttempt.percent),
            latest.c.percent,
        )
        .join(latest, and_(latest.c.quiz_item_id == QuizAttempt.quiz_item_id, latest.c.rank == 1))
        .outerjoin(ContentItem, and_(ContentItem.id == QuizAttempt.quiz_item_id, ContentItem.kind == "quiz"))
        .outerjoin(ContentVersion, ContentVersion.id == ContentItem.published_version_id)
        .where(finished, period.clause(QuizAttempt.finished_at))
        .group_by(QuizAttempt.quiz_item_id, ContentItem.slug, ContentVersion.title, latest.c.percent)
        .order_by(QuizAttempt.quiz_item_id)
    )


def courses_count() -> int:
    return db.session.scalar(select(func.count(ContentItem.id)).where(ContentItem.kind == "course"))


# ---------------------------------------------------------------- skills
@dataclass
class SkillCell:
    quiz_answers: int = 0
    quiz_correct: int = 0
    shop_items: int = 0
    shop_passed: int = 0

    @property
    def quiz_rate(self) -> float | None:
        return _ratio(self.quiz_correct, self.quiz_answers)

    @property
    def shop_rate(self) -> float | None:
        return _ratio(self.shop_passed, self.shop_items)


def skill_heatmap(
    dept_ids: list[int], period: Period | None = None, scope: set[int] | None = None
) -> tuple[list[str], dict]:
    """Departments x skills: quiz accuracy on questions of the skill and shop pass rate on its items.

    Returns (skills in order, {dept_id: {skill: SkillCell}}); ``None`` as a key is the whole company.
    From the per-skill roll-ups, read by the statement of the report's rows (:func:`report_with_skills`);
    as everywhere in the reports, an attempt counts where the person worked when they finished it.
    """
    shape = statements.Shape(within=scope is not None)
    _sums, skills, cells = _figures(period or Period(), date.today(), shape, set(dept_ids), scope)
    return skills, cells


def training_effect(dept_id: int | None, period: Period | None = None, subtree: list[int] | None = None) -> list[dict]:
    """Per skill: shop pass rate on its items, for the people who completed a course training it,
    on cards before and after their first such completion.

    Over all time from the maintained per-person rows (rollups.EffectPerson); for a period, whole
    months from their monthly split (rollups.EffectMonthly) and, at its edges, days from the cards
    added or taken away (rollups.cover_by_months).
    """
    period = period or Period()
    subtree = _subtree(dept_id, subtree)
    runs = rollups.cover_by_months(period.start, period.end)[1] if period.start or period.end else []
    pairs = tuple(rollups.course_skill_pairs(db.session.execute)) if runs else ()
    stmt = statements.effect_statement(period.start, period.end, subtree is not None, pairs)
    if stmt is None:
        return []
    out = []
    for skill, b_n, b_pass, a_n, a_pass, people in db.session.execute(stmt, _bound(subtree)):
        b_n, b_pass, a_n, a_pass = (int(v or 0) for v in (b_n, b_pass, a_n, a_pass))
        b_rate, a_rate = _ratio(b_pass, b_n), _ratio(a_pass, a_n)
        out.append(
            {
                "skill": skill,
                "people": people,
                "before_items": b_n,
                "before_rate": b_rate,
                "after_items": a_n,
                "after_rate": a_rate,
                "change": (a_rate - b_rate) if a_rate is not None and b_rate is not None else None,
            }
        )
    return out


# ---------------------------------------------------------------- views for people without HR rights
@dataclass
class GroupFigure:
    value: float | None  # None when hidden
    people: int  # how many people the figure rests on, counted up to MIN_GROUP_SIZE
    hidden: bool


def team_figures(user: User) -> dict[str, GroupFigure] | None:
    """The person's own department, for comparison on their dashboard: its shop and quiz averages as on its
    report (over its subtree, all time), with how many people each rests on.

    A figure is hidden when it rests on fewer people than MIN_GROUP_SIZE, so it cannot single anyone out.
    """
    if user.department_id is None:
        return None
    minimum = current_app.config["MIN_GROUP_SIZE"]
    params = {"dept_id": user.department_id, "minimum": max(minimum, 0)}
    row = db.session.execute(statements.team_statement(), params).one()
    out, at = {}, 0
    for kind in statements.TEAM:  # per kind its figures summed, then its people
        width = len(rollups.MEASURES[kind])
        figures, people = row[at : at + width], _int(row[at + width])
        at += width + 1
        hidden = people < minimum
        out[kind] = GroupFigure(None if hidden else rollups.average(kind, figures), people, hidden)
    return out
