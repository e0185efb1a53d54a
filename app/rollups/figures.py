"""Every roll-up figure, defined once, as the SQL that computes it from the rows beneath it.

Each figure is one SELECT written for two uses: with no key it fills its whole table (a full
rebuild), with a key it computes only that key's rows. After a change, :func:`refresh_keys` deletes
the rows of the (department, day) keys it touched, and the months and departments above them, and
inserts them again with that same SELECT. Nothing is ever added to or taken from a stored row, so a
repeat, a retry or two transactions racing each other all end on what a full rebuild gives: on
PostgreSQL the keys of a department are recomputed under a transaction-level advisory lock, so the
second transaction recomputes them after the first has committed and sees both changes.

The tiers, never more than two per figure: shop, quiz and skill figures per day from the base tables
(approved cards, finished attempts, their answers) and per month from the days; item failures per
month from the answers and over all time from the months. A figure over all time that has no table of
its own is the sum of its monthly rows, added up by the reader. This module reads the base tables by
name and imports no feature package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, DateTime, Integer, String, bindparam, case, column, func, literal, select, table, text
from sqlalchemy.sql.elements import BindParameter

from app.rollups.periods import month_of, next_month
from app.rollups.tables import MEASURES

LOCK_SPACE = 20  # the first key of the advisory locks taken per department (the second is its id)

# The base rows every figure counts, written once: the cards (``s``) approved with a visit date, the
# attempts (``a``) finished in a department. The figures below sum them; :func:`people_counted` counts
# the people they are about.
COUNTED_CARDS = "s.status = 'approved' AND s.visited_at IS NOT NULL"
COUNTED_ATTEMPTS = "a.status = 'finished' AND a.finished_at IS NOT NULL AND a.department_id IS NOT NULL"


def _day(dialect: str, column: str) -> str:
    return f"date({column})" if dialect == "sqlite" else f"CAST({column} AS DATE)"


def _month(dialect: str, column: str) -> str:
    if dialect == "sqlite":
        return f"date({column}, 'start of month')"
    return f"CAST(date_trunc('month', {column}) AS DATE)"


def _base_key(alias: str, column: str, keyed: bool) -> str:
    """The base rows of one department from ``:lo`` to ``:hi`` (timestamps), or every row."""
    if not keyed:
        return "1 = 1"
    return f"{alias}.department_id = :dept AND {alias}.{column} >= :lo AND {alias}.{column} < :hi"


def _shop_daily(dialect: str, keyed: bool) -> str:
    day = _day(dialect, "s.visited_at")
    return f"""
        SELECT s.department_id, {day}, COUNT(*), COUNT(s.total_percent),
               COALESCE(SUM(s.total_percent), 0), SUM(CASE WHEN s.passed THEN 1 ELSE 0 END),
               SUM(CASE WHEN s.critical_failed THEN 1 ELSE 0 END), SUM(CASE WHEN s.late THEN 1 ELSE 0 END)
        FROM scorecards s
        WHERE {COUNTED_CARDS} AND {_base_key("s", "visited_at", keyed)}
        GROUP BY s.department_id, {day}
    """


def _quiz_daily(dialect: str, keyed: bool) -> str:
    day = _day(dialect, "a.finished_at")
    return f"""
        SELECT a.department_id, {day}, COUNT(*), COALESCE(SUM(a.percent), 0),
               SUM(CASE WHEN a.passed THEN 1 ELSE 0 END)
        FROM quiz_attempts a
        WHERE {COUNTED_ATTEMPTS} AND {_base_key("a", "finished_at", keyed)}
        GROUP BY a.department_id, {day}
    """


def _skill_daily(dialect: str, keyed: bool) -> str:
    """Every question of a finished attempt's version that trains a skill (one left unanswered is not
    correct), and every yes or no answer on an approved card's items of a skill."""
    quiz_day, shop_day = _day(dialect, "a.finished_at"), _day(dialect, "s.visited_at")
    return f"""
        SELECT department_id, day, skill, SUM(qa), SUM(qc), SUM(si), SUM(sp) FROM (
          SELECT a.department_id AS department_id, {quiz_day} AS day, qs.skill AS skill,
                 COUNT(*) AS qa, SUM(CASE WHEN aa.correct THEN 1 ELSE 0 END) AS qc, 0 AS si, 0 AS sp
          FROM quiz_attempts a
          JOIN question_skills qs ON qs.version_id = a.version_id
          LEFT JOIN attempt_answers aa ON aa.attempt_id = a.id AND aa.question_key = qs.question_key
          WHERE {COUNTED_ATTEMPTS} AND {_base_key("a", "finished_at", keyed)}
          GROUP BY a.department_id, {quiz_day}, qs.skill
          UNION ALL
          SELECT s.department_id, {shop_day}, sa.skill, 0, 0,
                 SUM(CASE WHEN sa.answer IN ('yes', 'no') THEN 1 ELSE 0 END),
                 SUM(CASE WHEN sa.answer = 'yes' THEN 1 ELSE 0 END)
          FROM scorecards s JOIN scorecard_answers sa ON sa.card_id = s.id
          WHERE {COUNTED_CARDS} AND sa.skill IS NOT NULL AND {_base_key("s", "visited_at", keyed)}
          GROUP BY s.department_id, {shop_day}, sa.skill
        ) AS both_sides
        GROUP BY department_id, day, skill
    """


