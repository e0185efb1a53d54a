"""Learner operations: reading cases, taking quizzes, progress and assignments."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

from sqlalchemy import bindparam, func, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, lazyload

from app.content import services as content
from app.content.model import Question, Quiz
from app.content.models import ContentItem, ContentVersion
from app.core import audit, signals
from app.core.audit import utcnow
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.inputs import paginate_rows
from app.core.rows import rows
from app.core.transitions import StateConflict, lock, transition
from app.extensions import db
from app.learning.assigned import (  # noqa: F401 - re-exported
    AssignedCourse,
    ancestor_ids,
    assigned_courses,
    assignments_for,
    cycle_starts,
)
from app.learning.models import Assignment, AttemptAnswer, CaseRead, CourseCompletion, QuizAttempt
from app.learning.scoring import score_quiz
from app.people.models import Department, User
from app.people.services import check_department_in_scope, scope_ids

# ---------------------------------------------------------------- cases
_READ = (
    select(CaseRead.id)
    .where(CaseRead.user_id == bindparam("user_id"), CaseRead.case_item_id == bindparam("item_id"))
    .limit(1)
)


def has_read(user: User, case_item_id: int) -> bool:
    """Whether the person has marked the case read (in any round)."""
    return rows(_READ, {"user_id": user.id, "item_id": case_item_id}).first() is not None


def mark_read(user: User, case_version: ContentVersion, now: datetime | None = None) -> CaseRead:
    """Record that the user has read a case (once; a later read counts only when a recurring course
    containing the case has started a new round since the recorded one)."""
    now = now or utcnow()
    existing = db.session.scalars(
        select(CaseRead).where(CaseRead.user_id == user.id, CaseRead.case_item_id == case_version.item_id)
    ).first()
    if existing is not None:
        start = round_start(user, case_slugs={case_version.item.slug})
        if start is not None and existing.read_at < start:
            existing.read_at, existing.version_id = now, case_version.id
            db.session.flush()
            refresh_completions(user, now)
        return existing
    read = CaseRead(user_id=user.id, case_item_id=case_version.item_id, version_id=case_version.id, read_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(read)
    except IntegrityError:  # a double click from two tabs: the other request recorded it
        return db.session.scalars(
            select(CaseRead).where(CaseRead.user_id == user.id, CaseRead.case_item_id == case_version.item_id)
        ).one()
    refresh_completions(user, now)
    return read


# ---------------------------------------------------------------- quiz attempts
@lru_cache(maxsize=1)
def _attempts_statement():
    """Built on first use (loader options need every model mapped), then reused."""
    return (
        select(QuizAttempt)
        .options(lazyload(QuizAttempt.answers))
        .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.quiz_item_id == bindparam("quiz_item_id"))
        .order_by(QuizAttempt.number)
    )


# What the quiz page shows of each attempt (and the attempt limit counts), as plain rows.
_ATTEMPT_ROWS_FOR = (
    select(
        QuizAttempt.id,
        QuizAttempt.number,
        QuizAttempt.status,
        QuizAttempt.started_at,
        QuizAttempt.percent,
        QuizAttempt.passed,
    )
    .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.quiz_item_id == bindparam("quiz_item_id"))
    .order_by(QuizAttempt.number)
)


def attempts_for(user: User, quiz_item_id: int, objects: bool = True) -> list[QuizAttempt]:
    """The user's attempts on a quiz, oldest first; their answers load only if asked for. With
    ``objects=False`` each is a row of id, number, status, started_at, percent and passed (what the quiz
    page shows), not an ORM object: loading objects cost twice the query."""
    params = {"user_id": user.id, "quiz_item_id": quiz_item_id}
    if not objects:
        return rows(_ATTEMPT_ROWS_FOR, params).all()
    return list(db.session.scalars(_attempts_statement(), params))


def counted_attempts(user: User, quiz_version: ContentVersion, attempts: list[QuizAttempt]) -> list[QuizAttempt]:
    """The attempts that count against the quiz's limit: those of the current round of any recurring
    course that uses the quiz (all of them otherwise)."""
    quiz_slug = quiz_version.item.slug
    cases = {v.slug for v in content.published_index("case") if v.data.get("quiz") == quiz_slug}
    start = round_start(user, case_slugs=cases)
    return [a for a in attempts if start is None or a.started_at >= start]


def attempts_left(
    user: User, quiz_slug: str, attempts: list[QuizAttempt] | None = None, version: ContentVersion | None = None
) -> int | None:
    """How many more attempts the person may start at the published quiz (None: no limit); ``version``
    is its published version when the caller has it already."""
    version = version or content.published("quiz", quiz_slug)
    if version is None:
        return 0
    limit = content.document(version).max_attempts
    if not limit:
        return None
    attempts = attempts_for(user, version.item_id, objects=False) if attempts is None else attempts
    return max(0, limit - len(counted_attempts(user, version, attempts)))


def start_attempt(user: User, quiz_version: ContentVersion, now: datetime | None = None) -> QuizAttempt:
    """The open attempt on this quiz, or a new one; raises DomainError when no attempts are left."""
    now = now or utcnow()
    quiz: Quiz = content.document(quiz_version)
    attempts = attempts_for(user, quiz_version.item_id)
    for attempt in attempts:
        if attempt.is_open:
            if attempt.expired(now):
                expire_attempt(attempt, now)
                continue
            return attempt
    if quiz.max_attempts and len(counted_attempts(user, quiz_version, attempts)) >= quiz.max_attempts:
        raise DomainError(_l("You have used all %(n)d attempts on this quiz.", n=quiz.max_attempts))
    attempt = QuizAttempt(
        user_id=user.id,
        quiz_item_id=quiz_version.item_id,
        version_id=quiz_version.id,
        number=len(attempts) + 1,
        seed=random.SystemRandom().randrange(1, 2**31 - 1),
        started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit_min) if quiz.time_limit_min else None,
        status="open",
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # started twice at once: use the one the other request made
        return db.session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.quiz_item_id == quiz_version.item_id,
                QuizAttempt.number == attempt.number,
            )
        ).one()
    return attempt


def attempt_quiz(attempt: QuizAttempt) -> Quiz:
    return content.document(attempt.version)


@dataclass
class ShownQuestion:
    question: Question
    number: int
    option_order: list[int]  # indexes into question.options, in the order shown


def presentation(attempt: QuizAttempt) -> list[ShownQuestion]:
    """Questions and options in the order this attempt shows them (stable across reloads)."""
    quiz = attempt_quiz(attempt)
    rng = random.Random(attempt.seed)
    questions = list(quiz.questions)
    if quiz.shuffle:
        rng.shuffle(questions)
    shown = []
    for n, q in enumerate(questions, start=1):
        order = list(range(len(q.options)))
        if quiz.shuffle or q.type == "order":
            rng.shuffle(order)
            if q.type == "order" and order == sorted(order) and len(order) > 1:
                order = order[1:] + order[:1]  # never show an order question already solved
        shown.append(ShownQuestion(q, n, order))
    return shown


def unanswered(attempt: QuizAttempt, shown: list[ShownQuestion]) -> list[ShownQuestion]:
    """The questions of an attempt with no answer saved, in the order the attempt shows them."""
    answered = {a.question_key for a in attempt.answers if a.response}
    return [sq for sq in shown if sq.question.key not in answered]


def validate_response(question: Question, response: list) -> list[int]:
    """A clean response for a question; raises DomainError for one that cannot be right for it."""
    try:
        values = [int(v) for v in response]
    except (TypeError, ValueError) as exc:
        raise DomainError(_l("This answer is not valid.")) from exc
    n = len(question.options)
    if any(v < 0 or v >= n for v in values) or len(set(values)) != len(values):
        raise DomainError(_l("This answer is not valid."))
    if question.type == "single" and len(values) > 1:
        raise DomainError(_l("Choose one option."))
    if question.type == "order" and values and sorted(values) != list(range(n)):
        raise DomainError(_l("Put every item in order."))
    return values


def save_answer(attempt: QuizAttempt, key: str, response: list, now: datetime | None = None) -> AttemptAnswer | None:
    """Store (or replace) one answer; raises DomainError when the attempt is closed or the time is up."""
    now = now or utcnow()
    lock(attempt)  # answers saved by parallel requests (a double click on Finish) go one after the other
    if attempt.is_open and attempt.expired(now):
        expire_attempt(attempt, now)
    attempt.check_open(now)
    question = next((q for q in attempt_quiz(attempt).questions if q.key == key), None)
    if question is None:
        raise DomainError(_l("There is no such question in this quiz."))
    values = validate_response(question, response)
    answer = attempt.answer_for(key)
    if answer is None:
        answer = AttemptAnswer(question_key=key, response=values, answered_at=now)
        attempt.answers.append(answer)
    else:
        answer.response = values
        answer.answered_at = now
    db.session.flush()
    return answer


def finish_attempt(attempt: QuizAttempt, now: datetime | None = None) -> QuizAttempt:
    """Score and close an attempt; raises StateConflict if it is already finished (by a parallel request too)."""
    now = now or utcnow()
    lock(attempt)  # the answers scored are the last ones saved, by whichever request
    if not attempt.is_open or not transition(attempt, allowed=("open",), to="finished"):
        raise StateConflict(_l("This attempt is already finished."), attempt.status)
    quiz = attempt_quiz(attempt)
    responses = {a.question_key: a.response for a in attempt.answers}
    score = score_quiz(quiz, responses)
    by_key = {q.key: q for q in quiz.questions}
    for answer in attempt.answers:
        q = by_key.get(answer.question_key)
        if q is None:
            continue
        earned = score.per_question[q.key]
        answer.earned = float(earned)
        answer.possible = q.points
        answer.correct = earned == q.points
    attempt.earned = float(score.earned)
    attempt.possible = float(score.possible)
    attempt.percent = float(score.percent)
    attempt.passed = score.passed(quiz.pass_percent)
    attempt.timed_out = attempt.expired(now)
    attempt.finished_at = min(now, attempt.deadline_at) if attempt.deadline_at else now
    user = db.session.get(User, attempt.user_id)
    attempt.department_id = user.department_id
    db.session.flush()
    if attempt.passed:
        refresh_completions(user, now)
    signals.attempt_finished.send(attempt)  # its figures recomputed, the learner told
    return attempt


def expire_attempt(attempt: QuizAttempt, now: datetime) -> None:
    """Close an attempt whose time is up, unless another request has just closed it."""
    try:
        finish_attempt(attempt, now)
    except StateConflict:
        pass  # closed meanwhile: nothing left to do


ATTEMPTS_PER_PAGE = 10


def attempts_page(user: User, page: int, per_page: int = ATTEMPTS_PER_PAGE):
    """One page of the person's attempts, newest first, as rows of what the list shows (id, number,
    started, status, percent, passed, the quiz's title and the language of the version taken): no ORM
    objects. A page of ten, so the list costs the same for a person with a long history."""
    return paginate_rows(_ATTEMPT_ROWS, _ATTEMPT_COUNT, {"user_id": user.id}, page, per_page)


_EXPIRED_IDS = select(QuizAttempt.id).where(
    QuizAttempt.user_id == bindparam("user_id"),
    QuizAttempt.status == "open",
    QuizAttempt.deadline_at <= bindparam("now"),
)
_EXPIRED = select(QuizAttempt).where(QuizAttempt.id.in_(bindparam("ids", expanding=True)))


def close_expired_attempts(user: User, now: datetime | None = None) -> int:
    """Finish this user's attempts whose time ran out (they close themselves); how many there were.

    The pages that call this ask first for the ids alone, as plain rows: there is nearly never one, and
    loading none through the ORM cost twice as much as the question."""
    now = now or utcnow()
    ids = rows(_EXPIRED_IDS, {"user_id": user.id, "now": now}).scalars().all()
    if not ids:
        return 0
    expired = db.session.scalars(_EXPIRED, {"ids": ids}).all()
    for attempt in expired:
        expire_attempt(attempt, now)
    return len(expired)


# ---------------------------------------------------------------- progress
@dataclass
class CaseProgress:
    slug: str
    title: str
    read: bool
    quiz_slug: str | None
    quiz_passed: bool
    minutes: int | None

    @property
    def completed(self) -> bool:
        return self.read and (self.quiz_slug is None or self.quiz_passed)


@dataclass
class CourseProgress:
    version: ContentVersion | content.Published  # the published course: id, item_id, slug, title, lang, data
    cases: list[CaseProgress]

    @cached_property
    def done(self) -> int:  # a page asks it several times (bar, count, status)
        return sum(1 for c in self.cases if c.completed)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def completed(self) -> bool:
        return self.total > 0 and self.done == self.total

    @property
    def started(self) -> bool:
        return any(c.read or c.quiz_passed for c in self.cases)


def reader_first(versions: list[ContentVersion], lang: str) -> list[ContentVersion]:
    """Courses in the reader's language first (``en-x-corp`` counts as ``en``), the others after them;
    each group keeps its order."""
    base = lang.split("-")[0].split("_")[0].lower()
    return sorted(versions, key=lambda v: (v.lang or "").split("-")[0].lower() != base)


_TAKEN = aliased(ContentVersion, name="taken")
_NOW_PUBLISHED = aliased(ContentVersion, name="now_published")
# A row of the person's attempts list: the quiz's title as published now (the version taken's when the
# quiz is no longer published), in the language of the version taken.
_ATTEMPT_ROWS = (
    select(
        QuizAttempt.id,
        QuizAttempt.number,
        QuizAttempt.started_at,
        QuizAttempt.status,
        QuizAttempt.percent,
        QuizAttempt.passed,
        func.coalesce(_NOW_PUBLISHED.title, _TAKEN.title).label("title"),
        _TAKEN.lang,
    )
    .join(_TAKEN, _TAKEN.id == QuizAttempt.version_id)
    .join(ContentItem, ContentItem.id == QuizAttempt.quiz_item_id)
    .outerjoin(_NOW_PUBLISHED, _NOW_PUBLISHED.id == ContentItem.published_version_id)
    .where(QuizAttempt.user_id == bindparam("user_id"))
    .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_ATTEMPT_COUNT = select(func.count()).where(QuizAttempt.user_id == bindparam("user_id"))
# Built once (course_progress runs on most learner pages): when the person read each case and when
# they last passed each quiz, by the item's slug, in one statement.
_MARKS = union_all(
    select(literal("read").label("mark"), ContentItem.slug, CaseRead.read_at.label("at"))
    .join(ContentItem, ContentItem.id == CaseRead.case_item_id)
    .where(CaseRead.user_id == bindparam("user_id")),
    select(literal("pass"), ContentItem.slug, func.max(QuizAttempt.finished_at))
    .join(ContentItem, ContentItem.id == QuizAttempt.quiz_item_id)
    .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.passed.is_(True))
    .group_by(ContentItem.slug),
)


def course_progress(
    user: User, course_versions: list[ContentVersion | content.Published], since: dict[int, datetime] | None = None
) -> list[CourseProgress]:
    """Progress of one user through several courses, in a fixed number of queries.

    In a later round of a recurring course only reads and passes since the round began count
    (``since``: course item id -> round start; worked out from the user's assignments when omitted).
    """
    since = cycle_starts(user) if since is None else since
    if len(course_versions) == 1:  # a course's page: its own cases, not every case there is
        cases = content.published_of("case", course_versions[0].data.get("cases") or ())
    else:  # a list of courses: the whole index costs less than naming most of it
        cases = content.published_index("case")
    case_versions = {v.slug: v for v in cases}
    read_at: dict[str, datetime] = {}  # case slug -> when read
    passed_at: dict[str, datetime] = {}  # quiz slug -> when last passed
    for mark, slug, at in rows(_MARKS, {"user_id": user.id}).all():
        (read_at if mark == "read" else passed_at)[slug] = at
    out = []
    for version in course_versions:
        start = since.get(version.item_id)

        def counts(when: datetime | None, start=start) -> bool:
            return when is not None and (start is None or when >= start)

        cases = []
        for slug in version.data.get("cases") or ():  # Course.cases, without building the Course
            cv = case_versions.get(slug)
            if cv is None:
                continue
            data = cv.data
            quiz_slug = data.get("quiz")
            cases.append(
                CaseProgress(
                    slug=slug,
                    title=cv.title,
                    read=counts(read_at.get(slug)),
                    quiz_slug=quiz_slug,
                    quiz_passed=counts(passed_at.get(quiz_slug)) if quiz_slug else False,
                    minutes=data.get("minutes"),
                )
            )
        out.append(CourseProgress(version, cases))
    return out


# ---------------------------------------------------------------- assignments
def round_start(user: User, case_slugs: set[str]) -> datetime | None:
    """The latest round start of the user's recurring courses that contain any of these cases."""
    starts = cycle_starts(user)
    if not starts or not case_slugs:
        return None
    courses = [v.item_id for v in content.published_index("course") if case_slugs & set(v.data.get("cases") or [])]
    return max((starts[c] for c in courses if c in starts), default=None)


def create_assignment(
    actor,
    course_item: ContentItem,
    *,
    users: list[User] | None = None,
    department: Department | None = None,
    due_on: date | None = None,
    reason: str = "manual",
    note: str | None = None,
    source_ref: str | None = None,
    repeat_months: int | None = None,
    round_from: datetime | None = None,
) -> list[Assignment]:
    """Assign a course to people or to a department subtree, once or every ``repeat_months``; an identical
    open assignment is not duplicated. Everyone reached is notified. ``round_from`` reopens a course done
    before: only work from then on counts."""
    if course_item.kind != "course":
        raise DomainError(_l("Only courses can be assigned."))
    if not users and department is None:
        raise DomainError(_l("Choose people or a department."))
    if repeat_months is not None and not 1 <= repeat_months <= 120:
        raise DomainError(_l("A course can repeat every 1 to 120 months."), field="repeat_months")
    if department is not None:
        check_department_in_scope(actor, department)
    scope = scope_ids(actor)  # read once for every person named
    if scope is not None and any(u.department_id not in scope for u in users or []):
        raise DomainError(_l("This person is outside your scope."))
    created = []
    targets: list[tuple[str, int]] = [("user", u.id) for u in users or []]
    if department is not None:
        targets.append(("department", department.id))
    for kind, target_id in targets:
        column = Assignment.user_id if kind == "user" else Assignment.department_id
        duplicate = db.session.scalar(
            select(func.count(Assignment.id)).where(
                column == target_id,
                Assignment.course_item_id == course_item.id,
                Assignment.cancelled_at.is_(None),
                Assignment.due_on == due_on if due_on else Assignment.due_on.is_(None),
                Assignment.reason == reason,
            )
        )
        if duplicate:
            continue
        assignment = Assignment(
            course_item_id=course_item.id,
            due_on=due_on,
            reason=reason,
            note=note,
            source_ref=source_ref,
            repeat_months=repeat_months,
            cycle_started_at=round_from,
            created_by_id=getattr(actor, "id", None),
            **({"user_id": target_id} if kind == "user" else {"department_id": target_id}),
        )
        db.session.add(assignment)
        created.append(assignment)
    db.session.flush()
    if reason == "manual":  # the training loop records its own (assignment.loop)
        for assignment in created:
            audit.record(
                actor,
                "assignment.manual",
                "assignment",
                assignment.id,
                None,
                {
                    "course": course_item.slug,
                    "user_id": assignment.user_id,
                    "department_id": assignment.department_id,
                    "due_on": due_on.isoformat() if due_on else None,
                    "repeat_months": repeat_months,
                },
            )
    signals.assignments_created.send(created)
    return created


def refresh_completions(user: User, now: datetime | None = None) -> list[CourseCompletion]:
    """Record every course the user has now completed and had not before (or not in its current round)."""
    now = now or utcnow()
    done = {
        c.course_item_id: c
        for c in db.session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    }
    starts = cycle_starts(user)
    created = []
    for progress in course_progress(user, content.published_index("course"), since=starts):
        item_id = progress.version.item_id
        if not progress.completed:
            continue
        completion = done.get(item_id)
        if completion is None:
            completion = CourseCompletion(user_id=user.id, course_item_id=item_id, completed_at=now)
            db.session.add(completion)
            created.append(completion)
        elif item_id in starts and completion.latest < starts[item_id]:
            completion.last_completed_at = now  # the first completion stays: reports compare before and after it
    db.session.flush()
    return created


my_assignments = assigned_courses  # the name the pages have used
