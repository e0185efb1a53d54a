"""Daily practice: a few questions a day from the skills a learner is weakest in, scheduled by FSRS.

The items are the decision points of the published cases and the single- and multiple-answer
questions of the published quizzes (a quiz's questions only once the learner has finished an
attempt of it, so practice never gives away a quiz still to take). The schedule of each item is
the ``fsrs`` package's own: its :class:`fsrs.Scheduler` (without fuzzing, so a schedule can be
checked) reviews a stored :class:`fsrs.Card` with a :class:`fsrs.Rating`:

* a wrong answer is ``Again``;
* a right answer is ``Good``, or ``Hard`` when the learner ticks "I guessed";
* ``Easy`` is never given: one multiple-choice answer cannot tell an effortless recall from a good one.

Which items a session offers, in this order: items of the skills of the learner's failed checklist
items (most failures first), then the quiz questions they got wrong, then items due for review. An
item already practised is offered only once it is due, unless the learner asks for more.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import Date, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.content import services as content
from app.core.audit import utcnow
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.transitions import lock
from app.extensions import db
from app.learning.models import AttemptAnswer, PracticeCard, PracticeReview, QuizAttempt
from app.people.models import User
from app.shopping.models import Scorecard, ScorecardAnswer

SCHEDULER = Scheduler(enable_fuzzing=False)
SESSION_SIZE = 5  # about three minutes: half a minute or so a question, with its feedback
RETENTION_WEEKS = 8


@dataclass
class PracticeItem:
    key: str  # case:<slug>:<n> | quiz:<slug>:<question key>
    kind: str
    slug: str
    title: str
    skills: list[str]
    prompt: str  # HTML
    text: str  # HTML
    options: list[dict]  # {"html", "feedback"}
    correct: list[int]
    multiple: bool
    explanation: str = ""  # HTML
    lang: str | None = None

    @property
    def skill(self) -> str | None:
        return self.skills[0] if self.skills else None

    def is_right(self, chosen: list[int]) -> bool:
        if self.multiple:
            return sorted(chosen) == sorted(self.correct)
        return len(chosen) == 1 and chosen[0] in self.correct


def all_items() -> dict[str, PracticeItem]:
    """Every practice item of the published content, by key."""
    items: dict[str, PracticeItem] = {}
    for version in content.published_all("case"):
        doc = content.document(version)
        choices = [s for s in version.html.get("segments", []) if s.get("type") == "choice"]
        for n, (block, shown) in enumerate(zip(doc.choices, choices, strict=False)):
            key = f"case:{version.item.slug}:{n}"
            items[key] = PracticeItem(
                key, "case", version.item.slug, version.title, list(doc.skills), shown["prompt"], "",
                [{"html": o["html"], "feedback": o["feedback"]} for o in shown["options"]],
                [i for i, o in enumerate(block.options) if o.best], False, lang=version.lang,
            )  # fmt: skip
    for version in content.published_all("quiz"):
        doc = content.document(version)
        html = version.html.get("questions", {})
        for q in doc.questions:
            if q.type not in ("single", "multiple") or q.key not in html:
                continue
            h = html[q.key]
            key = f"quiz:{version.item.slug}:{q.key}"
            skills = [q.skill] if q.skill else list(doc.skills)
            items[key] = PracticeItem(
                key, "quiz", version.item.slug, version.title, skills, h["prompt"], h["text"], h["options"],
                q.correct_indexes, q.type == "multiple", h["explanation"], lang=version.lang,
            )  # fmt: skip
    return items


# ---------------------------------------------------------------- what the learner is weakest in
def failed_skills(user: User) -> dict[str, int]:
    """Skill -> how many of its checklist items the person failed on approved cards."""
    rows = db.session.execute(
        select(ScorecardAnswer.skill, func.count())
        .join(Scorecard, Scorecard.id == ScorecardAnswer.card_id)
        .where(
            Scorecard.employee_id == user.id,
            Scorecard.status == "approved",
            ScorecardAnswer.answer == "no",
            ScorecardAnswer.skill.is_not(None),
        )
        .group_by(ScorecardAnswer.skill)
    )
    return {skill: n for skill, n in rows}


def finished_quizzes(user: User) -> set[int]:
    return set(
        db.session.scalars(
            select(QuizAttempt.quiz_item_id).where(QuizAttempt.user_id == user.id, QuizAttempt.status == "finished")
        )
    )


def wrong_questions(user: User) -> set[tuple[int, str]]:
    """(quiz item id, question key) the person answered wrongly in a finished attempt."""
    rows = db.session.execute(
        select(QuizAttempt.quiz_item_id, AttemptAnswer.question_key)
        .join(AttemptAnswer, AttemptAnswer.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.status == "finished", AttemptAnswer.correct.is_(False))
        .distinct()
    )
    return {(quiz_id, key) for quiz_id, key in rows}


@dataclass
class Offer:
    item: PracticeItem
    reason: str  # failed | wrong | due | more
    card: PracticeCard | None


@dataclass
class Session:
    offers: list[Offer]
    answered_today: int
    week_count: int
    streak: int
    more: bool
    done_for_today: bool = False
    next_due: datetime | None = None
    skills: dict[str, int] = field(default_factory=dict)

    @property
    def current(self) -> Offer | None:
        return self.offers[0] if self.offers and not self.done_for_today else None


def _quiz_ids() -> dict[str, int]:
    return {v.item.slug: v.item_id for v in content.published_all("quiz")}


def queue(user: User, now: datetime, more: bool = False, items: dict[str, PracticeItem] | None = None) -> list[Offer]:
    """The items to offer now, best first (see the module's docstring)."""
    items = all_items() if items is None else items
    cards = {c.item_key: c for c in db.session.scalars(select(PracticeCard).where(PracticeCard.user_id == user.id))}
    failed = failed_skills(user)
    quiz_ids = _quiz_ids()
    finished = finished_quizzes(user)
    wrong = wrong_questions(user)
    ranked = []
    for key, item in items.items():
        if item.kind == "quiz" and quiz_ids.get(item.slug) not in finished:
            continue
        card = cards.get(key)
        due = card is None or card.due <= now
        failures = max((failed.get(s, 0) for s in item.skills), default=0)
        is_wrong = item.kind == "quiz" and (quiz_ids.get(item.slug), key.rsplit(":", 1)[1]) in wrong
        if due and failures:
            rank, reason = 0, "failed"
        elif due and is_wrong:
            rank, reason = 1, "wrong"
        elif due and card is not None:
            rank, reason = 2, "due"
        elif more:  # a new item of another skill, or one not due yet: only when asked for more
            rank, reason = (3 if due else 4), "more"
        else:
            continue
        ranked.append(((rank, -failures, card.due if card else now, key), Offer(item, reason, card)))
    ranked.sort(key=lambda pair: pair[0])
    return [offer for _key, offer in ranked]


def _day_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day)