def _monthly(kind: str) -> Callable[[str, bool], str]:
    """A month's rows of ``kind``: the sums of its daily rows."""

    def sql(dialect: str, keyed: bool) -> str:
        month = _month(dialect, "day")
        skill = ", skill" if kind == "skill" else ""
        where = "department_id = :dept AND day >= :first AND day < :after" if keyed else "1 = 1"
        sums = ", ".join(f"SUM({m})" for m in MEASURES[kind])
        return f"""
            SELECT department_id, {month}{skill}, {sums} FROM {kind}_daily
            WHERE {where} GROUP BY department_id, {month}{skill}
        """

    return sql


def _item_monthly(dialect: str, keyed: bool, where: str | None = None) -> str:
    """Failed (no) and applicable (yes or no) answers per item on approved cards; ``where`` replaces the key filter."""
    month = _month(dialect, "s.visited_at")
    return f"""
        SELECT s.department_id AS department_id, {month} AS day, a.item_id AS item_id,
               COALESCE(a.skill, '') AS skill, SUM(CASE WHEN a.answer = 'no' THEN 1 ELSE 0 END) AS failed,
               COUNT(*) AS applicable
        FROM scorecards s JOIN scorecard_answers a ON a.card_id = s.id
        WHERE {COUNTED_CARDS} AND a.answer IN ('yes', 'no')
          AND {where or _base_key("s", "visited_at", keyed)}
        GROUP BY s.department_id, {month}, a.item_id, COALESCE(a.skill, '')
    """


def item_rows_between(low: date, high: date, department_ids=None, sign: int = 1, tag: str = ""):
    """``item_monthly``'s rows computed from the answers of the cards visited from ``low`` to ``high``
    (dates, ``high`` exclusive) in these departments (ids, an expanding bound parameter, or all when None),
    with their figures times ``sign``: the days at the edges of a period, added or taken away. A subquery with the columns ``item_id``,
    ``skill``, ``failed`` and ``applicable``; ``tag`` keeps its parameters apart from other parts'."""
    from app.extensions import db

    where = f"s.visited_at >= :lo{tag} AND s.visited_at < :hi{tag}"
    params = [
        bindparam(f"lo{tag}", datetime.combine(low, time()), type_=DateTime),
        bindparam(f"hi{tag}", datetime.combine(high, time()), type_=DateTime),
    ]
    if isinstance(department_ids, BindParameter):  # bound by the caller when it runs the statement
        where += f" AND s.department_id IN :{department_ids.key}"
        params.append(department_ids)
    elif department_ids is not None:
        where += f" AND s.department_id IN :departments{tag}"
        params.append(bindparam(f"departments{tag}", sorted(department_ids), expanding=True))
    sql = text(_item_monthly(db.engine.dialect.name, True, where)).bindparams(*params)
    rows = sql.columns(
        column("department_id", Integer), column("day", Date), column("item_id", String),
        column("skill", String), column("failed", Integer), column("applicable", Integer),
    ).subquery(f"item_edge{tag}")  # fmt: skip
    return select(
        rows.c.item_id,
        rows.c.skill,
        (rows.c.failed * sign).label("failed"),
        (rows.c.applicable * sign).label("applicable"),
    )


# Subtrees of up to this many departments count their people department by department (a few index
# steps each); larger ones walk the base rows in person order and stop at the minimum. See people_counted.
STEPPED_DEPARTMENTS = 32


