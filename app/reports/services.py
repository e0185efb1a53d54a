"""Reports for HR, aggregated in SQL: one row per department over its whole subtree.

Every figure is computed by the database; Python only joins the per-department
results of a fixed number of queries, whatever the data size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, or_, select, true

from app.content.models import ContentItem
from app.extensions import db
from app.learning.models import Assignment, CourseCompletion, QuizAttempt
from app.learning.stats import assigned_pairs
from app.people.models import Department, User
from app.people.services import subtree_ids
from app.reports.rollups import QuizDaily, ShopDaily
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


def _day_clause(period: Period, column):
    parts = []
    if period.start:
        parts.append(column >= period.start)
    if period.end:
        parts.append(column <= period.end)
    return and_(*parts) if parts else true()


def _card_stats(group_col, joins, period: Period):
    """Approved cards from the daily roll-ups: summed per department first, then over the tree."""
    per_dept = (
        select(
            ShopDaily.department_id.label("department_id"),
            func.sum(ShopDaily.cards).label("cards"),
            func.sum(ShopDaily.scored).label("scored"),
            func.sum(ShopDaily.sum_percent).label("sum_percent"),
            func.sum(ShopDaily.passed).label("passed"),
            func.sum(ShopDaily.critical).label("critical"),
            func.sum(ShopDaily.late).label("late"),
        )
        .where(_day_clause(period, ShopDaily.day))
        .group_by(ShopDaily.department_id)
        .subquery("shop_per_dept")
    )
    stmt = select(
        group_col,
        func.sum(per_dept.c.cards),
        func.sum(per_dept.c.sum_percent) / func.nullif(func.sum(per_dept.c.scored), 0),
        func.sum(per_dept.c.passed),
        func.sum(per_dept.c.critical),
        func.sum(per_dept.c.late),
    ).select_from(per_dept)
    stmt = joins(stmt, per_dept.c.department_id)
    return {row[0]: row[1:] for row in db.session.execute(stmt.group_by(group_col)) if row[1]}


def _quiz_stats(group_col, joins, period: Period):
    """Finished attempts from the daily roll-ups, counted where the person worked when they finished."""
    per_dept = (
        select(
            QuizDaily.department_id.label("department_id"),
            func.sum(QuizDaily.attempts).label("attempts"),
            func.sum(QuizDaily.sum_percent).label("sum_percent"),
            func.sum(QuizDaily.passed).label("passed"),
        )
        .where(_day_clause(period, QuizDaily.day))
        .group_by(QuizDaily.department_id)
        .subquery("quiz_per_dept")
    )
    stmt = select(
        group_col,
        func.sum(per_dept.c.attempts),
        func.sum(per_dept.c.sum_percent) / func.nullif(func.sum(per_dept.c.attempts), 0),
        func.sum(per_dept.c.passed),
    ).select_from(per_dept)
    stmt = joins(stmt, per_dept.c.department_id)
    return {row[0]: row[1:] for row in db.session.execute(stmt.group_by(group_col)) if row[1]}


def _headcount(group_col, joins):
    """Active people, counted per department first, then summed over the tree."""
    per_dept = (
        select(User.department_id.label("department_id"), func.count(User.id).label("people"))
        .where(User.active.is_(True), User.department_id.is_not(None))
        .group_by(User.department_id)
        .subquery("heads_per_dept")
    )
    stmt = joins(select(group_col, func.sum(per_dept.c.people)).select_from(per_dept), per_dept.c.department_id)
    return dict(db.session.execute(stmt.group_by(group_col)).all())


def _assignment_stats(group_col, joins, today: date, people=None):
    """Assigned, completed and overdue (person, course) pairs, per department first, then over the tree.

    ``people`` (a select of user ids) limits the work to those people, e.g. one department's subtree.
    """
    pairs = assigned_pairs()
    # One row per (person, course) however many assignments reach them.
    # A recurring course that has reopened counts as done only if completed again in the new round.
    per_person = (
        select(
            pairs.c.user_id,
            Assignment.course_item_id,
            func.min(Assignment.due_on).label("due"),
            func.max(Assignment.cycle_started_at).label("round_start"),
        )
        .join(Assignment, Assignment.id == pairs.c.assignment_id)
        .where(true() if people is None else pairs.c.user_id.in_(people))
        .group_by(pairs.c.user_id, Assignment.course_item_id)
        .subquery("per_person")
    )
    latest = func.coalesce(CourseCompletion.last_completed_at, CourseCompletion.completed_at)
    done = and_(
        CourseCompletion.id.is_not(None),
        or_(per_person.c.round_start.is_(None), latest >= per_person.c.round_start),
    )
    per_dept = (
        select(
            User.department_id.label("department_id"),
            func.count().label("assigned"),
            func.sum(case((done, 1), else_=0)).label("completed"),
            func.sum(case((and_(~done, per_person.c.due < today), 1), else_=0)).label("overdue"),
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
        .where(User.active.is_(True), User.department_id.is_not(None))
        .group_by(User.department_id)
        .subquery("assignments_per_dept")
    )
    stmt = select(
        group_col, func.sum(per_dept.c.assigned), func.sum(per_dept.c.completed), func.sum(per_dept.c.overdue)
    ).select_from(per_dept)
    stmt = joins(stmt, per_dept.c.department_id)
    return {row[0]: row[1:] for row in db.session.execute(stmt.group_by(group_col))}


def _int(value) -> int:
    return int(value or 0)  # PostgreSQL sums a bigint column to numeric, which arrives as Decimal


def _float(value) -> float | None:
    return None if value is None else float(value)


def _fill(row: DepartmentRow, heads, cards, quizzes, assignments, key) -> DepartmentRow:
    row.employees = _int(heads.get(key))
    c = cards.get(key)
    if c:
        row.shop_count, row.shop_avg_percent = _int(c[0]), _float(c[1])
        row.shop_pass_rate = _ratio(_int(c[2]), row.shop_count)
        row.critical_failures, row.late_cards = _int(c[3]), _int(c[4])
    q = quizzes.get(key)
    if q:
        row.quiz_attempts, row.quiz_avg_percent = _int(q[0]), _float(q[1])
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

    ``roots`` limits the rows to those departments (a department page needs itself and its children),
    so SQL aggregates only their subtrees instead of the whole company.
    """
    period = period or Period()
    today = today or date.today()
    tree = closure()

    def by_root(stmt, dept_col):
        stmt = stmt.join(tree, tree.c.id == dept_col)
        return stmt if roots is None else stmt.where(tree.c.root.in_(roots))

    root = tree.c.root
    heads = _headcount(root, by_root)
    cards = _card_stats(root, by_root, period)
    quizzes = _quiz_stats(root, by_root, period)
    people = None
    if roots is not None:
        people = select(User.id).join(tree, tree.c.id == User.department_id).where(tree.c.root.in_(roots))
    assignments = _assignment_stats(root, by_root, today, people)
    from app.people.services import flatten, load_tree

    rows = []
    for dept, depth in flatten(load_tree()):
        if roots is not None and dept.id not in roots:
            continue
        row = DepartmentRow(id=dept.id, path=dept.path, parent_id=dept.parent_id, depth=depth)
        rows.append(_fill(row, heads, cards, quizzes, assignments, dept.id))
    return rows


