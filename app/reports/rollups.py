"""Sums of results per department, per day, per month and in all, kept current as results arrive.

Reports add these small rows up instead of scanning every attempt, answer and card, so a
company report costs the same with a thousand results or a million. Every change to an
approved card or a finished attempt goes through :func:`add_card` or :func:`add_attempt` in
the same transaction as the change itself; a change is recorded as the old figures taken away
(``sign=-1``) and the new ones added.

Each figure is kept four times: per day, so a report for any date range is exact; per week and
per month, so a report over a year, say, adds up a few thousand monthly rows and, at its edges,
a few weekly and daily ones; and in all, for the report over everything, a row per department.
:func:`period_rows` takes whole months from the monthly table and, at either edge of the range,
its days or, when fewer, the whole month less the days outside the range, as whole weeks from
the weekly table and the days around them from the daily one.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db


class _Dated:
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)  # monthly tables: the month's first day


class _ShopFigures:
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    cards: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)  # cards with a total (a card of only n/a answers has none)
    sum_percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)
    critical: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)


class _QuizFigures:
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    sum_percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)


class _SkillFigures:
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)
    quiz_answers: Mapped[int] = mapped_column(Integer)  # questions of the skill in finished attempts
    quiz_correct: Mapped[int] = mapped_column(Integer)
    shop_items: Mapped[int] = mapped_column(Integer)  # yes or no answers on approved cards' items of the skill
    shop_passed: Mapped[int] = mapped_column(Integer)


class ShopDaily(_Dated, _ShopFigures, db.Model):
    __tablename__ = "shop_daily"


class ShopMonthly(_Dated, _ShopFigures, db.Model):
    __tablename__ = "shop_monthly"


class ShopTotal(_ShopFigures, db.Model):
    __tablename__ = "shop_total"


class QuizDaily(_Dated, _QuizFigures, db.Model):
    __tablename__ = "quiz_daily"


class QuizMonthly(_Dated, _QuizFigures, db.Model):
    __tablename__ = "quiz_monthly"


class QuizTotal(_QuizFigures, db.Model):
    __tablename__ = "quiz_total"


class SkillDaily(_Dated, _SkillFigures, db.Model):
    __tablename__ = "skill_daily"


class SkillMonthly(_Dated, _SkillFigures, db.Model):
    __tablename__ = "skill_monthly"


class SkillTotal(_SkillFigures, db.Model):
    __tablename__ = "skill_total"


# Per week (``day`` its Monday): a period's edge days come from here where they hold whole weeks.
class ShopWeekly(_Dated, _ShopFigures, db.Model):
    __tablename__ = "shop_weekly"


class QuizWeekly(_Dated, _QuizFigures, db.Model):
    __tablename__ = "quiz_weekly"


class SkillWeekly(_Dated, _SkillFigures, db.Model):
    __tablename__ = "skill_weekly"


class ItemTotal(db.Model):
    """Failed and applicable (yes or no) answers per department and checklist item, over all time.

    Item failure rates for a period still read the answers; over everything, they read these rows.
    """

    __tablename__ = "item_total"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)  # "" for an item without a skill
    failed: Mapped[int] = mapped_column(Integer)
    applicable: Mapped[int] = mapped_column(Integer)


class ItemMonthly(db.Model):
    """Failed and applicable answers per department, month (its first day) and checklist item.

    Item failure rates for a period add up the whole months here and read the answers of the days
    at its edges only.
    """

    __tablename__ = "item_monthly"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)  # "" for an item without a skill
    failed: Mapped[int] = mapped_column(Integer)
    applicable: Mapped[int] = mapped_column(Integer)


# Per kind: the daily, monthly and all-time tables.
TIERS = {
    "shop": (ShopDaily, ShopMonthly, ShopTotal),
    "quiz": (QuizDaily, QuizMonthly, QuizTotal),
    "skill": (SkillDaily, SkillMonthly, SkillTotal),
}
# Per kind: the weekly table (kept apart from TIERS, which an older migration fills before it exists).
WEEKLY = {"shop": ShopWeekly, "quiz": QuizWeekly, "skill": SkillWeekly}
MEASURES = {
    "shop": ("cards", "scored", "sum_percent", "passed", "critical", "late"),
    "quiz": ("attempts", "sum_percent", "passed"),
    "skill": ("quiz_answers", "quiz_correct", "shop_items", "shop_passed"),
}


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _upsert(model, keys: tuple[str, ...], rows: list[dict]) -> None:
    """Add each row's figures to the stored row with the same keys, creating it if needed, in one statement."""
    if not rows:
        return
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    table = model.__table__
    stmt = insert(table).values(rows)
    figures = [name for name in rows[0] if name not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: table.c[name] + stmt.excluded[name] for name in figures}
    )
    db.session.execute(stmt)


