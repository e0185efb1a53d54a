"""A staggered roll-out with a known effect, so the training-effect report has something true to find.

The complaints course reaches the branches one after another over the last year (two branches not
yet); every employee is visited about monthly. The pass rate of an item depends on the person, a
slow company-wide improvement (the trend a before/after comparison without a comparison group would
take for an effect) and, for the skills in :data:`EFFECTS` only, a real rise once the person has
first completed a course training the skill. The other skills the course trains get no rise, so the
report shows an effect on some skills and none on others.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import rollups
from app.content import services as content
from app.core.permissions import Role
from app.extensions import db
from app.learning.models import CourseCompletion
from app.people.models import Department, User, UserRole
from app.people.services import subtree_ids
from app.shopping.models import Scorecard, ScorecardAnswer, ScorecardSection
from app.shopping.scoring import score_card

ROLLOUT_COURSES = ("complaint-handling", "complaint-handling-en")  # the first one published is rolled out
EFFECTS = {"complaint-handling": 0.25, "empathy": 0.2}  # added to the pass rate after training
TREND = 0.08  # the whole company's improvement over the year, trained or not
MONTHS = 12
NOT_YET = 2  # branches the roll-out has not reached


def _first_completions(skills_by_course: dict[int, list[str]]) -> dict[tuple[int, str], datetime]:
    """(person, skill) -> first completion of a course training the skill."""
    first: dict[tuple[int, str], datetime] = {}
    rows = db.session.execute(
        select(CourseCompletion.user_id, CourseCompletion.course_item_id, CourseCompletion.completed_at).where(
            CourseCompletion.course_item_id.in_(sorted(skills_by_course))
        )
    )
    for person, course, done in rows:
        for skill in skills_by_course[course]:
            if (person, skill) not in first or done < first[(person, skill)]:
                first[(person, skill)] = done
    return first


def _card(checklist_version, doc, answers, dept_id, shopper_id, person, visited) -> Scorecard:
    score = score_card(doc, answers)
    card = Scorecard(
        checklist_version_id=checklist_version.id,
        department_id=dept_id,
        shopper_id=shopper_id,
        employee_id=person,
        visited_at=visited,
        duration_min=15,
        status="approved",
        submitted_at=visited + timedelta(hours=3),
        approved_at=visited + timedelta(days=1),
        reviewed_at=visited + timedelta(days=1),
        total_percent=None if score.total is None else float(score.total),
        computed_percent=None if score.computed_total is None else float(score.computed_total),
        passed=score.passed,
        critical_failed=score.critical_failed,
        created_at=visited,
        updated_at=visited + timedelta(days=1),
    )
    card.sections = [
        ScorecardSection(
            position=i,
            title=s.title,
            weight=float(s.weight),
            earned=float(s.earned),
            possible=float(s.possible),
            percent=None if s.percent is None else float(s.percent),
        )
        for i, s in enumerate(score.sections)
    ]
    card.answers = [
        ScorecardAnswer(
            position=n,
            section=i.section,
            item_id=i.item_id,
            skill=i.skill,
            answer=i.answer,
            earned=float(i.earned),
            possible=float(i.possible),
            na=i.answer == "na",
            critical=i.critical,
        )
        for n, i in enumerate(score.items, start=1)
    ]
    return card


def load_rollout(seed: int = 31, today: datetime | None = None) -> str:
    """Completions of the roll-out course by branch and a year of monthly approved visits per employee."""
    course = next((v for slug in ROLLOUT_COURSES if (v := content.published("course", slug)) is not None), None)
    checklists = content.published_all("checklist")
    shopper = db.session.scalars(select(User).join(UserRole).where(UserRole.role == str(Role.SHOPPER))).first()
    if course is None or not checklists or shopper is None:
        return "No complaints course, checklist or shopper; no training roll-out."
    rng = random.Random(seed)
    now = today or datetime.now(UTC).replace(tzinfo=None)
    regions = db.session.scalars(select(Department.id).where(Department.parent_id.is_(None))).all()
    by_region: dict[int, list[Department]] = {}
    for branch in db.session.scalars(
        select(Department).where(Department.parent_id.in_(regions)).order_by(Department.id)
    ):
        by_region.setdefault(branch.parent_id, []).append(branch)
    # The roll-out goes from region to region, one branch at a time: the branches not yet reached are the
    # last of each region, so every region has people who are still to be trained.
    branches = sorted(
        (b for group in by_region.values() for b in group),
        key=lambda b: (by_region[b.parent_id].index(b), b.parent_id),
    )
    reached = max(1, len(branches) - NOT_YET)
    done_already = set(
        db.session.scalars(select(CourseCompletion.user_id).where(CourseCompletion.course_item_id == course.item_id))
    )
    staff: list[tuple[int, int]] = []  # (person, department)
    trained = 0
    for k, branch in enumerate(branches):
        ids = sorted(subtree_ids(branch.id))
        people = db.session.execute(
            select(User.id, User.department_id)
            .join(UserRole)
            .where(User.department_id.in_(ids), UserRole.role == str(Role.EMPLOYEE))
            .order_by(User.id)
        ).all()
        staff += [(p, d) for p, d in people]
        if k >= reached:
            continue
        start = now - timedelta(days=300 - k * (240 // max(1, reached - 1)))
        for person, _dept in people:
            if person not in done_already:
                when = start + timedelta(days=rng.randint(0, 14), hours=rng.randint(9, 17))
                db.session.add(CourseCompletion(user_id=person, course_item_id=course.item_id, completed_at=when))
                trained += 1
    db.session.flush()
    skills_by_course = {v.item_id: list(v.data.get("skills") or []) for v in content.published_all("course")}
    first = _first_completions(skills_by_course)
    docs = [(v, content.document(v)) for v in checklists]
    cards = 0
    for person, dept in staff:
        ability = rng.uniform(0.55, 0.8)
        for month in range(MONTHS):
            visited = now - timedelta(days=30 * (MONTHS - month) - rng.randint(0, 20), hours=rng.randint(-4, 4))
            version, doc = docs[(person + month) % len(docs)]
            answers = {}
            for item in doc.items():
                done = first.get((person, item.skill))
                lift = EFFECTS.get(item.skill, 0.0) if done is not None and done <= visited else 0.0
                p = min(0.97, ability + TREND * month / MONTHS + lift)
                if item.critical:  # a critical "no" zeroes the card: rarer, as in the rest of the demo
                    p = min(0.98, 0.85 + lift) if item.skill in EFFECTS else 0.97
                answers[item.id] = "na" if rng.random() < 0.03 else ("yes" if rng.random() < p else "no")
            db.session.add(_card(version, doc, answers, dept, shopper.id, person, visited))
            cards += 1
    db.session.flush()
    rollups.rebuild()
    return (
        f"Training roll-out: {trained} people completed “{course.title}” branch by branch, "
        f"{cards} approved visits over {MONTHS} months."
    )