def streak_days(days: set[date], today: date) -> int:
    """Consecutive days with practice up to today (or up to yesterday, when today has none yet)."""
    day = today if today in days else today - timedelta(days=1)
    n = 0
    while day in days:
        n += 1
        day -= timedelta(days=1)
    return n


def session(user: User, now: datetime | None = None, more: bool = False, just: str | None = None) -> Session:
    """What the practice page shows: the queue (without ``just``, the item just answered, when there is
    another), today's and this week's counts and the streak."""
    now = now or utcnow()
    today = _day_start(now)
    week = today - timedelta(days=today.weekday())
    times = list(
        db.session.scalars(
            select(PracticeReview.reviewed_at).where(
                PracticeReview.user_id == user.id, PracticeReview.reviewed_at >= today - timedelta(days=90)
            )
        )
    )
    answered_today = sum(1 for t in times if t >= today)
    offers = queue(user, now, more)
    if just and len(offers) > 1 and offers[0].item.key == just:
        offers = offers[1:]
    result = Session(
        offers=offers,
        answered_today=answered_today,
        week_count=sum(1 for t in times if t >= week),
        streak=streak_days({t.date() for t in times}, now.date()),
        more=more,
        done_for_today=not more and answered_today >= SESSION_SIZE,
    )
    if not offers or result.done_for_today:
        result.next_due = db.session.scalar(
            select(func.min(PracticeCard.due)).where(PracticeCard.user_id == user.id, PracticeCard.due > now)
        )
    return result


def new_token() -> str:
    return secrets.token_urlsafe(24)


# ---------------------------------------------------------------- answering
def rating_for(correct: bool, guessed: bool = False) -> Rating:
    """The FSRS rating of an answer (the mapping in the module's docstring)."""
    if not correct:
        return Rating.Again
    return Rating.Hard if guessed else Rating.Good


def _aware(when: datetime | None) -> datetime | None:
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _naive(when: datetime | None) -> datetime | None:
    return when.astimezone(UTC).replace(tzinfo=None) if when is not None and when.tzinfo is not None else when


def fsrs_card(card: PracticeCard) -> Card:
    return Card(
        card_id=card.id or 1,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=_aware(card.due),
        last_review=_aware(card.last_review),
    )


def _store(card: PracticeCard, scheduled: Card) -> None:
    card.state = int(scheduled.state)
    card.step = scheduled.step
    card.stability = scheduled.stability
    card.difficulty = scheduled.difficulty
    card.due = _naive(scheduled.due)
    card.last_review = _naive(scheduled.last_review)


