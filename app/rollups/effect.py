"""The training effect, per person observed: answers on items of a skill before and after the person's
first completion of a course training it. Recomputed per person by the session hooks below."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Date,
    Index,
    Integer,
    String,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.rollups.course_status import PEOPLE_LOCK_SPACE, _changed, _chunks, _lock, _values


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
        people = {int(p) for p in people if p is not None}
        # One transaction at a time per person. Two at once (a card approved as the person completes a
        # course, two of their cards from two departments approved together) each worked from what it
        # could see: the rows missed the other's change, or the second inserted rows the first had just
        # written (a duplicate key, and the request failed). The second now waits for the first to
        # commit, then reads and replaces its rows. The person's lock is the one their course status
        # is recomputed under: a transaction doing both holds one lock, not two in either order.
        _lock(run, connection, PEOPLE_LOCK_SPACE, people)
        chunks = _chunks(people)
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