def _tables(kind: str) -> list:
    """The daily, weekly, monthly and all-time tables of ``kind``."""
    daily, monthly, total = TIERS[kind]
    return [daily, WEEKLY[kind], monthly, total]


def _add(kind: str, department_id: int, day: date, figures: dict, by_skill: dict[str, dict] | None = None) -> None:
    days = (day, _week(day), _month(day), None)
    for model, skill_model, when in zip(_tables(kind), _tables("skill"), days, strict=True):
        dated = {"day": when} if when is not None else {}
        keys = ("department_id", *dated)
        _upsert(model, keys, [{"department_id": department_id, **dated, **figures}])
        if by_skill:
            rows = [
                {"department_id": department_id, **dated, "skill": skill, **dict.fromkeys(MEASURES["skill"], 0), **f}
                for skill, f in sorted(by_skill.items())
            ]
            _upsert(skill_model, (*keys, "skill"), rows)


def add_card(card, sign: int = 1) -> None:
    """Count an approved card (or, with ``sign=-1``, take it away before its figures change)."""
    if card.status != "approved" or card.visited_at is None:
        return
    items, passed = Counter(), Counter()
    for answer in card.answers:
        if answer.skill and answer.answer in ("yes", "no"):
            items[answer.skill] += 1
            passed[answer.skill] += answer.answer == "yes"
    figures = {
        "cards": sign,
        "scored": sign * int(card.total_percent is not None),
        "sum_percent": sign * (card.total_percent or 0.0),
        "passed": sign * int(bool(card.passed)),
        "critical": sign * int(bool(card.critical_failed)),
        "late": sign * int(bool(card.late)),
    }
    by_skill = {s: {"shop_items": sign * n, "shop_passed": sign * passed[s]} for s, n in items.items()}
    _add("shop", card.department_id, card.visited_at.date(), figures, by_skill)
    per_item = Counter()
    for answer in card.answers:
        if answer.answer in ("yes", "no"):
            per_item[(answer.item_id, answer.skill or "", "applicable")] += 1
            per_item[(answer.item_id, answer.skill or "", "failed")] += answer.answer == "no"
    rows = [
        {
            "department_id": card.department_id,
            "item_id": item_id,
            "skill": skill,
            "failed": sign * per_item[(item_id, skill, "failed")],
            "applicable": sign * n,
        }
        for (item_id, skill, what), n in sorted(per_item.items())
        if what == "applicable"
    ]
    _upsert(ItemTotal, ("department_id", "item_id", "skill"), rows)
    month = _month(card.visited_at.date())
    _upsert(ItemMonthly, ("department_id", "day", "item_id", "skill"), [{**r, "day": month} for r in rows])


