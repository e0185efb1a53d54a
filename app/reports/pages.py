"""What the departments report page shows, worked out from the parsed request (the route only renders it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Row, bindparam, or_, select

from app.extensions import db
from app.people.models import Department, DepartmentTree
from app.reports import people, services


class NoSuchRoot(LookupError):
    """The asked root department is not among the rows the viewer may see."""


@dataclass
class DepartmentsPage:
    rows: list  # the rows shown: the root and its children, or the top departments (depth: below the first)
    root: object | None  # the root's row when one was asked for
    company: object  # the whole company's row (a scoped HR person's: their departments); on a department's page its card figures only
    skills: list[str]
    heat: dict


def _sorted(shown: list, sort: str | None, descending: bool, keep_first: bool) -> list:
    """``shown`` by a column (the root, when shown first, stays first); paths always A to Z."""
    if sort is None:
        return shown
    head, rest = (shown[:1], shown[1:]) if keep_first else ([], list(shown))
    if sort == "path":
        rest.sort(key=lambda r: r.path)
    else:
        rest.sort(key=lambda r: (getattr(r, sort) is None, getattr(r, sort) or 0), reverse=descending)
    return head + rest


def departments_page(
    period, scope: set[int] | None, root_id: int | None, sort: str | None, descending: bool
) -> DepartmentsPage:
    """The departments report: under ``root_id`` its row and its children's, else the top departments
    of the viewer's ``scope``; sorted by the column ``sort`` (already checked); with the skill heatmap of
    the rows shown. Raises NoSuchRoot for a root outside the rows. Only the departments shown are read,
    not the whole tree (500 departments on the large demo data)."""
    if root_id:
        tree = subtree(root_id)
        if tree is None or (scope is not None and root_id not in scope):
            raise NoSuchRoot(root_id)
        rows = _listed(tree)
    else:
        rows = [(*row, 0) for row in db.session.execute(_top_statement(scope is not None), _scope(scope))]
    # the rows shown only (a root before its children), with the company's total and the skills of both
    report = services.report_with_skills(period, scope, {row[0] for row in rows}, rows)
    return _page(report, root_id is not None, sort, descending)


@lru_cache(maxsize=2)
def _top_statement(scoped: bool):
    """The departments a report lists first, by name: those of the scope bound as ``scope`` (every one when
    not ``scoped``) whose parent is not in it. Built once."""
    top = select(Department.id, Department.path, Department.parent_id).order_by(Department.name, Department.id)
    if not scoped:
        return top.where(Department.parent_id.is_(None))
    scope = bindparam("scope", expanding=True)
    return top.where(Department.id.in_(scope), or_(Department.parent_id.is_(None), Department.parent_id.not_in(scope)))


def _scope(scope: set[int] | None) -> dict:
    return {} if scope is None else {"scope": sorted(scope)}


def _listed(tree: Subtree) -> list[tuple]:
    """(id, path, parent id, depth below the department) of a department and those right below it."""
    return [(d.id, d.path, d.parent_id, depth) for depth, d in [(0, tree.dept), *((1, d) for d in tree.below)]]


def _page(report: services.Report, rooted: bool, sort: str | None, descending: bool) -> DepartmentsPage:
    root = report.rows[0] if rooted else None
    shown = _sorted(report.rows, sort, descending, keep_first=rooted)
    return DepartmentsPage(shown, root, report.company, report.skills, report.heat)


@dataclass
class Subtree:
    """A department and every department below it, as read for its report page."""

    dept: Row  # id, name, path, parent_id
    below: list[Row]  # right below it, by name
    ids: list[int]  # the department's and every one's below it


# A department and every one below it (the closure table's rows at and under it), by name, built once.
_SUBTREE = (
    select(Department.id, Department.name, Department.path, Department.parent_id)
    .join(DepartmentTree, DepartmentTree.descendant_id == Department.id)
    .where(DepartmentTree.ancestor_id == bindparam("dept"))
    .order_by(Department.name, Department.id)
)


def subtree(dept_id: int) -> Subtree | None:
    """``dept_id`` with the departments right below it and the ids of its whole subtree, in one statement;
    None when there is no such department."""
    found = db.session.execute(_SUBTREE, {"dept": dept_id}).all()
    dept = next((d for d in found if d.id == dept_id), None)
    if dept is None:
        return None
    below = [d for d in found if d.parent_id == dept_id and d.id != dept_id]
    return Subtree(dept, below, sorted(d.id for d in found))


@dataclass
class DepartmentPage:
    below: DepartmentsPage  # the department's row first, then the departments right below it
    trend: list[dict]
    failures: list[dict]
    effect: list[dict]
    people: object  # one page of the people in its subtree, each with their figures (a Pagination of people.PersonRow)


def department_page(
    tree: Subtree, period, scope: set[int] | None, sort: str | None, descending: bool, page: int, per_page: int
) -> DepartmentPage:
    """The one report page of a department (read with :func:`subtree`): its figures and the company's (a
    scoped HR person's: their departments), the departments right below it with their skills, its monthly
    trend, the items failed most often, the training effect, and one page of its people with their
    figures, as many in all as its headcount."""
    dept = tree.dept
    below = _page(services.subtree_report(period, _listed(tree), tree.ids, scope), True, sort, descending)
    return DepartmentPage(
        below,
        services.monthly_trend(dept.id, period, subtree=tree.ids),
        services.item_failure_rates(dept.id, period, subtree=tree.ids),
        services.training_effect(dept.id, period, subtree=tree.ids),
        people.people_page(tree.ids, below.root.employees, period, page, per_page),
    )


def period_presets(today: date) -> list[tuple[str, date | None, date | None]]:
    """The periods offered as one-click links: (key, from, to); "all" is no period."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarter_end = _month_end(date(today.year, quarter_start.month + 2, 1))
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return [
        ("month", today.replace(day=1), _month_end(today)),
        ("last_month", last_month_end.replace(day=1), last_month_end),
        ("quarter", quarter_start, quarter_end),
        ("year", date(today.year, 1, 1), date(today.year, 12, 31)),
        ("all", None, None),
    ]


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