def people_counted(kind: str, department_ids, up_to):
    """SQL: how many people a department's ``kind`` average (over ``department_ids``, a select of their
    ids) rests on, counted over the same base rows as the roll-ups (those the cards with a result are
    about, or who finished the attempts) and only up to ``up_to`` (a number or a bound parameter).

    A count of distinct people, which no sum of roll-up rows gives, so it reads the base rows. A fairness
    minimum only asks whether there are that many, and the count stops there, whichever the subtree:

    - up to :data:`STEPPED_DEPARTMENTS` departments: per department its first ``up_to`` people, each one
      index step from the last (``min(person) > previous``), so at most departments x ``up_to`` steps
      however many rows the company has;
    - more: the counted rows in person order, distinct, until ``up_to`` people are found; a subtree that
      large holds a good share of the people, so the walk ends early.

    Either way alone is slow where the other is quick: the walk in person order read 120,001 attempts on
    PostgreSQL to find that a team of 12 has 3 people; stepping through 500 departments costs 1,500
    steps where the walk reads a few rows. Give ``up_to`` as a number, or a parameter rendered into the
    SQL (``literal_execute``): PostgreSQL's plan for a prepared statement, made without the value, did
    not stop the walk early and read 429,000 attempts."""
    rows, person, counted = _people_rows(kind)
    walk = (
        select(person)
        .distinct()
        .where(text(counted), person.is_not(None), rows.c.department_id.in_(department_ids))
        .limit(up_to)
        .subquery(f"{kind}_walk")
    )

    departments = department_ids.subquery(f"{kind}_departments")
    dept_id = departments.c[0]

    def first_person(department, after=None):
        rows, person, counted = _people_rows(kind)
        later = () if after is None else (person > after,)
        return (
            select(func.min(person))
            .where(rows.c.department_id == department, text(counted), person.is_not(None), *later)
            .scalar_subquery()
        )

    start = select(dept_id.label("department_id"), first_person(dept_id).label("person"), literal(1).label("n"))
    steps = start.cte(f"{kind}_steps", recursive=True)
    steps = steps.union_all(
        select(steps.c.department_id, first_person(steps.c.department_id, steps.c.person), steps.c.n + 1).where(
            steps.c.person.is_not(None), steps.c.n < up_to
        )
    )
    stepped = select(steps.c.person).where(steps.c.person.is_not(None)).distinct().limit(up_to).subquery()

    size = select(func.count()).select_from(departments).scalar_subquery()
    return select(
        case(
            (
                size <= STEPPED_DEPARTMENTS,
                select(func.count()).select_from(stepped).scalar_subquery(),
            ),
            else_=select(func.count()).select_from(walk).scalar_subquery(),
        )
    )


def _people_rows(kind: str):
    """The base rows ``people_counted`` reads for ``kind``: the table (aliased as the counted condition
    names it), the person column and that condition."""
    if kind == "shop":
        rows = table("scorecards", column("department_id"), column("employee_id")).alias("s")
        return rows, rows.c.employee_id, f"{COUNTED_CARDS} AND s.total_percent IS NOT NULL"
    rows = table("quiz_attempts", column("department_id"), column("user_id")).alias("a")
    return rows, rows.c.user_id, COUNTED_ATTEMPTS


def _item_total(_dialect: str, keyed: bool) -> str:
    return f"""
        SELECT department_id, item_id, skill, SUM(failed), SUM(applicable) FROM item_monthly
        WHERE {"department_id = :dept" if keyed else "1 = 1"} GROUP BY department_id, item_id, skill
    """


@dataclass(frozen=True)
class Figure:
    """One roll-up table: its columns, the SELECT that computes its rows, what keys a row, what changes it."""

    table: str
    columns: tuple[str, ...]
    select: Callable[[str, bool], str]  # (dialect, keyed) -> SQL
    key: str  # "day": (department, day); "month": (department, month); "department"
    moved_by: frozenset[str]  # "card" (a card approved or changed), "attempt" (an attempt finished or regraded)


_DAILY = {"day": "department_id = :dept AND day = :day", "month": "department_id = :dept AND day = :month"}
_CARD, _ATTEMPT, _BOTH = frozenset({"card"}), frozenset({"attempt"}), frozenset({"card", "attempt"})

