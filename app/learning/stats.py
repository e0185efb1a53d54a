"""Quiz item statistics and overdue assignments, computed in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    select,
    table,
    text,
    true,
    union_all,
)

from app.content.model import Quiz
from app.content.models import ContentItem, ContentVersion
from app.content.services import document
from app.extensions import db
from app.learning.assigned import course_rounds
from app.learning.models import QuizAttempt
from app.people.models import User

GROUP_SHARE = 0.27
EASY_FACILITY = 0.9  # a question this many answer right teaches and measures little
FLAG_MIN_ANSWERS = 10  # answers a question needs before it is flagged as too easy or for an unpicked option


@dataclass
class QuestionStats:
    key: str
    prompt: str
    answered: int = 0
    correct: int = 0
    facility: float | None = None
    discrimination: float | None = None
    option_counts: list[int] = field(default_factory=list)
    type: str = "single"

    @property
    def too_easy(self) -> bool:
        """Nearly everyone gets it right (over enough answers)."""
        return self.facility is not None and self.answered >= FLAG_MIN_ANSWERS and self.facility >= EASY_FACILITY

    @property
    def unpicked(self) -> list[int]:
        """The options nobody chose (over enough answers; an order question has every item placed)."""
        if self.type == "order" or self.answered < FLAG_MIN_ANSWERS:
            return []
        return [i for i, n in enumerate(self.option_counts) if n == 0]

    @property
    def flag(self) -> str | None:
        if self.facility is None or self.answered < 5:
            return None
        if self.facility == 0:
            return "nobody"
        if self.facility == 1:
            return "everybody"
        return None


@dataclass
class QuizReport:
    attempts: int
    average_percent: float | None
    pass_rate: float | None
    questions: list[QuestionStats]


def _cutoff(finished, offset: int, descending: bool) -> float | None:
    order = QuizAttempt.percent.desc() if descending else QuizAttempt.percent.asc()
    return db.session.scalar(select(QuizAttempt.percent).where(finished).order_by(order).offset(offset).limit(1))


def item_statistics(version: ContentVersion, scope: set[int] | None = None) -> QuizReport:
    """Attempts, facility, discrimination (upper vs lower 27 %) and option counts per question, over the
    attempts of people in the departments ``scope`` (None: everyone's)."""
    quiz: Quiz = document(version)
    finished = and_(QuizAttempt.version_id == version.id, QuizAttempt.status == "finished")
    if scope is not None:
        finished = and_(finished, QuizAttempt.user_id.in_(_people_of(scope)))
    # count(*), not count(id): the (version, status, percent, passed) index then answers alone (PostgreSQL
    # read 14,000 table pages for the ids of a quiz's 20,000 attempts, 87 ms instead of 3)
    attempts, average, passed = db.session.execute(
        select(
            func.count(),
            func.avg(QuizAttempt.percent),
            func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)),
        ).where(finished)
    ).one()
    report = QuizReport(attempts or 0, average, (passed or 0) / attempts if attempts else None, [])
    if not attempts:
        report.questions = [QuestionStats(q.key, q.prompt, option_counts=[0] * len(q.options)) for q in quiz.questions]
        return report
    group = max(1, round(attempts * GROUP_SHARE))
    upper_cut = _cutoff(finished, group - 1, descending=True)
    lower_cut = _cutoff(finished, group - 1, descending=False)
    upper_n, lower_n = db.session.execute(
        select(
            func.sum(case((QuizAttempt.percent >= upper_cut, 1), else_=0)),
            func.sum(case((QuizAttempt.percent <= lower_cut, 1), else_=0)),
        ).where(finished)
    ).one()
    order_keys = [q.key for q in quiz.questions if q.type == "order"]
    by_key, counts = _answer_counts(version.id, order_keys, scope, upper_cut, lower_cut)
    for q in quiz.questions:
        stats = QuestionStats(
            q.key, q.prompt, option_counts=[counts.get((q.key, i), 0) for i in range(len(q.options))], type=q.type
        )
        answered, correct, upper, lower = by_key.get(q.key, (0, 0, 0, 0))
        stats.answered, stats.correct = answered, correct
        stats.facility = correct / attempts  # an unanswered question counts as wrong
        if answered:
            stats.discrimination = upper / upper_n - lower / lower_n
        report.questions.append(stats)
    return report


def _people_of(scope: set[int]):
    return select(User.id).where(User.department_id.in_(sorted(scope)))