def company_row(period: Period | None = None, today: date | None = None, shop_only: bool = False) -> DepartmentRow:
    """The whole company in one row, for comparison (``shop_only``: just the mystery-shop figures)."""
    period = period or Period()
    today = today or date.today()
    everything = func.coalesce(1, 1).label("all")

    def no_join(stmt, dept_col):
        return stmt

    row = DepartmentRow(id=None, path="", parent_id=None)
    if shop_only:
        return _fill(row, {}, _card_stats(everything, no_join, period), {}, {}, 1)
    return _fill(
        row,
        _headcount(everything, no_join),
        _card_stats(everything, no_join, period),
        _quiz_stats(everything, no_join, period),
        _assignment_stats(everything, no_join, today),
        1,
    )


# ---------------------------------------------------------------- per department detail
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
        stmt = stmt.where(Scorecard.department_id.in_(subtree_ids(dept_id)))
    return [
        {"item": r[0], "skill": r[1], "failed": r[2], "applicable": r[3], "rate": r[2] / r[3]}
        for r in db.session.execute(stmt)
    ]


def monthly_trend(dept_id: int | None, period: Period | None = None) -> list[dict]:
    """Average approved card percent and quiz percent per month, from the daily roll-ups.

    Attempts count where the person worked when they finished, as in the department report.
    """
    period = period or Period()
    if db.engine.dialect.name == "postgresql":

        def month(col):
            return func.to_char(col, "YYYY-MM")
    else:

        def month(col):
            return func.strftime("%Y-%m", col)

    card_month = month(ShopDaily.day)
    cards = select(
        card_month,
        func.sum(ShopDaily.sum_percent) / func.nullif(func.sum(ShopDaily.scored), 0),
        func.sum(ShopDaily.cards),
    ).where(_day_clause(period, ShopDaily.day))
    quiz_month = month(QuizDaily.day)
    quizzes = select(
        quiz_month,
        func.sum(QuizDaily.sum_percent) / func.nullif(func.sum(QuizDaily.attempts), 0),
        func.sum(QuizDaily.attempts),
    ).where(_day_clause(period, QuizDaily.day))
    if dept_id is not None:
        # the ids as values: given the recursive query, PostgreSQL guessed hundreds of departments for a team
        ids = subtree_ids(dept_id)
        cards = cards.where(ShopDaily.department_id.in_(ids))
        quizzes = quizzes.where(QuizDaily.department_id.in_(ids))
    out: dict[str, dict] = {}
    for m, avg, n in db.session.execute(cards.group_by(card_month)):
        if not n:
            continue
        out.setdefault(m, {"month": m})["shop"] = float(avg) if avg is not None else None
        out[m]["cards"] = int(n)
    for m, avg, n in db.session.execute(quizzes.group_by(quiz_month)):
        if not n:
            continue
        out.setdefault(m, {"month": m})["quiz"] = float(avg) if avg is not None else None
        out[m]["attempts"] = int(n)
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