def add_attempt(attempt, department_id: int | None, sign: int = 1) -> None:
    """Count a finished attempt under the person's department (or take it away with ``sign=-1``).

    Every question of the attempt's version that trains a skill counts; one left unanswered counts as not correct.
    """
    from app.content.models import QuestionSkill

    if attempt.status != "finished" or attempt.finished_at is None or department_id is None:
        return
    correct = {a.question_key for a in attempt.answers if a.correct}
    asked, right = Counter(), Counter()
    for key, skill in db.session.execute(
        select(QuestionSkill.question_key, QuestionSkill.skill).where(QuestionSkill.version_id == attempt.version_id)
    ):
        asked[skill] += 1
        right[skill] += key in correct
    figures = {
        "attempts": sign,
        "sum_percent": sign * (attempt.percent or 0.0),
        "passed": sign * int(bool(attempt.passed)),
    }
    by_skill = {s: {"quiz_answers": sign * n, "quiz_correct": sign * right[s]} for s, n in asked.items()}
    _add("quiz", department_id, attempt.finished_at.date(), figures, by_skill)


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
    if start is not None and end_excl is not None and _month(start) == _month(end):
        first, after = _month(start), _next_month(start)
        if start == first and end_excl == after:
            return (first, after), []
        if (start - first).days + (after - end_excl).days < (end_excl - start).days:
            runs = [(first, start, -1), (end_excl, after, -1)]
            return (first, after), [(low, high, sign) for low, high, sign in runs if low < high]
        return None, [(start, end_excl, 1)]
    days = []
    low = start
    if start is not None and start.day != 1:
        first, after = _month(start), _next_month(start)
        if (start - first).days < (after - start).days:
            low, days = first, [(first, start, -1)]
        else:
            low, days = after, [(start, after, 1)]
    high = end_excl
    if end_excl is not None and end_excl.day != 1:
        first, after = _month(end_excl), _next_month(end_excl)
        if (after - end_excl).days < (end_excl - first).days:
            high = after
            days.append((end_excl, after, -1))
        else:
            high = first
            days.append((first, end_excl, 1))
    if low is not None and high is not None and low >= high:
        return None, days
    return (low, high), days


def whole_weeks(low: date, high: date) -> list[tuple[str, date, date]]:
    """The days from ``low`` to ``high`` (exclusive) as ``("week", monday, monday)`` for the whole weeks
    (Monday to Sunday) inside them and ``("day", low, high)`` for the days around those."""
    first = low + timedelta(days=-low.weekday() % 7)  # the first Monday from low on
    after = _week(high)  # the Monday after the last whole week
    if first >= after:
        return [("day", low, high)]
    parts = [("day", low, first), ("week", first, after), ("day", after, high)]
    return [(tier, a, b) for tier, a, b in parts if a < b]


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
    :func:`cover_by_months`) from the weekly table where they hold whole weeks and from the daily
    one for the rest. The result is a subquery with the daily table's columns (``day`` being the
    first day of a month or week on those rows); ``department_ids`` limits the departments.
    Without ``dated`` the rows need no day, so all of time comes from the all-time table.
    """
    daily, monthly, total = TIERS[kind]
    if not dated and start is None and end is None:
        columns = ["department_id", *(["skill"] if kind == "skill" else []), *MEASURES[kind]]
        stmt = select(*(getattr(total, c) for c in columns))
        if department_ids is not None:
            stmt = stmt.where(total.department_id.in_(department_ids))
        return stmt.subquery(f"{kind}_rows")
    columns = ["department_id", "day", *(["skill"] if kind == "skill" else []), *MEASURES[kind]]
    months, days = cover_by_months(start, end)
    tiers = {"day": daily, "week": WEEKLY[kind]}
    parts = [
        dated_rows(tiers[tier], columns, low, high, department_ids, sign)
        for run_low, run_high, sign in days
        for tier, low, high in whole_weeks(run_low, run_high)
    ]
    if months:
        parts.insert(0, dated_rows(monthly, columns, *months, department_ids))
    if len(parts) == 1:
        return parts[0].subquery(f"{kind}_rows")
    return union_all(*parts).subquery(f"{kind}_rows")


ITEM_TOTAL_FILL = """
    INSERT INTO item_total (department_id, item_id, skill, failed, applicable)
    SELECT s.department_id, a.item_id, COALESCE(a.skill, ''), SUM(CASE WHEN a.answer = 'no' THEN 1 ELSE 0 END), COUNT(*)
    FROM scorecards s JOIN scorecard_answers a ON a.card_id = s.id
    WHERE s.status = 'approved' AND s.visited_at IS NOT NULL AND a.answer IN ('yes', 'no')
    GROUP BY s.department_id, a.item_id, COALESCE(a.skill, '')
