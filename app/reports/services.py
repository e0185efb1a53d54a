"""Reports for HR, aggregated in SQL: one row per department over its whole subtree.

Every figure is computed by the database; Python only joins the per-department
results of a fixed number of queries, whatever the data size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, select, true

from app.content.models import ContentItem
from app.extensions import db
from app.learning.models import Assignment, CourseCompletion, QuizAttempt
from app.learning.stats import assigned_pairs
from app.people.models import Department, User
from app.shopping.models import Scorecard, ScorecardAnswer

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


def closure():
    """(id, root) pairs: each department with itself and every department above it as root."""
    base = select(Department.id.label("id"), Department.id.label("root"))
    tree = base.cte("closure", recursive=True)
    parent = select(Department.id, tree.c.root).join(tree, Department.parent_id == tree.c.id)
    return tree.union_all(parent)


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


def _card_stats(group_col, joins, period: Period):
    approved = and_(Scorecard.status == "approved", period.clause(Scorecard.visited_at))
    stmt = select(
        group_col,
        func.count(Scorecard.id),
        func.avg(Scorecard.total_percent),
        func.sum(case((Scorecard.passed.is_(True), 1), else_=0)),
        func.sum(case((Scorecard.critical_failed.is_(True), 1), else_=0)),
        func.sum(case((Scorecard.late.is_(True), 1), else_=0)),
    ).select_from(Scorecard)
    stmt = joins(stmt, Scorecard.department_id).where(approved)
    return {row[0]: row[1:] for row in db.session.execute(stmt.group_by(group_col))}


def _quiz_stats(group_col, joins, period: Period):
    stmt = (
        select(
            group_col,
            func.count(QuizAttempt.id),
            func.avg(QuizAttempt.percent),
            func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)),
        )
        .select_from(QuizAttempt)
        .join(User, User.id == QuizAttempt.user_id)
    )
    stmt = joins(stmt, User.department_id).where(
        QuizAttempt.status == "finished", User.department_id.is_not(None), period.clause(QuizAttempt.finished_at)
    )
    return {row[0]: row[1:] for row in db.session.execute(stmt.group_by(group_col))}


def _headcount(group_col, joins):
    stmt = select(group_col, func.count(User.id)).select_from(User)
    stmt = joins(stmt, User.department_id).where(User.active.is_(True), User.department_id.is_not(None))
    return dict(db.session.execute(stmt.group_by(group_col)).all())


def _assignment_stats(group_col, joins, today: date):
    pairs = assigned_pairs()
    # One row per (person, course) however many assignments reach them.
    per_person = (
        select(pairs.c.user_id, Assignment.course_item_id, func.min(Assignment.due_on).label("due"))
        .join(Assignment, Assignment.id == pairs.c.assignment_id)
        .group_by(pairs.c.user_id, Assignment.course_item_id)
        .subquery("per_person")
    )
    done = CourseCompletion.id.is_not(None)
    stmt = (
        select(
            group_col,
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((and_(~done, per_person.c.due < today), 1), else_=0)),
        )
        .select_from(per_person)
        .join(User, User.id == per_person.c.user_id)
        .outerjoin(
            CourseCompletion,
            and_(
                CourseCompletion.user_id == per_person.c.user_id,
                CourseCompletion.course_item_id == per_person.c.course_item_id,
            ),
        )
    )
    stmt = joins(stmt, User.department_id).where(User.active.is_(True), User.department_id.is_not(None))
    return {row[0]: row[1:] for row in db.session.execute(stmt.group_by(group_col))}


def _fill(row: DepartmentRow, heads, cards, quizzes, assignments, key) -> DepartmentRow:
    row.employees = heads.get(key, 0) or 0
    c = cards.get(key)
    if c:
        row.shop_count, row.shop_avg_percent = c[0], (float(c[1]) if c[1] is not None else None)
        row.shop_pass_rate, row.critical_failures, row.late_cards = _ratio(c[2] or 0, c[0]), c[3] or 0, c[4] or 0
    q = quizzes.get(key)
    if q:
        row.quiz_attempts, row.quiz_avg_percent = q[0], (float(q[1]) if q[1] is not None else None)
        row.quiz_pass_rate = _ratio(q[2] or 0, q[0])
    a = assignments.get(key)
    if a:
        row.assigned, row.completed, row.overdue = a[0], a[1] or 0, a[2] or 0
        row.completion_rate = _ratio(row.completed, row.assigned)
    row.level = level_for(row.shop_avg_percent, row.shop_count)
    return row


def department_report(period: Period | None = None, today: date | None = None) -> list[DepartmentRow]:
    """One row per department, each over its whole subtree, in tree order."""
    period = period or Period()
    today = today or date.today()
    tree = closure()

    def by_root(stmt, dept_col):
        return stmt.join(tree, tree.c.id == dept_col)

    root = tree.c.root
    heads = _headcount(root, by_root)
    cards = _card_stats(root, by_root, period)
    quizzes = _quiz_stats(root, by_root, period)
    assignments = _assignment_stats(root, by_root, today)
    from app.people.services import flatten, load_tree

    rows = []
    for dept, depth in flatten(load_tree()):
        row = DepartmentRow(id=dept.id, path=dept.path, parent_id=dept.parent_id, depth=depth)
        rows.append(_fill(row, heads, cards, quizzes, assignments, dept.id))
    return rows


def company_row(period: Period | None = None, today: date | None = None) -> DepartmentRow:
    """The whole company in one row, for comparison."""
    period = period or Period()
    today = today or date.today()
    everything = func.coalesce(1, 1).label("all")

    def no_join(stmt, dept_col):
        return stmt

    row = DepartmentRow(id=None, path="", parent_id=None)
    return _fill(
        row,
        _headcount(everything, no_join),
        _card_stats(everything, no_join, period),
        _quiz_stats(everything, no_join, period),
        _assignment_stats(everything, no_join, today),
        1,
    )


# ---------------------------------------------------------------- per department detail
def _subtree_filter(dept_id: int):
    tree = closure()
    return select(tree.c.id).where(tree.c.root == dept_id)


def item_failure_rates(dept_id: int | None, period: Period | None = None, limit: int = 20) -> list[dict]:
    """Checklist items by failure rate (no / applicable answers on approved cards), worst first."""
    period = period or Period()
    failed = func.sum(case((ScorecardAnswer.answer == "no", 1), else_=0))
    applicable = func.sum(case((ScorecardAnswer.answer.in_(("yes", "no")), 1), else_=0))
    stmt = (
        select(ScorecardAnswer.item_id, ScorecardAnswer.skill, failed, applicable)
        .join(Scorecard, Scorecard.id == ScorecardAnswer.card_id)
        .where(Scorecard.status == "approved", period.clause(Scorecard.visited_at))
        .group_by(ScorecardAnswer.item_id, ScorecardAnswer.skill)
        .having(applicable > 0)
        .order_by((failed * 1.0 / applicable).desc(), ScorecardAnswer.item_id)
        .limit(limit)
    )
    if dept_id is not None:
        stmt = stmt.where(Scorecard.department_id.in_(_subtree_filter(dept_id)))
    return [
        {"item": r[0], "skill": r[1], "failed": r[2], "applicable": r[3], "rate": r[2] / r[3]}
        for r in db.session.execute(stmt)
    ]


def monthly_trend(dept_id: int | None, period: Period | None = None) -> list[dict]:
    """Average approved card percent and quiz percent per month."""
    period = period or Period()
    if db.engine.dialect.name == "postgresql":

        def month(col):
            return func.to_char(col, "YYYY-MM")
    else:

        def month(col):
            return func.strftime("%Y-%m", col)

    card_month = month(Scorecard.visited_at)
    cards = select(card_month, func.avg(Scorecard.total_percent), func.count(Scorecard.id)).where(
        Scorecard.status == "approved", period.clause(Scorecard.visited_at)
    )
    quiz_month = month(QuizAttempt.finished_at)
    quizzes = (
        select(quiz_month, func.avg(QuizAttempt.percent), func.count(QuizAttempt.id))
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.status == "finished", period.clause(QuizAttempt.finished_at))
    )
    if dept_id is not None:
        cards = cards.where(Scorecard.department_id.in_(_subtree_filter(dept_id)))
        quizzes = quizzes.where(User.department_id.in_(_subtree_filter(dept_id)))
    out: dict[str, dict] = {}
    for m, avg, n in db.session.execute(cards.group_by(card_month)):
        out.setdefault(m, {"month": m})["shop"] = float(avg) if avg is not None else None
        out[m]["cards"] = n
    for m, avg, n in db.session.execute(quizzes.group_by(quiz_month)):
        out.setdefault(m, {"month": m})["quiz"] = float(avg) if avg is not None else None
        out[m]["attempts"] = n
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


def employee_report(user: User, period: Period | None = None, today: date | None = None) -> EmployeeReport:
    """One person's learning and approved shop results; no shop average below the fairness minimum."""
    from app.content.services import published_all
    from app.learning.services import my_assignments
    from app.shopping.models import Dispute

    period = period or Period()
    approved = and_(
        Scorecard.employee_id == user.id, Scorecard.status == "approved", period.clause(Scorecard.visited_at)
    )
    count, average = db.session.execute(
        select(func.count(Scorecard.id), func.avg(Scorecard.total_percent)).where(approved)
    ).one()
    minimum = current_app.config["MIN_CARDS_FOR_SCORE"]
    cards = list(db.session.scalars(select(Scorecard).where(approved).order_by(Scorecard.visited_at)))
    titles = {v.item_id: (v.item.slug, v.title) for v in published_all("quiz")}
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
    rows = my_assignments(user, today)
    assignments = [
        {
            "course": r.progress.version.item.slug,
            "title": r.progress.version.title,
            "reason": r.assignment.reason,
            "due": r.assignment.due_on.isoformat() if r.assignment.due_on else None,
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
        count,
        float(average) if count >= minimum and average is not None else None,
        cards,
        attempts,
        assignments,
        disputes,
    )


def courses_count() -> int:
    return db.session.scalar(select(func.count(ContentItem.id)).where(ContentItem.kind == "course"))