# ---------------------------------------------------------------- skills
def _skill_rows(period: Period, root_ids: list[int] | None):
    """Quiz accuracy and shop pass counts per (department subtree, skill), two grouped queries."""
    from app.content.models import QuestionSkill
    from app.learning.models import AttemptAnswer

    tree = closure()
    root = tree.c.root if root_ids is not None else func.coalesce(1, 1)
    # Every question of a finished attempt counts; one left unanswered counts as not correct.
    quiz = (
        select(
            root,
            QuestionSkill.skill,
            func.count(),
            func.sum(case((AttemptAnswer.correct.is_(True), 1), else_=0)),
        )
        .select_from(QuizAttempt)
        .join(QuestionSkill, QuestionSkill.version_id == QuizAttempt.version_id)
        .outerjoin(
            AttemptAnswer,
            and_(AttemptAnswer.attempt_id == QuizAttempt.id, AttemptAnswer.question_key == QuestionSkill.question_key),
        )
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.status == "finished", period.clause(QuizAttempt.finished_at))
    )
    shop = (
        select(
            root,
            ScorecardAnswer.skill,
            func.sum(case((ScorecardAnswer.answer.in_(("yes", "no")), 1), else_=0)),
            func.sum(case((ScorecardAnswer.answer == "yes", 1), else_=0)),
        )
        .select_from(ScorecardAnswer)
        .join(Scorecard, Scorecard.id == ScorecardAnswer.card_id)
        .where(Scorecard.status == "approved", ScorecardAnswer.skill.is_not(None), period.clause(Scorecard.visited_at))
    )
    if root_ids is not None:
        quiz = quiz.join(tree, tree.c.id == User.department_id).where(tree.c.root.in_(root_ids))
        shop = shop.join(tree, tree.c.id == Scorecard.department_id).where(tree.c.root.in_(root_ids))
    quiz_rows = db.session.execute(quiz.group_by(root, QuestionSkill.skill)).all()
    shop_rows = db.session.execute(shop.group_by(root, ScorecardAnswer.skill)).all()
    return quiz_rows, shop_rows


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


def skill_heatmap(dept_ids: list[int], period: Period | None = None) -> tuple[list[str], dict]:
    """Departments x skills: quiz accuracy on questions of the skill and shop pass rate on its items.

    Returns (skills in order, {dept_id: {skill: SkillCell}}); ``None`` as a key is the whole company.
    """
    period = period or Period()
    cells: dict = {}
    for key_ids in (dept_ids, None):
        if key_ids is not None and not key_ids:
            continue
        quiz_rows, shop_rows = _skill_rows(period, key_ids)
        for root, skill, answers, correct in quiz_rows:
            cell = cells.setdefault(root if key_ids is not None else None, {}).setdefault(skill, SkillCell())
            cell.quiz_answers, cell.quiz_correct = answers, correct or 0
        for root, skill, items, passed in shop_rows:
            cell = cells.setdefault(root if key_ids is not None else None, {}).setdefault(skill, SkillCell())
            cell.shop_items, cell.shop_passed = items or 0, passed or 0
    skills = sorted({s for row in cells.values() for s in row})
    return skills, cells