"""


def item_monthly_fill(dialect: str) -> str:
    """The SQL that fills ``item_monthly`` from the approved cards' answers (kept apart from
    :func:`rebuild_statements`, which an older migration runs before this table exists)."""
    month = (
        "date(s.visited_at, 'start of month')"
        if dialect == "sqlite"
        else "CAST(date_trunc('month', s.visited_at) AS DATE)"
    )
    return f"""
    INSERT INTO item_monthly (department_id, day, item_id, skill, failed, applicable)
    SELECT s.department_id, {month}, a.item_id, COALESCE(a.skill, ''),
           SUM(CASE WHEN a.answer = 'no' THEN 1 ELSE 0 END), COUNT(*)
    FROM scorecards s JOIN scorecard_answers a ON a.card_id = s.id
    WHERE s.status = 'approved' AND s.visited_at IS NOT NULL AND a.answer IN ('yes', 'no')
    GROUP BY s.department_id, {month}, a.item_id, COALESCE(a.skill, '')
    """


def rebuild_statements(dialect: str) -> list[str]:
    """The SQL that fills every roll-up table from the base tables (they must be empty first).

    Used by :func:`rebuild` and by the migration that introduced the tables.
    """

    def day(column):
        return f"date({column})" if dialect == "sqlite" else f"CAST({column} AS DATE)"

    def month(column):
        return (
            f"date({column}, 'start of month')"
            if dialect == "sqlite"
            else f"CAST(date_trunc('month', {column}) AS DATE)"
        )

    statements = [
        f"""
        INSERT INTO shop_daily (department_id, day, cards, scored, sum_percent, passed, critical, late)
        SELECT department_id, {day("visited_at")}, COUNT(*), COUNT(total_percent),
               COALESCE(SUM(total_percent), 0), SUM(CASE WHEN passed THEN 1 ELSE 0 END),
               SUM(CASE WHEN critical_failed THEN 1 ELSE 0 END), SUM(CASE WHEN late THEN 1 ELSE 0 END)
        FROM scorecards WHERE status = 'approved' AND visited_at IS NOT NULL
        GROUP BY department_id, {day("visited_at")}
        """,
        f"""
        INSERT INTO quiz_daily (department_id, day, attempts, sum_percent, passed)
        SELECT department_id, {day("finished_at")}, COUNT(*), COALESCE(SUM(percent), 0),
               SUM(CASE WHEN passed THEN 1 ELSE 0 END)
        FROM quiz_attempts
        WHERE status = 'finished' AND finished_at IS NOT NULL AND department_id IS NOT NULL
        GROUP BY department_id, {day("finished_at")}
        """,
        f"""
        INSERT INTO skill_daily (department_id, day, skill, quiz_answers, quiz_correct, shop_items, shop_passed)
        SELECT department_id, day, skill, SUM(qa), SUM(qc), SUM(si), SUM(sp) FROM (
          SELECT a.department_id AS department_id, {day("a.finished_at")} AS day, qs.skill AS skill,
                 COUNT(*) AS qa, SUM(CASE WHEN aa.correct THEN 1 ELSE 0 END) AS qc, 0 AS si, 0 AS sp
          FROM quiz_attempts a
          JOIN question_skills qs ON qs.version_id = a.version_id
          LEFT JOIN attempt_answers aa ON aa.attempt_id = a.id AND aa.question_key = qs.question_key
          WHERE a.status = 'finished' AND a.finished_at IS NOT NULL AND a.department_id IS NOT NULL
          GROUP BY a.department_id, {day("a.finished_at")}, qs.skill
          UNION ALL
          SELECT s.department_id, {day("s.visited_at")}, sa.skill, 0, 0,
                 SUM(CASE WHEN sa.answer IN ('yes', 'no') THEN 1 ELSE 0 END),
                 SUM(CASE WHEN sa.answer = 'yes' THEN 1 ELSE 0 END)
          FROM scorecards s JOIN scorecard_answers sa ON sa.card_id = s.id
          WHERE s.status = 'approved' AND s.visited_at IS NOT NULL AND sa.skill IS NOT NULL
          GROUP BY s.department_id, {day("s.visited_at")}, sa.skill
        ) AS both_sides
        GROUP BY department_id, day, skill
        """,
    ]
    for kind, (daily, monthly, total) in TIERS.items():
        skill = ", skill" if kind == "skill" else ""
        measures = MEASURES[kind]
        sums = ", ".join(f"SUM({m})" for m in measures)
        statements.append(
            f"""
            INSERT INTO {monthly.__tablename__} (department_id, day{skill}, {", ".join(measures)})
            SELECT department_id, {month("day")}{skill}, {sums}
            FROM {daily.__tablename__} GROUP BY department_id, {month("day")}{skill}
            """
        )
        statements.append(
            f"""
            INSERT INTO {total.__tablename__} (department_id{skill}, {", ".join(measures)})
            SELECT department_id{skill}, {sums} FROM {monthly.__tablename__} GROUP BY department_id{skill}
            """
        )
    statements.append(ITEM_TOTAL_FILL)
    # Where people stand on their courses: the same rule as refresh_course_status, set-based.
    statements.append(
        """
        INSERT INTO course_status (user_id, course_item_id, department_id, due_on, done)
        WITH RECURSIVE below(root, id) AS (
          SELECT id, id FROM departments
          UNION SELECT below.root, d.id FROM departments d JOIN below ON d.parent_id = below.id
        ), pairs(assignment_id, user_id) AS (
          SELECT id, user_id FROM assignments WHERE user_id IS NOT NULL AND cancelled_at IS NULL
          UNION ALL
          SELECT a.id, u.id FROM assignments a JOIN below ON below.root = a.department_id
          JOIN users u ON u.department_id = below.id WHERE a.cancelled_at IS NULL
        ), per_person AS (
          SELECT pairs.user_id AS user_id, a.course_item_id AS course_item_id, MIN(a.due_on) AS due,
                 MAX(a.cycle_started_at) AS round_start
          FROM pairs JOIN assignments a ON a.id = pairs.assignment_id
          GROUP BY pairs.user_id, a.course_item_id
        )
        SELECT p.user_id, p.course_item_id, u.department_id, p.due,
               CASE WHEN c.id IS NOT NULL AND (p.round_start IS NULL
                         OR COALESCE(c.last_completed_at, c.completed_at) >= p.round_start)
                    THEN TRUE ELSE FALSE END
        FROM per_person p JOIN users u ON u.id = p.user_id
        LEFT JOIN course_completions c ON c.user_id = p.user_id AND c.course_item_id = p.course_item_id
        WHERE u.active = TRUE AND u.department_id IS NOT NULL
        """
    )
    return statements


def weekly_fill(dialect: str) -> list[str]:
    """The SQL that fills the weekly tables from the daily ones (kept apart from
    :func:`rebuild_statements`, which an older migration runs before these tables exist)."""
    monday = (
        "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')"
        if dialect == "sqlite"
        else "day - (CAST(EXTRACT(ISODOW FROM day) AS INTEGER) - 1)"
    )
    statements = []
    for kind, weekly in WEEKLY.items():
        skill = ", skill" if kind == "skill" else ""
        measures = MEASURES[kind]
        statements.append(
            f"""
            INSERT INTO {weekly.__tablename__} (department_id, day{skill}, {", ".join(measures)})
            SELECT department_id, {monday}{skill}, {", ".join(f"SUM({m})" for m in measures)}
            FROM {TIERS[kind][0].__tablename__} GROUP BY department_id, {monday}{skill}
            """
        )
    return statements


def rebuild() -> None:
    """Recompute every roll-up row from the cards, attempts and assignments (after a bulk load, or to repair)."""
    for kind in TIERS:
        for model in _tables(kind):
            db.session.execute(model.__table__.delete())
    db.session.execute(delete(ItemTotal))
    db.session.execute(delete(ItemMonthly))
    db.session.execute(delete(CourseStatus))
    dialect = db.engine.dialect.name
    for statement in [*rebuild_statements(dialect), item_monthly_fill(dialect), *weekly_fill(dialect)]:
        db.session.execute(text(statement))
    refresh_effect()


# ---------------------------------------------------------------- where people stand on their assigned courses
class CourseStatus(db.Model):
    """One row per active person and course assigned to them (however many assignments reach them):
    their department, the earliest due date and whether the course is done in its current round.

    Derived from assignments, completions, people and the department tree, and kept current by the
    session hooks below whenever one of those changes, so a report counts assigned, completed and
    overdue courses from these rows instead of expanding every department assignment per request.
    """

    __tablename__ = "course_status"
    __table_args__ = (Index("ix_course_status_department", "department_id", "done", "due_on"),)

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean)


CHUNK = 2000  # ids per IN list, well under every engine's limit on bound parameters


def _chunks(ids) -> list[list[int]]:
    ids = sorted(ids)
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def refresh_course_status(user_ids, connection=None) -> None:
    """Recompute the course status rows of these people from the base tables.

    Runs on ``connection`` when given (inside a flush, where the session must not flush again).
    """
    from app.learning.models import Assignment, CourseCompletion
    from app.people.models import User
    from app.people.services import ancestors_of

    run = (connection or db.session).execute
    user_ids = {int(u) for u in user_ids if u is not None}
    if not user_ids:
        return

    for chunk in _chunks(user_ids):
        run(delete(CourseStatus).where(CourseStatus.user_id.in_(chunk)))
        people = {
            uid: dept
            for uid, dept in run(
                select(User.id, User.department_id).where(
                    User.id.in_(chunk), User.active.is_(True), User.department_id.is_not(None)
                )
            )
        }
        if not people:
            continue
        chains = ancestors_of(set(people.values()), connection)
        above = {uid: chains.get(dept, [dept]) for uid, dept in people.items()}
        reached_by = {}  # department id -> people it reaches (itself and every department above theirs)
        for uid, depts in above.items():
            for dept in depts:
                reached_by.setdefault(dept, []).append(uid)
        # (person, course) -> [earliest due date, latest round start]
        pairs: dict[tuple[int, int], list] = {}
        assignments = run(
            select(
                Assignment.user_id, Assignment.department_id, Assignment.course_item_id,
                Assignment.due_on, Assignment.cycle_started_at,
            ).where(
                Assignment.cancelled_at.is_(None),
                (Assignment.user_id.in_(list(people))) | (Assignment.department_id.in_(list(reached_by))),
            )
        )  # fmt: skip
        for a_user, a_dept, course, due, round_start in assignments:
            reached = set(reached_by.get(a_dept, ()))
            if a_user in people:
                reached.add(a_user)
            for uid in reached:
                pair = pairs.setdefault((uid, course), [None, None])
                if due is not None and (pair[0] is None or due < pair[0]):
                    pair[0] = due
                if round_start is not None and (pair[1] is None or round_start > pair[1]):
                    pair[1] = round_start
        if not pairs:
            continue
        latest = {
            (uid, course): last or first
            for uid, course, first, last in run(
                select(
                    CourseCompletion.user_id, CourseCompletion.course_item_id,
                    CourseCompletion.completed_at, CourseCompletion.last_completed_at,
                ).where(CourseCompletion.user_id.in_(list(people)))
            )
        }  # fmt: skip
        rows = []
        for (uid, course), (due, round_start) in sorted(pairs.items()):
            completed = latest.get((uid, course))
            done = completed is not None and (round_start is None or completed >= round_start)
            rows.append(
                {"user_id": uid, "course_item_id": course, "department_id": people[uid], "due_on": due, "done": done}
            )
        run(insert(CourseStatus), rows)


def _changed(obj, *names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _values(obj, name) -> set:
    """The attribute's value now and any value it had before this flush."""
    return {v for v in (getattr(obj, name), *inspect(obj).attrs[name].history.deleted) if v is not None}


