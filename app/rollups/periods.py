"""Which roll-up rows make up a period: whole months from the monthly tier, the days at its edges from the daily one."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, union_all

from app.rollups.tables import MEASURES, TIERS


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def cover_by_months(start: date | None, end: date | None):
    """The days from ``start`` to ``end`` (inclusive, either open) as whole months plus or minus runs of days.

    Returns ``(months, days)``: ``months`` is ``(low, high)``, the first days of the first whole month
    counted and of the month after the last (either None where the range is open), or None when no
    month is counted whole; ``days`` lists ``(low, high, sign)`` runs of days, high exclusive, to add
    (``sign`` 1) or take away (-1). A range that starts or ends inside a month takes whichever is
    shorter: its own days in that month, or the whole month less the days outside the range. So no
    edge reads more than half a month of daily rows (a range from the 29th takes the month and
    takes away 28 days).
    """
    end_excl = None if end is None else end + timedelta(days=1)
    if start is not None and end_excl is not None and start >= end_excl:
        return None, [(start, start, 1)]  # an empty range: one run of no days
    if start is not None and end_excl is not None and month_of(start) == month_of(end):
        first, after = month_of(start), next_month(start)
        if start == first and end_excl == after:
            return (first, after), []
        if (start - first).days + (after - end_excl).days < (end_excl - start).days:
            runs = [(first, start, -1), (end_excl, after, -1)]
            return (first, after), [(low, high, sign) for low, high, sign in runs if low < high]
        return None, [(start, end_excl, 1)]
    days = []
    low = start
    if start is not None and start.day != 1:
        first, after = month_of(start), next_month(start)
        if (start - first).days < (after - start).days:
            low, days = first, [(first, start, -1)]
        else:
            low, days = after, [(start, after, 1)]
    high = end_excl
    if end_excl is not None and end_excl.day != 1:
        first, after = month_of(end_excl), next_month(end_excl)
        if (after - end_excl).days < (end_excl - first).days:
            high = after
            days.append((end_excl, after, -1))
        else:
            high = first
            days.append((first, end_excl, 1))
    if low is not None and high is not None and low >= high:
        return None, days
    return (low, high), days


def dated_rows(model, columns, low: date | None, high: date | None, department_ids=None, sign: int = 1):
    """``columns`` of ``model``'s rows whose ``day`` is from ``low`` (inclusive) to ``high``
    (exclusive), either open, in the given departments (all when None). With ``sign`` -1 the
    figures (every column after ``department_id``, ``day``, ``skill``, ``item_id`` and
    ``employee_id``) come negated, to be taken away."""
    keys = {"department_id", "day", "skill", "item_id", "employee_id"}
    stmt = select(*(getattr(model, c) if sign == 1 or c in keys else (-getattr(model, c)).label(c) for c in columns))
    if low is not None:
        stmt = stmt.where(model.day >= low)
    if high is not None:
        stmt = stmt.where(model.day < high)
    if department_ids is not None:
        stmt = stmt.where(model.department_id.in_(department_ids))
    return stmt


def period_rows(kind: str, start: date | None, end: date | None, department_ids=None, dated: bool = True):
    """The roll-up rows of ``kind`` covering the days from ``start`` to ``end`` (inclusive, either open).

    Whole months come from the monthly table and the runs of days at the edges (see
    :func:`cover_by_months`) from the daily one. The result is a subquery with the daily table's
    columns (``day`` being the first day of the month on monthly rows); ``department_ids`` limits
    the departments. Without ``dated`` the rows need no day, and skill rows come already summed per
    department and skill: all of time is then one pass over ``ix_skill_monthly_sums`` in its order,
    and the reader's grouping (the skills heatmap's departments) touches about 4,500 rows instead of
    57,000 on the large data. Shop and quiz rows, one per department and month, are left as they are:
    their readers group by department at once, and a second grouping only added 2-3 ms.
    """
    daily, monthly = TIERS[kind]
    keys = ["department_id", *(["skill"] if kind == "skill" else [])]
    columns = [keys[0], "day", *keys[1:], *MEASURES[kind]]
    months, days = cover_by_months(start, end)
    parts = [dated_rows(daily, columns, low, high, department_ids, sign) for low, high, sign in days]
    if months:
        parts.insert(0, dated_rows(monthly, columns, *months, department_ids))
    rows = parts[0] if len(parts) == 1 else union_all(*parts)
    if dated or kind != "skill":
        return rows.subquery(f"{kind}_rows")
    rows = rows.subquery(f"{kind}_dated")
    group = [rows.c[k] for k in keys]
    sums = (func.sum(rows.c[m]).label(m) for m in MEASURES[kind])
    return select(*group, *sums).group_by(*group).subquery(f"{kind}_rows")