def _course_skills():
    """(course item id, skill) pairs of the published courses, as a small literal CTE; None if there are none."""
    from sqlalchemy import Integer, String, literal, union_all

    from app.content.services import published_all

    pairs = [(v.item_id, s) for v in published_all("course") for s in (v.data.get("skills") or [])]
    if not pairs:
        return None
    selects = [
        select(literal(course, Integer).label("course_id"), literal(skill, String).label("skill"))
        for course, skill in pairs
    ]
    return union_all(*selects).cte("course_skills")


def training_effect(dept_id: int | None, period: Period | None = None) -> list[dict]:
    """Per skill: shop pass rate on its items, for the people who completed a course training it,
    on cards before and after their first such completion."""
    period = period or Period()
    course_skills = _course_skills()
    if course_skills is None:
        return []
    # When each person first completed a course training each skill: a small grouped set. The cards of the
    # department drive the query and look it up by (person, skill); as the right side of a LEFT JOIN it cannot
    # be turned into the outer loop, which on the company-scale data meant walking every answer of a skill.
    first = (
        select(
            CourseCompletion.user_id.label("user_id"),
            course_skills.c.skill.label("skill"),
            func.min(CourseCompletion.completed_at).label("done_at"),
        )
        .join(course_skills, course_skills.c.course_id == CourseCompletion.course_item_id)
        .group_by(CourseCompletion.user_id, course_skills.c.skill)
    )
    subtree = subtree_ids(dept_id) if dept_id is not None else None
    if subtree is not None:  # only the people observed in this subtree, wherever they work now
        observed = select(Scorecard.employee_id).where(
            Scorecard.department_id.in_(subtree), Scorecard.status == "approved"
        )
        first = first.where(CourseCompletion.user_id.in_(observed))
    first = first.subquery("first_completion")
    applicable = ScorecardAnswer.answer.in_(("yes", "no"))
    passed = ScorecardAnswer.answer == "yes"
    before = Scorecard.visited_at < first.c.done_at
    after = Scorecard.visited_at >= first.c.done_at

    def count(*conditions):
        return func.sum(case((and_(*conditions), 1), else_=0))

    stmt = (
        select(
            ScorecardAnswer.skill,
            count(before, applicable),
            count(before, passed),
            count(after, applicable),
            count(after, passed),
            func.count(func.distinct(case((first.c.done_at.is_not(None), Scorecard.employee_id)))),
        )
        .select_from(Scorecard)
        .join(ScorecardAnswer, ScorecardAnswer.card_id == Scorecard.id)
        .outerjoin(first, and_(first.c.user_id == Scorecard.employee_id, first.c.skill == ScorecardAnswer.skill))
        .where(Scorecard.status == "approved", Scorecard.employee_id.is_not(None), period.clause(Scorecard.visited_at))
        .group_by(ScorecardAnswer.skill)
        .having(func.count(first.c.done_at) > 0)
        .order_by(ScorecardAnswer.skill)
    )
    if subtree is not None:
        stmt = stmt.where(Scorecard.department_id.in_(subtree))
    out = []
    for skill, b_n, b_pass, a_n, a_pass, people in db.session.execute(stmt):
        b_rate, a_rate = _ratio(b_pass or 0, b_n or 0), _ratio(a_pass or 0, a_n or 0)
        out.append(
            {
                "skill": skill,
                "people": people,
                "before_items": b_n or 0,
                "before_rate": b_rate,
                "after_items": a_n or 0,
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


def team_figures(user: User) -> dict[str, GroupFigure] | None:
    """The person's own department, for comparison on their dashboard.

    A figure is hidden when it rests on fewer people than MIN_GROUP_SIZE, so it cannot single anyone out.
    """
    if user.department_id is None:
        return None
    minimum = current_app.config["MIN_GROUP_SIZE"]
    shop_avg, shop_people = db.session.execute(
        select(func.avg(Scorecard.total_percent), func.count(func.distinct(Scorecard.employee_id))).where(
            Scorecard.department_id == user.department_id, Scorecard.status == "approved"
        )
    ).one()
    colleagues = select(User.id).where(User.department_id == user.department_id)
    quiz_avg, quiz_people = db.session.execute(
        # by person (indexed): joining users let the planner walk every finished attempt of the company
        select(func.avg(QuizAttempt.percent), func.count(func.distinct(QuizAttempt.user_id))).where(
            QuizAttempt.user_id.in_(colleagues), QuizAttempt.status == "finished"
        )
    ).one()

    def figure(value, people):
        hidden = people < minimum
        return GroupFigure(None if hidden or value is None else float(value), people, hidden)

    return {"shop": figure(shop_avg, shop_people), "quiz": figure(quiz_avg, quiz_people)}