@event.listens_for(Session, "after_flush")
def _note_course_status_changes(session, _flush_context) -> None:
    """Remember whom a flush concerns: people, departments moved, assignments and completions changed."""
    from app.learning.models import Assignment, CourseCompletion
    from app.people.models import Department, User

    people, departments = set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            if obj in session.new or obj in session.deleted or _changed(obj, "department", "department_id", "active"):
                people.add(obj.id)
        elif isinstance(obj, CourseCompletion):
            people |= _values(obj, "user_id")
        elif isinstance(obj, Assignment):
            people |= _values(obj, "user_id")
            departments |= _values(obj, "department_id")
        elif isinstance(obj, Department) and obj in session.dirty and _changed(obj, "parent", "parent_id"):
            departments.add(obj.id)
    if people or departments:
        pending = session.info.setdefault("course_status", (set(), set()))
        pending[0].update(people)
        pending[1].update(departments)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_course_status(session, _flush_context) -> None:
    pending = session.info.pop("course_status", None)
    if not pending:
        return
    from app.people.models import User
    from app.people.services import subtree_ids

    connection = session.connection()
    people, departments = pending
    below = set()
    for dept in departments:
        below |= subtree_ids(dept, connection)
    if below:
        for chunk in _chunks(below):
            people |= set(connection.scalars(select(User.id).where(User.department_id.in_(chunk))))
    refresh_course_status(people, connection)


