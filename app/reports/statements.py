"""The reports' statements, each built once per period and departments and kept (an lru_cache of
immutable statements): building and keying one of them took several times longer than running it.
Values that change from request to request (today, the departments shown) are bound parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Date, Float, Integer, and_, bindparam, cast, func, literal, null, select, true, union_all

from app import rollups
from app.people.models import DepartmentTree, User
from app.rollups import CourseStatusCount, EffectMonthly, EffectPerson, ItemMonthly, ItemTotal

# Each kind of figure, per department: the statement's label and how many figures it has.
FIGURES = {"heads": 1, "shop": len(rollups.MEASURES["shop"]), "quiz": len(rollups.MEASURES["quiz"]), "assigned": 3}
WIDTH = max(FIGURES.values())
# The monthly trend's kinds, each with the figure it counts (the cards, the attempts).
TREND = {"shop": "cards", "quiz": "attempts"}
# The averages an employee's dashboard compares with their department's.
TEAM = ("shop", "quiz")


def _padded(stmt_columns: list, n: int) -> list:
    """``stmt_columns`` and zeros up to WIDTH figures, so every kind's rows fit one UNION ALL."""
    return [*stmt_columns, *(literal(0) for _ in range(WIDTH - n))]


def _per_department(start: date | None, end: date | None, dept_ids):
    """Every figure of the report per department, one row per (department, kind): headcount, shop
    and quiz roll-ups over the period, and the assigned, completed and overdue (person, course) pairs
    from the maintained counts of course status (overdue: due before the bound parameter ``today``; a
    recurring course that has reopened counts as done only if completed again in the new round); one UNION ALL."""
    heads = select(User.department_id, literal("heads"), *_padded([func.count(User.id)], 1)).where(
        User.active.is_(True), User.department_id.is_not(None)
    )
    counts = CourseStatusCount
    done, n = counts.done.is_(True), func.sum(counts.n)
    assigned = select(
        counts.department_id,
        literal("assigned"),
        *_padded(  # from the counts per due date: a fifteenth of the course status rows on the large demo
            [n, n.filter(done), n.filter(and_(~done, counts.due_on < bindparam("today", type_=Date)))],
            3,
        ),
    )
    if dept_ids is not None:
        heads = heads.where(User.department_id.in_(dept_ids))
        assigned = assigned.where(counts.department_id.in_(dept_ids))
    parts = [heads.group_by(User.department_id), assigned.group_by(counts.department_id)]
    for kind in ("shop", "quiz"):
        rows = rollups.period_rows(kind, start, end, dept_ids, dated=False)
        sums = [func.sum(rows.c[m]) for m in rollups.MEASURES[kind]]
        parts.append(
            select(rows.c.department_id, literal(kind), *_padded(sums, len(sums))).group_by(rows.c.department_id)
        )
    return union_all(*parts)


def _departments(within: bool):
    """The departments a statement reads, bound as ``departments`` (values: the planner uses the department
    index), or None for all of them."""
    return bindparam("departments", expanding=True) if within else None


@lru_cache(maxsize=64)
def failures_statement(start: date | None, end: date | None, within: bool, limit: int):
    """The statement of ``services.item_failure_rates``, built once per period (building it took longer than
    running it), the departments bound as ``departments`` when ``within``."""
    ids = _departments(within)
    if start is None and end is None:
        parts = [select(ItemTotal.item_id, ItemTotal.skill, ItemTotal.failed, ItemTotal.applicable)]
        if ids is not None:
            parts[0] = parts[0].where(ItemTotal.department_id.in_(ids))
    else:
        months, runs = rollups.cover_by_months(start, end)
        parts = []
        if months:
            parts.append(rollups.dated_rows(ItemMonthly, ("item_id", "skill", "failed", "applicable"), *months, ids))
        for n, (low, high, sign) in enumerate(runs):
            parts.append(rollups.item_rows_between(low, high, ids, sign, tag=str(n)))
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("item_rows")
    failed, applicable = func.sum(rows.c.failed), func.sum(rows.c.applicable)
    rate = (cast(failed, Float) / applicable).label("rate")  # the failure rate, worked out here only
    item_col = rows.c.item_id
    stmt = select(item_col, rows.c.skill, failed, applicable, rate).group_by(item_col, rows.c.skill)
    return stmt.having(applicable > 0).order_by(rate.desc(), item_col).limit(limit)


@lru_cache(maxsize=64)
def trend_statement(dialect: str, start: date | None, end: date | None, within: bool):
    """The statement of ``services.monthly_trend``, built once per database kind and period, the departments
    bound as ``departments`` when ``within``."""
    if dialect == "postgresql":

        def month(col):
            return func.to_char(col, "YYYY-MM")
    else:

        def month(col):
            return func.strftime("%Y-%m", col)

    ids = _departments(within)
    parts = []
    for kind in TREND:  # every figure of the kind summed per month, padded to one width for the UNION
        rows = rollups.period_rows(kind, start, end, ids)
        per_month = month(rows.c.day)
        sums = [func.sum(rows.c[m]) for m in rollups.MEASURES[kind]]
        parts.append(select(literal(kind), per_month, *_padded(sums, len(sums))).group_by(per_month))
    return union_all(*parts)


@lru_cache(maxsize=1)
def team_statement():
    """The statement of ``services.team_figures``, built once, the department bound as ``dept_id``: per kind
    (``TEAM``) its figures summed over the department's subtree, all time, as on the department's report,
    then how many people they rest on, counted up to the bound ``minimum``."""
    subtree = select(DepartmentTree.descendant_id).where(DepartmentTree.ancestor_id == bindparam("dept_id"))
    sums, columns = [], []
    for kind in TEAM:
        rows = rollups.period_rows(kind, None, None, subtree, dated=False)
        figures = (func.sum(rows.c[m]).label(f"{kind}_{m}") for m in rollups.MEASURES[kind])
        sums.append(select(*figures).subquery(f"{kind}_sums"))
        minimum = bindparam("minimum", type_=Integer, literal_execute=True)  # in the SQL: see people_counted
        people = rollups.people_counted(kind, subtree, minimum).scalar_subquery()
        columns += [*sums[-1].c, people.label(f"{kind}_people")]
    return select(*columns).select_from(sums[0].join(sums[1], true()))