def answer(
    user: User,
    item_key: str,
    chosen: list,
    token: str,
    now: datetime | None = None,
    guessed: bool = False,
    items: dict[str, PracticeItem] | None = None,
) -> PracticeReview:
    """Record one practice answer and reschedule its item. The same ``token`` again (a double submit,
    a retry) returns the review already stored and changes nothing."""
    now = now or utcnow()
    if not token or len(token) > 64:
        raise DomainError(_l("This answer is not valid."))
    lock(user)  # one answer of a person at a time: the second of a double submit sees the first
    done = db.session.scalars(
        select(PracticeReview).where(PracticeReview.user_id == user.id, PracticeReview.token == token)
    ).first()
    if done is not None:
        return done
    items = all_items() if items is None else items
    item = items.get(item_key)
    if item is None or (item.kind == "quiz" and _quiz_ids().get(item.slug) not in finished_quizzes(user)):
        raise DomainError(_l("This question is no longer available."))
    try:
        values = sorted({int(v) for v in chosen})
    except (TypeError, ValueError) as exc:
        raise DomainError(_l("This answer is not valid.")) from exc
    if not values or any(v < 0 or v >= len(item.options) for v in values):
        raise DomainError(_l("Choose an answer."))
    if not item.multiple and len(values) > 1:
        raise DomainError(_l("Choose one option."))
    card = db.session.scalars(
        select(PracticeCard).where(PracticeCard.user_id == user.id, PracticeCard.item_key == item_key)
    ).first()
    if card is None:
        card = PracticeCard(user_id=user.id, item_key=item_key, skill=item.skill, state=int(State.Learning), step=0)
        card.due, card.reps, card.lapses = now, 0, 0
        db.session.add(card)
        db.session.flush()
    correct = item.is_right(values)
    rating = rating_for(correct, guessed)
    was_review = card.state == int(State.Review)
    scheduled, _log = SCHEDULER.review_card(fsrs_card(card), rating, _aware(now))
    _store(card, scheduled)
    first = card.reps == 0
    card.reps += 1
    card.lapses += int(was_review and rating == Rating.Again)
    review = PracticeReview(
        card_id=card.id,
        user_id=user.id,
        skill=item.skill,
        token=token,
        response=values,
        correct=correct,
        first=first,
        rating=int(rating),
        reviewed_at=now,
    )
    db.session.add(review)
    db.session.flush()
    return review


def own_review(user: User, review_id: int | None) -> PracticeReview | None:
    if not review_id:
        return None
    review = db.session.get(PracticeReview, review_id)
    return review if review is not None and review.user_id == user.id else None


def review_item(review: PracticeReview) -> PracticeItem | None:
    card = db.session.get(PracticeCard, review.card_id)
    return all_items().get(card.item_key) if card else None


# ---------------------------------------------------------------- trainers' view
class week_start(FunctionElement):
    """The Monday of a timestamp's week, as a date, in the engine's own SQL."""

    type = Date()
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '-6 days', 'weekday 1')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@dataclass
class SkillPractice:
    skill: str
    learners: int  # practising in the last four weeks
    weeks: dict[date, tuple[int, int]]  # week -> (reviews of items seen before, recalled)

    def rate(self, week: date) -> float | None:
        n, recalled = self.weeks.get(week, (0, 0))
        return 100.0 * recalled / n if n else None


def practice_overview(now: datetime | None = None, scope: set[int] | None = None) -> tuple[list[date], list]:
    """Per skill: how many learners practised in the last four weeks, and per week of the last
    RETENTION_WEEKS the share of reviews (of items answered before: a first answer is prior
    knowledge, not retention) that were recalled. Counted in SQL from the stored reviews."""
    now = now or utcnow()
    this_week = _day_start(now) - timedelta(days=now.weekday())
    weeks = [(this_week - timedelta(weeks=n)).date() for n in range(RETENTION_WEEKS - 1, -1, -1)]
    since = datetime.combine(weeks[0], datetime.min.time())
    people = None
    if scope is not None:
        people = select(User.id).where(User.department_id.in_(sorted(scope)))

    def narrowed(stmt):
        return stmt.where(PracticeReview.user_id.in_(people)) if people is not None else stmt

    learners = db.session.execute(
        narrowed(
            select(PracticeReview.skill, func.count(func.distinct(PracticeReview.user_id)))
            .where(PracticeReview.reviewed_at >= now - timedelta(days=28), PracticeReview.skill.is_not(None))
            .group_by(PracticeReview.skill)
        )
    )
    out = {skill: SkillPractice(skill, n, {}) for skill, n in learners}
    bucket = week_start(PracticeReview.reviewed_at)
    rows = db.session.execute(
        narrowed(
            select(
                PracticeReview.skill,
                bucket,
                func.count(),
                func.sum(case((PracticeReview.correct.is_(True), 1), else_=0)),
            )
            .where(
                and_(PracticeReview.reviewed_at >= since, PracticeReview.first.is_(False)),
                PracticeReview.skill.is_not(None),
            )
            .group_by(PracticeReview.skill, bucket)
        )
    )
    for skill, week, n, recalled in rows:
        week = week if isinstance(week, date) else date.fromisoformat(str(week))
        out.setdefault(skill, SkillPractice(skill, 0, {})).weeks[week] = (int(n), int(recalled or 0))
    return weeks, sorted(out.values(), key=lambda s: s.skill)
