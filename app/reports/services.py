"""Reports for HR, aggregated in SQL: one row per department over its whole subtree.

Every figure comes from the database, mostly from the roll-ups kept as results arrive
(app.rollups); Python only adds up a row per department over the tree, from a fixed
number of queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import and_, bindparam, case, func, literal, null, select, true, union_all
from sqlalchemy.orm import lazyload

from app import rollups
from app.content.models import ContentItem, ContentVersion
from app.core import audit
from app.core.errors import BadInput
from app.core.i18n import lazy_gettext as _l
from app.core.inputs import FIRST_DAY, LAST_DAY, in_calendar
from app.extensions import db
from app.learning.models import QuizAttempt
from app.people.models import Department, User
from app.people.services import ancestors_of, subtree_ids, subtrees_ids
from app.rollups import CourseStatus, EffectMonthly, EffectPerson, ItemMonthly, ItemTotal
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


def _sums(kind: str, period: Period, dept_ids, *keys: str) -> dict[tuple, list[float]]:
    """The roll-up figures of ``kind`` summed per department (and ``keys``) over the period."""
    rows = rollups.period_rows(kind, period.start, period.end, dept_ids, dated=False)
    group = [rows.c.department_id, *(rows.c[k] for k in keys)]
    stmt = select(*group, *(func.sum(rows.c[m]) for m in rollups.MEASURES[kind])).group_by(*group)
    n = len(group)
    return {tuple(r[:n]): [float(v or 0) for v in r[n:]] for r in db.session.execute(stmt)}


def _company_sums(kind: str, period: Period) -> dict[tuple, list[float]]:
    """The roll-up figures of ``kind`` summed over the whole company and the period, in one row keyed ``(None,)``."""
    rows = rollups.period_rows(kind, period.start, period.end, None, dated=False)
    figures = db.session.execute(select(*(func.sum(rows.c[m]) for m in rollups.MEASURES[kind]))).one()
    return {(None,): [float(v or 0) for v in figures]}


def _headcount(dept_ids) -> dict[tuple, list[float]]:
    """Active people per department."""
    stmt = select(User.department_id, func.count(User.id)).where(User.active.is_(True), User.department_id.is_not(None))
    if dept_ids is not None:
        stmt = stmt.where(User.department_id.in_(dept_ids))
    return {(d,): [float(n)] for d, n in db.session.execute(stmt.group_by(User.department_id))}


def _assignment_stats(dept_ids, today: date) -> dict[tuple, list[float]]:
    """Assigned, completed and overdue (person, course) pairs per department, from the maintained course status.

    A recurring course that has reopened counts as done only if completed again in the new round.
    """
    done = CourseStatus.done.is_(True)
    stmt = select(
        CourseStatus.department_id,
        func.count(),
        func.sum(case((done, 1), else_=0)),
        func.sum(case((and_(~done, CourseStatus.due_on < today), 1), else_=0)),
    )
    if dept_ids is not None:
        stmt = stmt.where(CourseStatus.department_id.in_(dept_ids))
    return {
        (r[0],): [float(v or 0) for v in r[1:]] for r in db.session.execute(stmt.group_by(CourseStatus.department_id))
    }


def _over_subtrees(per_dept: dict[tuple, list[float]], chains: dict, wanted=None) -> dict[tuple, list[float]]:
    """Add each department's figures to itself and every department above it (limited to ``wanted``),
    given each department's chain from the department tree (itself first, then those above it).

    The first key is the department; further keys (a skill) are kept. ``None`` as department is the whole company.
    """
    out: dict[tuple, list[float]] = {}
    targets: dict = {}  # per department: where its figures go, found once however many keys it has
    for (dept, *rest), figures in per_dept.items():
        chain = targets.get(dept)
        if chain is None:
            above = chains.get(dept, [] if dept is None else [dept])
            chain = targets[dept] = [n for n in above if wanted is None or n in wanted] + [None]
        for node in chain:  # new lists, never added to in place: one list may start several totals
            key = (node, *rest)
            total = out.get(key)
            out[key] = figures if total is None else [a + b for a, b in zip(total, figures, strict=True)]
    return out


def _int(value) -> int:
    return int(value or 0)


def _fill(row: DepartmentRow, key, heads, cards, quizzes, assignments) -> DepartmentRow:
    row.employees = _int((heads.get(key) or [0])[0])
    c = cards.get(key)
    if c and c[0]:
        cards_n, scored, sum_percent, passed, critical, late = c
        row.shop_count, row.shop_avg_percent = _int(cards_n), sum_percent / scored if scored else None
        row.shop_pass_rate = _ratio(_int(passed), row.shop_count)
        row.critical_failures, row.late_cards = _int(critical), _int(late)
    q = quizzes.get(key)
    if q and q[0]:
        row.quiz_attempts, row.quiz_avg_percent = _int(q[0]), q[1] / q[0]
        row.quiz_pass_rate = _ratio(_int(q[2]), row.quiz_attempts)
    a = assignments.get(key)
    if a:
        row.assigned, row.completed, row.overdue = _int(a[0]), _int(a[1]), _int(a[2])
        row.completion_rate = _ratio(row.completed, row.assigned)
    row.level = level_for(row.shop_avg_percent, row.shop_count)
    return row


def department_report(
    period: Period | None = None, today: date | None = None, roots: list[int] | None = None
) -> list[DepartmentRow]:
    """One row per department, each over its whole subtree, in tree order.

    The database sums the roll-ups per department; the sums over each subtree are added up here,
    from at most a row per department. ``roots`` limits the rows to those departments (a department
    page needs itself and its children), and the sums to their subtrees.
    """
    return _report(period, today, roots)[0]


def company_report(
    period: Period | None = None, today: date | None = None, scope: set[int] | None = None
) -> tuple[list[DepartmentRow], DepartmentRow]:
    """Every department's row and the whole company's, from the same queries; for a ``scope`` (a scoped
    HR person's departments, see ``people.services.scope_ids``) its departments and their total as the
    "company"."""
    return _report(period, today, None if scope is None else sorted(scope))


def _report(period, today, roots) -> tuple[list[DepartmentRow], DepartmentRow]:
    period = period or Period()
    today = today or date.today()
    tree = _tree()
    chains = ancestors_of(None)
    ids = None if roots is None else sorted(subtrees_ids(roots))
    wanted = None if roots is None else set(roots)
    heads = _over_subtrees(_headcount(ids), chains, wanted)
    cards = _over_subtrees(_sums("shop", period, ids), chains, wanted)
    quizzes = _over_subtrees(_sums("quiz", period, ids), chains, wanted)
    assignments = _over_subtrees(_assignment_stats(ids, today), chains, wanted)
    rows = []
    for dept_id, path, parent, depth in tree:
        if wanted is not None and dept_id not in wanted:
            continue
        row = DepartmentRow(id=dept_id, path=path, parent_id=parent, depth=depth)
        rows.append(_fill(row, (dept_id,), heads, cards, quizzes, assignments))
    company = _fill(DepartmentRow(id=None, path="", parent_id=None), (None,), heads, cards, quizzes, assignments)
    return rows, company


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
    if scope is not None:
        ids = sorted(scope)
        shop = _over_subtrees(_sums("shop", period, ids), {}, wanted=set())
        if shop_only:
            return _fill(DepartmentRow(id=None, path="", parent_id=None), (None,), {}, shop, {}, {})
        return _report(period, today, ids)[1]

    def total(per_dept):  # only the company total is wanted
        return _over_subtrees(per_dept, {}, wanted=set())

    row = DepartmentRow(id=None, path="", parent_id=None)
    key = (None,)
    if shop_only:
        return _fill(row, key, {}, _company_sums("shop", period), {}, {})
    return _fill(
        row,
        key,
        total(_headcount(None)),
        _company_sums("shop", period),
        _company_sums("quiz", period),
        total(_assignment_stats(None, today)),
    )


# ---------------------------------------------------------------- per department detail
def item_failure_rates(dept_id: int | None, period: Period | None = None, limit: int = 20) -> list[dict]:
    """Checklist items by failure rate (no / applicable answers on approved cards), worst first.

    Over all time from the maintained per-department item totals; for a period, whole months from
    the monthly item rows and the days at its edges from the answers.
    """
    period = period or Period()
    ids = sorted(subtree_ids(dept_id)) if dept_id is not None else None
    if period.start is None and period.end is None:
        parts = [select(ItemTotal.item_id, ItemTotal.skill, ItemTotal.failed, ItemTotal.applicable)]
        if ids is not None:
            parts[0] = parts[0].where(ItemTotal.department_id.in_(ids))
    else:
        months, runs = rollups.cover_by_months(period.start, period.end)
        parts = []
        if months:
            parts.append(rollups.dated_rows(ItemMonthly, ("item_id", "skill", "failed", "applicable"), *months, ids))
        for n, (low, high, sign) in enumerate(runs):
            parts.append(rollups.item_rows_between(low, high, ids, sign, tag=str(n)))
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("item_rows")
    failed, applicable = func.sum(rows.c.failed), func.sum(rows.c.applicable)
    item_col = rows.c.item_id
    stmt = select(item_col, rows.c.skill, failed, applicable).group_by(item_col, rows.c.skill)
    stmt = stmt.having(applicable > 0).order_by((failed * 1.0 / applicable).desc(), item_col).limit(limit)
    from app.shopping.item_texts import item_texts

    texts = item_texts()
    return [
        {
            "item": r[0],
            "text": texts.get(r[0], r[0]),
            "skill": r[1] or None,
            "failed": int(r[2]),
            "applicable": int(r[3]),
            "rate": int(r[2]) / int(r[3]),
        }
        for r in db.session.execute(stmt)
    ]


def monthly_trend(dept_id: int | None, period: Period | None = None) -> list[dict]:
    """Average approved card percent and quiz percent per month, from the roll-ups.

    Attempts count where the person worked when they finished, as in the department report.
    """
    period = period or Period()
    if db.engine.dialect.name == "postgresql":

        def month(col):
            return func.to_char(col, "YYYY-MM")
    else:

        def month(col):
            return func.strftime("%Y-%m", col)

    ids = None if dept_id is None else sorted(subtree_ids(dept_id))  # as values: see department_report
    shop = rollups.period_rows("shop", period.start, period.end, ids)
    card_month = month(shop.c.day)
    cards = select(
        literal("shop"),
        card_month,
        func.sum(shop.c.sum_percent) / func.nullif(func.sum(shop.c.scored), 0),
        func.sum(shop.c.cards),
    ).group_by(card_month)
    quiz = rollups.period_rows("quiz", period.start, period.end, ids)
    quiz_month = month(quiz.c.day)
    quizzes = select(
        literal("quiz"),
        quiz_month,
        func.sum(quiz.c.sum_percent) / func.nullif(func.sum(quiz.c.attempts), 0),
        func.sum(quiz.c.attempts),
    ).group_by(quiz_month)
    out: dict[str, dict] = {}
    counts = {"shop": "cards", "quiz": "attempts"}
    for kind, m, avg, n in db.session.execute(union_all(cards, quizzes)):  # both in one round trip
        if not n:
            continue
        out.setdefault(m, {"month": m})[kind] = float(avg) if avg is not None else None
        out[m][counts[kind]] = int(n)
    return [out[k] for k in sorted(k for k in out if k)]


# ---------------------------------------------------------------- per employee
@dataclass
class EmployeeReport:
    user: User
    shop_count: int
    shop_avg_percent: float | None
    cards: list[Scorecard]
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


def employee_report(user: User, period: Period | None = None, today: date | None = None) -> EmployeeReport:
    """One person's learning and approved shop results; no shop average below the fairness minimum."""
    from app.learning.assigned import assigned_courses
    from app.shopping.models import Dispute
    from app.shopping.scores import approved_about, shop_average

    period = period or Period()
    cards = list(
        db.session.scalars(
            select(Scorecard)
            .where(approved_about(user.id, period))
            .order_by(Scorecard.visited_at)
            .options(lazyload(Scorecard.answers), lazyload(Scorecard.sections))  # the report shows totals only
        )
    )
    score = shop_average(user.id, period)
    titles = {
        item_id: (slug, title)
        for item_id, slug, title in db.session.execute(
            select(ContentItem.id, ContentItem.slug, ContentVersion.title)
            .join(ContentVersion, ContentVersion.id == ContentItem.published_version_id)
            .where(ContentItem.kind == "quiz")
        )
    }
    attempts = [
        {
            "quiz": titles.get(r[0], ("?", "?"))[0],
            "title": titles.get(r[0], ("?", "?"))[1],
            "attempts": r[1],
            "best_percent": float(r[2]) if r[2] is not None else None,
            "last_percent": None,
        }
        for r in db.session.execute(
            select(QuizAttempt.quiz_item_id, func.count(QuizAttempt.id), func.max(QuizAttempt.percent))
            .where(
                QuizAttempt.user_id == user.id, QuizAttempt.status == "finished", period.clause(QuizAttempt.finished_at)
            )
            .group_by(QuizAttempt.quiz_item_id)
        )
    ]
    last = {}
    for quiz_id, percent in db.session.execute(
        select(QuizAttempt.quiz_item_id, QuizAttempt.percent)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.status == "finished")
        .order_by(QuizAttempt.finished_at)
    ):
        last[titles.get(quiz_id, ("?",))[0]] = percent
    for a in attempts:
        a["last_percent"] = last.get(a["quiz"])
    rows = assigned_courses(user, today)
    assignments = [
        {
            "course": r.progress.version.item.slug,
            "title": r.progress.version.title,
            "reason": r.assignment.reason,
            "due": r.assignment.due_on.isoformat() if r.assignment.due_on else None,
            "due_on": r.assignment.due_on,
            "status": "completed"
            if r.progress.completed
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
    From the per-skill roll-ups; as everywhere in the reports, an attempt counts where the person
    worked when they finished it.
    """
    period = period or Period()
    chains = ancestors_of(None)
    wanted = set(dept_ids)
    # The database sums the rows of each shown department's subtree (less the subtrees of shown
    # departments below it) instead of sending a row per department and skill: a few dozen rows
    # come back, not thousands. Those sums are then added up the shown departments and the company.
    nearest: dict[int, list[int]] = {}
    for dept, chain in chains.items():
        node = next((a for a in chain if a in wanted), None)
        if node is not None:
            nearest.setdefault(node, []).append(dept)
    rows = rollups.period_rows("skill", period.start, period.end, None if scope is None else sorted(scope), dated=False)
    whens = [(rows.c.department_id.in_(sorted(ids)), d) for d, ids in sorted(nearest.items())]
    shown = case(*whens, else_=None) if whens else null()
    figures = (func.sum(rows.c[m]) for m in rollups.MEASURES["skill"])
    grouped = select(shown, rows.c.skill, *figures).group_by(*([shown] if whens else []), rows.c.skill)
    per_shown = {(d, skill): [float(v or 0) for v in figures] for d, skill, *figures in db.session.execute(grouped)}
    sums = _over_subtrees(per_shown, chains, wanted)
    cells: dict = {}
    for (dept, skill), (answers, correct, items, passed) in sums.items():
        if answers or items:
            cells.setdefault(dept, {})[skill] = SkillCell(_int(answers), _int(correct), _int(items), _int(passed))
    skills = sorted({s for row in cells.values() for s in row})
    return skills, cells


def training_effect(dept_id: int | None, period: Period | None = None) -> list[dict]:
    """Per skill: shop pass rate on its items, for the people who completed a course training it,
    on cards before and after their first such completion.

    Over all time from the maintained per-person rows (rollups.EffectPerson); for a period, whole
    months from their monthly split (rollups.EffectMonthly) and, at its edges, days from the cards
    added or taken away (rollups.cover_by_months).
    """
    period = period or Period()
    subtree = sorted(subtree_ids(dept_id)) if dept_id is not None else None
    if period.start is None and period.end is None:
        rows = select(EffectPerson).where(EffectPerson.answers > 0)
        if subtree is not None:
            rows = rows.where(EffectPerson.department_id.in_(subtree))
        rows = rows.subquery("effect_rows")
    else:
        figures = rollups.EFFECT_FIGURES
        columns = ("employee_id", "skill", *figures)
        months, runs = rollups.cover_by_months(period.start, period.end)
        parts = []
        if months is not None:
            parts.append(rollups.dated_rows(EffectMonthly, columns, *months, subtree))
        pairs = rollups.course_skill_pairs(db.session.execute) if runs else []
        if pairs:
            plus, minus = (
                [Period(low, high - timedelta(days=1)) for low, high, s in runs if s == sign] for sign in (1, -1)
            )
            edge = rollups.effect_select(pairs, periods=plus, minus=minus, departments=subtree)
            edge = edge.subquery("effect_edges")
            parts.append(select(*(edge.c[c] for c in columns)))
        if not parts:
            return []
        both = union_all(*parts).subquery("effect_parts")
        # Per person and skill first: a month less its days outside the period leaves those people
        # whose answers all fell outside it with nothing, and they must not count.
        rows = (
            select(both.c.employee_id, both.c.skill, *(func.sum(both.c[c]).label(c) for c in figures))
            .group_by(both.c.employee_id, both.c.skill)
            .having(func.sum(both.c.answers) > 0)
            .subquery("effect_rows")
        )
    stmt = (
        select(
            rows.c.skill,
            func.sum(rows.c.before_items),
            func.sum(rows.c.before_passed),
            func.sum(rows.c.after_items),
            func.sum(rows.c.after_passed),
            func.count(func.distinct(rows.c.employee_id)),
        )
        .group_by(rows.c.skill)
        .order_by(rows.c.skill)
    )
    out = []
    for skill, b_n, b_pass, a_n, a_pass, people in db.session.execute(stmt):
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
    value: float | None
    people: int
    hidden: bool


@lru_cache(maxsize=1)
def _team_statement():
    """A department's shop average and quiz average with how many people each rests on, in one statement
    built once (an employee's dashboard shows them; building the two queries took longer than running them)."""
    dept_id = bindparam("dept_id")
    shop = (
        select(
            func.avg(Scorecard.total_percent).label("avg"), func.count(func.distinct(Scorecard.employee_id)).label("n")
        )
        .where(
            Scorecard.department_id == dept_id,
            Scorecard.status == "approved",
            Scorecard.total_percent.is_not(None),  # the people the average rests on: cards with a result
        )
        .subquery()
    )
    colleagues = select(User.id).where(User.department_id == dept_id)
    quiz = (
        # by person (indexed): joining users let the planner walk every finished attempt of the company
        select(func.avg(QuizAttempt.percent).label("avg"), func.count(func.distinct(QuizAttempt.user_id)).label("n"))
        .where(QuizAttempt.user_id.in_(colleagues), QuizAttempt.status == "finished")
        .subquery()
    )
    return select(shop.c.avg, shop.c.n, quiz.c.avg, quiz.c.n).select_from(shop.join(quiz, true()))


def team_figures(user: User) -> dict[str, GroupFigure] | None:
    """The person's own department, for comparison on their dashboard.

    A figure is hidden when it rests on fewer people than MIN_GROUP_SIZE, so it cannot single anyone out.
    """
    if user.department_id is None:
        return None
    minimum = current_app.config["MIN_GROUP_SIZE"]
    shop_avg, shop_people, quiz_avg, quiz_people = db.session.execute(
        _team_statement(), {"dept_id": user.department_id}
    ).one()

    def figure(value, people):
        hidden = people < minimum
        return GroupFigure(None if hidden or value is None else float(value), people, hidden)

    return {"shop": figure(shop_avg, shop_people), "quiz": figure(quiz_avg, quiz_people)}