@lru_cache(maxsize=64)
def effect_statement(start: date | None, end: date | None, within: bool, pairs: tuple):
    """The statement of ``services.training_effect``, built once per period and (for the days at a period's
    edges) the courses' skills, the departments bound as ``departments`` when ``within``; None when there is
    nothing to read."""
    from app.reports import services

    subtree = _departments(within)
    if start is None and end is None:
        rows = select(EffectPerson).where(EffectPerson.answers > 0)
        if subtree is not None:
            rows = rows.where(EffectPerson.department_id.in_(subtree))
        rows = rows.subquery("effect_rows")
    else:
        figures = rollups.EFFECT_FIGURES
        columns = ("employee_id", "skill", *figures)
        months, runs = rollups.cover_by_months(start, end)
        parts = []
        if months is not None:
            parts.append(rollups.dated_rows(EffectMonthly, columns, *months, subtree))
        if pairs:
            plus, minus = (
                [services.Period(low, high - timedelta(days=1)) for low, high, s in runs if s == sign]
                for sign in (1, -1)
            )
            edge = rollups.effect_select(list(pairs), periods=plus, minus=minus, departments=subtree)
            edge = edge.subquery("effect_edges")
            parts.append(select(*(edge.c[c] for c in columns)))
        if not parts:
            return None
        both = union_all(*parts).subquery("effect_parts")
        # Per person and skill first: a month less its days outside the period leaves those people
        # whose answers all fell outside it with nothing, and they must not count.
        rows = (
            select(both.c.employee_id, both.c.skill, *(func.sum(both.c[c]).label(c) for c in figures))
            .group_by(both.c.employee_id, both.c.skill)
            .having(func.sum(both.c.answers) > 0)
            .subquery("effect_rows")
        )
    return (
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


# The kind of a report statement's rows that carry a department's (or the company's) figures of one skill.
SKILL = "skill"


@dataclass(frozen=True)
class Shape:
    """What a report statement reads (see :func:`report_statement`); every set of departments is bound."""

    rooted: bool = True  # rows for the departments bound as ``roots`` only, else for every department
    within: bool = False  # figures from the departments bound as ``departments`` only, else from all
    company: str = "all"  # the company's row: "all" its figures, or "shop" its card figures only
    company_within: bool = False  # "shop": over the departments bound as ``company_departments``, else all
    skills: bool = True  # the figures per skill too


@lru_cache(maxsize=64)
def report_statement(start: date | None, end: date | None, shape: Shape):
    """The figures of a report's departments, each over its subtree, and the company's, in one statement.

    Per department (the ``roots`` bound, or every one) one row per kind of :data:`FIGURES` and (with
    ``shape.skills``) one per skill (kind :data:`SKILL`), read from the departments bound as ``departments``
    when ``shape.within``, else from all of them. The subtree sums are a join of the per-department sums
    with the closure table. The company's rows, keyed None: with ``shape.company`` "all" every kind and
    skill summed over the same departments (the whole company, or a scoped HR person's departments), read
    once as a WITH; with "shop" its card figures only, over ``company_departments`` when
    ``shape.company_within``: a department's page compares its card average only, and needs neither the
    figures of every department nor the company's skills.

    Columns: department (None for the company), kind, skill (None but on skill rows), the figures padded
    to WIDTH. Built once per period and shape, the departments bound: building it took several times
    longer than running it. Skill rows are summed per department and skill once (a WITH): as a subquery in
    each part, the 57,000 monthly rows of the large demo were summed twice (29 → 18 ms of SQLite CPU).
    """
    departments = _departments(shape.within)
    per_dept = _per_department(start, end, departments).cte("per_department")
    dept, kind, *figures = per_dept.c
    tree = DepartmentTree
    roots = tree.ancestor_id.in_(bindparam("roots", expanding=True)) if shape.rooted else true()
    no_skill = null().label("skill")
    parts = [
        select(tree.ancestor_id, kind, no_skill, *(func.sum(f) for f in figures))
        .join(tree, tree.descendant_id == dept)
        .where(roots)
        .group_by(tree.ancestor_id, kind)
    ]
    if shape.company == "all":
        parts.append(select(null(), kind, no_skill, *(func.sum(f) for f in figures)).group_by(kind))
    else:
        scope = bindparam("company_departments", expanding=True) if shape.company_within else None
        shop = rollups.period_rows("shop", start, end, scope, dated=False)
        sums = [func.sum(shop.c[m]) for m in rollups.MEASURES["shop"]]
        parts.append(select(null(), literal("shop"), no_skill, *_padded(sums, len(sums))))
    if shape.skills:
        skills = select(*rollups.period_rows("skill", start, end, departments, dated=False).c).cte("skill_sums")
        sums = [func.sum(skills.c[m]) for m in rollups.MEASURES["skill"]]
        sums = _padded(sums, len(sums))
        parts.append(
            select(tree.ancestor_id, literal(SKILL), skills.c.skill, *sums)
            .join(tree, tree.descendant_id == skills.c.department_id)
            .where(roots)
            .group_by(tree.ancestor_id, skills.c.skill)
        )
        if shape.company == "all":
            parts.append(select(null(), literal(SKILL), skills.c.skill, *sums).group_by(skills.c.skill))
    return union_all(*parts)
