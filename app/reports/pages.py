"""What the departments report page shows, worked out from the parsed request (the route only renders it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.reports import people, services


class NoSuchRoot(LookupError):
    """The asked root department is not among the rows the viewer may see."""


@dataclass
class DepartmentsPage:
    rows: list  # the rows shown: the root and its children, or the top departments
    root: object | None  # the root's row when one was asked for
    company: object  # the whole company's row (a scoped HR person's: their departments)
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
    the rows shown. Raises NoSuchRoot for a root outside the rows."""
    listed = services.listed_departments(scope)
    ids = {dept_id for dept_id, _path, _parent, _depth in listed}
    if root_id:
        if root_id not in ids:
            raise NoSuchRoot(root_id)
        wanted = {root_id} | {dept_id for dept_id, _path, parent, _depth in listed if parent == root_id}
    else:
        wanted = {dept_id for dept_id, _path, parent, _depth in listed if parent is None or parent not in ids}
    # the rows shown only (in tree order: a root before its children), with the company's total; the
    # departments read once, here
    shown, company = services.company_report(period, scope=scope, only=wanted, tree=listed)
    root = shown[0] if root_id else None
    shown = _sorted(shown, sort, descending, keep_first=root is not None)
    skills, heat = services.skill_heatmap([r.id for r in shown], period, scope=scope)
    return DepartmentsPage(shown, root, company, skills, heat)


@dataclass
class DepartmentPage:
    below: DepartmentsPage  # the department's row first, then the departments right below it
    trend: list[dict]
    failures: list[dict]
    effect: list[dict]
    people: object  # one page of the people in its subtree (a Flask-SQLAlchemy pagination)
    figures: dict  # person id -> people.PersonFigures


def department_page(
    dept_id: int, period, scope: set[int] | None, sort: str | None, descending: bool, page: int, per_page: int
) -> DepartmentPage:
    """The one report page of a department: its figures and the company's (a scoped HR person's: their
    departments), the departments below it with their skills, its monthly trend, the items failed most
    often, the training effect, and one page of its people with their figures. The subtree is read once
    and shared. Raises NoSuchRoot for a department outside the viewer's rows."""
    from sqlalchemy import select
    from sqlalchemy.orm import lazyload, load_only

    from app.core.inputs import paginate
    from app.people.models import User
    from app.people.services import subtree_ids

    below = departments_page(period, scope, dept_id, sort, descending)
    subtree = sorted(subtree_ids(dept_id))
    listed = paginate(
        select(User)
        .where(User.department_id.in_(subtree), User.active.is_(True))
        .order_by(User.name)
        .options(load_only(User.id, User.name), lazyload(User.roles)),  # the list shows names and figures
        per_page=per_page,
        page=page,
    )
    return DepartmentPage(
        below,
        services.monthly_trend(dept_id, period, subtree=subtree),
        services.item_failure_rates(dept_id, period, subtree=subtree),
        services.training_effect(dept_id, period, subtree=subtree),
        listed,
        people.people_figures([p.id for p in listed.items], period),
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