# ---------------------------------------------------------------- the training effect, per person observed
class _EffectFigures:
    employee_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)
    answers: Mapped[int] = mapped_column(Integer)  # every answer, n/a included
    before_items: Mapped[int] = mapped_column(Integer)
    before_passed: Mapped[int] = mapped_column(Integer)
    after_items: Mapped[int] = mapped_column(Integer)
    after_passed: Mapped[int] = mapped_column(Integer)


class EffectPerson(_EffectFigures, db.Model):
    """Per person observed on approved cards, department of the card and skill: their answers on items
    of the skill before and after they first completed a course training it.

    People who never completed such a course have no row. Kept by the session hooks below: a card
    approved or an answer disputed refreshes the person observed, a completion refreshes its person,
    and a course published with other skills rebuilds the table.
    """

    __tablename__ = "effect_person"
    __table_args__ = (Index("ix_effect_person_department", "department_id"),)


class EffectMonthly(_EffectFigures, db.Model):
    """The rows of :class:`EffectPerson` split by the month of the card's visit (its first day), so the
    training effect over a period adds up whole months here and reads the cards of its edge days only.
    Kept with ``effect_person``, by the same hooks."""

    __tablename__ = "effect_monthly"
    __table_args__ = (Index("ix_effect_monthly_department_day", "department_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=1)  # keyed by person first, as migrated


class month_start(FunctionElement):
    """The first day of the month of a timestamp, as a date, in the engine's own SQL."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


def course_skill_pairs(run) -> list[tuple[int, str]]:
    """(course item id, skill) for every skill a published course trains."""
    from app.content.models import ContentItem, ContentVersion

    rows = run(
        select(ContentVersion.item_id, ContentVersion.data)
        .join(ContentItem, ContentItem.published_version_id == ContentVersion.id)
        .where(ContentItem.kind == "course")
    )
    return sorted({(item_id, skill) for item_id, data in rows for skill in (data or {}).get("skills") or []})


def effect_select(pairs: list[tuple[int, str]], people=None, periods=None, departments=None, monthly=False, minus=None):
    """Answers per (person, card's department, skill) before and after the person's first completion of a
    course training the skill, for the people who have one. ``people``, ``periods`` (reports Periods: cards
    visited in any of them) and ``departments`` narrow it down; ``monthly`` splits the rows by month too.
    The cards visited in the ``minus`` periods are read too and count negatively (a month less some of its
    days); ``periods`` then lists only the days to add."""
    from app.learning.models import CourseCompletion
    from app.shopping.models import Scorecard, ScorecardAnswer

    course_skills = union_all(
        *(select(literal(c, Integer).label("course_id"), literal(s, String).label("skill")) for c, s in pairs)
    ).cte("course_skills")
    first = (
        select(
            CourseCompletion.user_id.label("user_id"),
            course_skills.c.skill.label("skill"),
            func.min(CourseCompletion.completed_at).label("done_at"),
        )
        .join(course_skills, course_skills.c.course_id == CourseCompletion.course_item_id)
        .group_by(CourseCompletion.user_id, course_skills.c.skill)
    )
    if people is not None:
        first = first.where(CourseCompletion.user_id.in_(people))
    minus = minus or []
    if minus:
        periods = [*(periods or []), *minus]
    in_periods = or_(*(p.clause(Scorecard.visited_at) for p in periods)) if periods else true()
    weight = case((or_(*(p.clause(Scorecard.visited_at) for p in minus)), -1), else_=1) if minus else literal(1)
    if departments is not None:  # only the people observed there (then), wherever they work now
        observed = select(Scorecard.employee_id).where(
            Scorecard.department_id.in_(departments), Scorecard.status == "approved", in_periods
        )
        first = first.where(CourseCompletion.user_id.in_(observed))
    first = first.subquery("first_completion")
    applicable = ScorecardAnswer.answer.in_(("yes", "no"))
    passed = ScorecardAnswer.answer == "yes"
    before = Scorecard.visited_at < first.c.done_at
    after = Scorecard.visited_at >= first.c.done_at

    def count(*conditions):
        return func.sum(case((and_(*conditions), weight), else_=0))

    month = [month_start(Scorecard.visited_at).label("day")] if monthly else []
    stmt = (
        select(
            Scorecard.employee_id.label("employee_id"),
            Scorecard.department_id.label("department_id"),
            ScorecardAnswer.skill.label("skill"),
            *month,
            func.sum(weight).label("answers"),
            count(before, applicable).label("before_items"),
            count(before, passed).label("before_passed"),
            count(after, applicable).label("after_items"),
            count(after, passed).label("after_passed"),
        )
        .select_from(Scorecard)
        .join(ScorecardAnswer, ScorecardAnswer.card_id == Scorecard.id)
        # An outer join filtered after grouping: as an inner join the planner may drive the query from the
        # completions and walk every answer of a skill for each of them (minutes on the company-scale data).
        .outerjoin(first, and_(first.c.user_id == Scorecard.employee_id, first.c.skill == ScorecardAnswer.skill))
        .where(Scorecard.status == "approved", Scorecard.employee_id.is_not(None))
        .where(in_periods)
        .group_by(Scorecard.employee_id, Scorecard.department_id, ScorecardAnswer.skill, *month)
        .having(func.count(first.c.done_at) > 0)
    )
    if people is not None:
        stmt = stmt.where(Scorecard.employee_id.in_(people))
    if departments is not None:
        stmt = stmt.where(Scorecard.department_id.in_(departments))
    return stmt


EFFECT_KEYS = ("employee_id", "department_id", "skill")
EFFECT_FIGURES = ("answers", "before_items", "before_passed", "after_items", "after_passed")


def refresh_effect(people=None, connection=None, monthly: bool = True) -> None:
    """Recompute the effect rows of these people (of everyone with ``None``) from the cards and completions,
    in all and (unless ``monthly`` is false, for a database from before ``effect_monthly``) per month."""
    run = (connection or db.session).execute
    tables = [(EffectPerson, False), *([(EffectMonthly, True)] if monthly else [])]
    if people is None:
        chunks = [None]
        for model, _split in tables:
            run(delete(model))
    else:
        chunks = _chunks({int(p) for p in people if p is not None})
        for chunk in chunks:
            for model, _split in tables:
                run(delete(model).where(model.employee_id.in_(chunk)))
    pairs = course_skill_pairs(run)
    if not pairs:
        return
    for chunk in chunks:
        for model, split in tables:
            columns = EFFECT_KEYS + (("day",) if split else ()) + EFFECT_FIGURES
            run(insert(model).from_select(columns, effect_select(pairs, chunk, monthly=split)))


@event.listens_for(Session, "after_flush")
def _note_effect_changes(session, _flush_context) -> None:
    """Remember whose training effect a flush may change: cards approved or disputed, completions, courses."""
    from app.content.models import ContentItem
    from app.learning.models import CourseCompletion
    from app.shopping.models import Scorecard, ScorecardAnswer

    people, cards, everyone = set(), set(), False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CourseCompletion):
            people |= _values(obj, "user_id")
        elif isinstance(obj, Scorecard) and (obj in session.new or _changed(obj, "status", "employee_id")):
            people |= _values(obj, "employee_id")
        elif isinstance(obj, ScorecardAnswer) and obj.card_id is not None:
            cards.add(obj.card_id)
        elif (
            isinstance(obj, ContentItem) and obj.kind == "course" and _changed(obj, "published", "published_version_id")
        ):
            everyone = True
    if people or cards or everyone:
        pending = session.info.setdefault("effect", {"people": set(), "cards": set(), "everyone": False})
        pending["people"] |= people
        pending["cards"] |= cards
        pending["everyone"] = pending["everyone"] or everyone


@event.listens_for(Session, "after_flush_postexec")
def _refresh_effect(session, _flush_context) -> None:
    pending = session.info.pop("effect", None)
    if not pending:
        return
    from app.shopping.models import Scorecard

    connection = session.connection()
    if pending["everyone"]:
        refresh_effect(None, connection)
        return
    people = set(pending["people"])
    for chunk in _chunks(pending["cards"]):
        people |= set(
            connection.scalars(
                select(Scorecard.employee_id).where(Scorecard.id.in_(chunk), Scorecard.status == "approved")
            )
        )
    refresh_effect(people, connection)