# In the order a rebuild fills them: each table is computed from the base tables or from one above it.
FIGURES = (
    Figure("shop_daily", ("department_id", "day", *MEASURES["shop"]), _shop_daily, "day", _CARD),
    Figure("quiz_daily", ("department_id", "day", *MEASURES["quiz"]), _quiz_daily, "day", _ATTEMPT),
    Figure("skill_daily", ("department_id", "day", "skill", *MEASURES["skill"]), _skill_daily, "day", _BOTH),
    Figure("shop_monthly", ("department_id", "day", *MEASURES["shop"]), _monthly("shop"), "month", _CARD),
    Figure("quiz_monthly", ("department_id", "day", *MEASURES["quiz"]), _monthly("quiz"), "month", _ATTEMPT),
    Figure("skill_monthly", ("department_id", "day", "skill", *MEASURES["skill"]), _monthly("skill"), "month", _BOTH),
    Figure(
        "item_monthly",
        ("department_id", "day", "item_id", "skill", "failed", "applicable"),
        _item_monthly,
        "month",
        _CARD,
    ),
    Figure(
        "item_total", ("department_id", "item_id", "skill", "failed", "applicable"), _item_total, "department", _CARD
    ),
)

_TYPES = {"lo": DateTime, "hi": DateTime, "day": Date, "month": Date, "first": Date, "after": Date}


def _statement(sql: str):
    """``sql`` as a text construct, its date and timestamp parameters typed (so SQLite compares like with
    like), and the names of its parameters."""
    names = set(re.findall(r"(?<!:):(\w+)", sql))
    typed = [bindparam(name, type_=_TYPES[name]) for name in sorted(names) if name in _TYPES]
    return text(sql).bindparams(*typed) if typed else text(sql), names


def _insert(figure: Figure, dialect: str, keyed: bool):
    return _statement(f"INSERT INTO {figure.table} ({', '.join(figure.columns)}) {figure.select(dialect, keyed)}")


def _delete(figure: Figure):
    where = _DAILY.get(figure.key, "department_id = :dept")
    return _statement(f"DELETE FROM {figure.table} WHERE {where}")


def rebuild_figures(connection) -> None:
    """Empty every table of :data:`FIGURES` and fill it again from the base tables."""
    dialect = connection.dialect.name
    for figure in FIGURES:
        connection.execute(text(f"DELETE FROM {figure.table}"))
        connection.execute(_insert(figure, dialect, keyed=False)[0])


def _key_params(figure: Figure, key) -> dict:
    if figure.key == "department":
        return {"dept": key}
    dept, day = key
    if figure.key == "day":
        return {
            "dept": dept,
            "day": day,
            "lo": datetime.combine(day, time()),
            "hi": datetime.combine(day, time()) + timedelta(days=1),
        }
    after = next_month(day)
    return {
        "dept": dept,
        "month": day,
        "first": day,
        "after": after,
        "lo": datetime.combine(day, time()),
        "hi": datetime.combine(after, time()),
    }


def refresh_keys(
    dept_days: Iterable[tuple[int | None, date | None]], moved_by=("card", "attempt"), connection=None
) -> None:
    """Recompute, from the base tables, every roll-up row of these (department, day) keys, of their
    months and of their departments' all-time item rows, in the tables that ``moved_by`` changes touch."""
    from app.extensions import db

    days = sorted({(int(dept), day) for dept, day in dept_days if dept is not None and day is not None})
    if not days:
        return
    if connection is None:
        db.session.flush()
        connection = db.session.connection()
    dialect = connection.dialect.name
    departments = sorted({dept for dept, _day in days})
    if dialect == "postgresql":  # one recomputation per department at a time, in id order (no deadlock)
        for dept in departments:
            connection.execute(text("SELECT pg_advisory_xact_lock(:space, :dept)"), {"space": LOCK_SPACE, "dept": dept})
    keys = {"day": days, "month": sorted({(dept, month_of(day)) for dept, day in days}), "department": departments}
    for figure in FIGURES:
        if not figure.moved_by & set(moved_by):
            continue
        statements = (_delete(figure), _insert(figure, dialect, keyed=True))
        for key in keys[figure.key]:
            params = _key_params(figure, key)
            for statement, names in statements:
                connection.execute(statement, {name: params[name] for name in names})


def refresh_card(card, connection=None) -> None:
    """Recompute the figures of the card's department and day (whatever its status: one returned or
    rejected simply counts no longer)."""
    if card.visited_at is not None:
        refresh_keys([(card.department_id, card.visited_at.date())], ("card",), connection)


def refresh_attempt(attempt, connection=None) -> None:
    """Recompute the figures of the department and day where the attempt was finished."""
    if attempt.finished_at is not None:
        refresh_keys([(attempt.department_id, attempt.finished_at.date())], ("attempt",), connection)