# Each answer of the finished attempts, read once, joined to the options it chose (none for an empty
# answer): its first row counts the answer itself; the rows of the options count how often each was chosen,
# in any place and in the first (an order question's options are all placed; its first one is counted).
_ANSWER_COUNTS = (
    "SELECT a.question_key, CAST(e.value AS INTEGER) AS option, "
    "count(*) FILTER (WHERE {first}), "
    "count(*) FILTER (WHERE {first} AND a.correct), "
    "count(*) FILTER (WHERE {first} AND a.correct AND t.percent >= :upper), "
    "count(*) FILTER (WHERE {first} AND a.correct AND t.percent <= :lower), "
    "count(e.value), "
    "count(*) FILTER (WHERE {place} = {start}) "
    "FROM attempt_answers a JOIN quiz_attempts t ON t.id = a.attempt_id "
    "LEFT JOIN {options} "
    "WHERE t.version_id = :v AND t.status = 'finished'{people} "
    "GROUP BY a.question_key, option"
)
_OPTIONS = {
    "postgresql": ("LATERAL json_array_elements_text(a.response) WITH ORDINALITY AS e(value, pos) ON true", "e.pos", 1),
    "sqlite": ("json_each(a.response) e", "e.key", 0),
}


def _answer_counts(version_id: int, order_keys: list[str], scope: set[int] | None, upper_cut, lower_cut):
    """Over the finished attempts of people in the departments ``scope`` (None: everyone's), in one reading
    of their answers: per question its answers, right answers, and right answers in the upper and the lower
    group (percent at or above ``upper_cut``, at or below ``lower_cut``); and how often each option was
    chosen (first place for the ``order_keys`` questions), keyed (question, option)."""
    people = "" if scope is None else " AND t.user_id IN (SELECT id FROM users WHERE department_id IN :scope)"
    options, place, start = _OPTIONS[db.engine.dialect.name]
    first = f"coalesce({place}, {start}) = {start}"
    sql = text(_ANSWER_COUNTS.format(first=first, place=place, start=start, options=options, people=people))
    params = {"v": version_id, "upper": upper_cut, "lower": lower_cut}
    if scope is not None:
        sql = sql.bindparams(bindparam("scope", expanding=True))
        params["scope"] = sorted(scope) or [-1]
    per_question: dict[str, list[int]] = {}
    counts: dict[tuple[str, int], int] = {}
    for key, option, *figures, chosen, chosen_first in db.session.execute(sql, params):
        per_question[key] = [sum(pair) for pair in zip(per_question.get(key, (0, 0, 0, 0)), figures, strict=True)]
        if option is not None:
            counts[(key, int(option))] = chosen_first if key in order_keys else chosen
    return {key: tuple(values) for key, values in per_question.items()}, counts


# The course status rows (app/rollups/course_status.py), read by name as the figures read the base tables:
# the roll-ups fill them with this package's rule (course_status_select), so it cannot import their model.
COURSE_STATUS = table(
    "course_status",
    column("user_id", Integer),
    column("course_item_id", Integer),
    column("department_id", Integer),
    column("due_on", Date),
    column("done", Boolean),
)


def _overdue(source, user_col, course_col, due_col, *conditions, limit: int):
    """The first ``limit`` (name, email, course title, due date) of ``source``'s rows past due, earliest first."""
    return (
        select(User.name, User.email, ContentVersion.title, due_col.label("due_on"))
        .select_from(source)
        .join(User, User.id == user_col)
        .join(ContentItem, ContentItem.id == course_col)
        .join(ContentVersion, ContentVersion.id == ContentItem.published_version_id)
        .where(User.active.is_(True), *conditions)
        .order_by(due_col, User.name, User.email, ContentVersion.title)
        .limit(limit)
    )


def overdue_people(limit: int = 50, today: date | None = None, scope: set[int] | None = None) -> list[tuple]:
    """(person name, email, course title, due date) for assigned courses past due and not completed (of
    people working in ``scope``'s departments when given), earliest first.

    By the rule of the reports and dashboards (``course_rounds``), one row per person and course however
    many assignments reach them: for people in a department, their course status rows (kept by that
    rule, read through an index); for people assigned by name without one, the rule itself."""
    today = today or date.today()
    status = COURSE_STATUS
    parts = [
        _overdue(
            status,
            status.c.user_id,
            status.c.course_item_id,
            status.c.due_on,
            status.c.done == false(),
            status.c.due_on < today,
            true() if scope is None else status.c.department_id.in_(sorted(scope)),
            limit=limit,
        )
    ]
    if scope is None:  # a scope holds departments: nobody without one is in it
        rounds = course_rounds(select(User.id).where(User.department_id.is_(None)))
        parts.append(
            _overdue(
                rounds,
                rounds.c.user_id,
                rounds.c.course_item_id,
                rounds.c.due_on,
                ~rounds.c.done,
                rounds.c.due_on < today,
                limit=limit,
            )
        )
    both = union_all(*(part.subquery().select() for part in parts)).subquery("overdue")
    stmt = select(both).order_by(both.c.due_on, both.c.name, both.c.email, both.c.title).limit(limit)
    return list(db.session.execute(stmt).all())


__all__ = ["item_statistics", "overdue_people", "literal"]
