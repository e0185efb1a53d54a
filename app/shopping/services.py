"""Mystery-shopping operations: visits, cards (form and API), review, disputes and the loop to training."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.calibration.results import HOLD_EN, NeedsCalibration, check_not_held, needing_calibration
from app.content import services as content
from app.content.model import Checklist
from app.content.models import ContentItem
from app.core import audit, signals
from app.core.audit import utcnow
from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import lazy_gettext as _l
from app.core.permissions import Role
from app.core.schemas import parse
from app.core.transitions import StateConflict, lock, transition
from app.extensions import db
from app.learning.models import Assignment
from app.people import services as people_services
from app.people.models import Department, User, UserRole
from app.people.services import is_below, subtree_ids, subtree_select
from app.shopping.api_submission import (
    IDEMPOTENCY_CONFLICT,
    ScorecardIn,
    answer_problems,
    body_fingerprint,
    employee_problems,
    find_department,
    find_employee,
    visit_problems,
)
from app.shopping.loop import assign_training_after, withdraw_training_after
from app.shopping.models import Dispute, Scorecard, ScorecardAnswer, ScorecardSection, Visit
from app.shopping.scoring import ANSWERS, score_card

NOT_ACCEPTED = "The scorecard was not accepted."


class SelfReview(DomainError):
    """The four-eyes rule: nobody reviews a card they submitted or settles a dispute about their own work."""


def setting(name: str):
    return current_app.config[name]


# ---------------------------------------------------------------- departments
def department_staff(dept: Department) -> list[User]:
    """Active people in the department's subtree, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.department_id.in_(subtree_select(dept.id)), User.active.is_(True))
            .order_by(User.name)
        )
    )


# ---------------------------------------------------------------- visits
@dataclass
class Eligibility:
    shopper: User
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


CONFLICTS = {
    "member": _l("works in this department"),
    "above": _l("works in a department above this one"),
    "self": _l("is the person observed"),
    "colleague": _l("works in the same department as the person observed"),
}


@dataclass(frozen=True)
class Lines:
    """The departments in a person's line: at or above their own (they work in them) and at or below it
    (they head them). Nobody scores a department in their line."""

    up: frozenset[int] = frozenset()
    down: frozenset[int] = frozenset()

    def holds(self, dept_id: int) -> bool:
        """True if the department is in the line (:func:`conflicts_of_interest` says why)."""
        return dept_id in self.up or dept_id in self.down


def lines_of(department_id: int | None) -> Lines:
    """The line of someone working in ``department_id`` (none without a department), in two statements."""
    if department_id is None:
        return Lines()
    return Lines(frozenset(people_services.ancestor_ids(department_id)), frozenset(subtree_ids(department_id)))


def conflicts_of_interest(
    shopper: User, dept: Department, employee: User | None = None, lines: Lines | None = None
) -> list[str]:
    """Why this shopper may not score this department, or this person in it (keys of CONFLICTS); empty if they may.

    The one rule for the visits HR schedules, the visits shoppers take and the cards agencies send
    by API: nobody scores the department they work in or head, themself, or a colleague. ``lines``: the
    shopper's (:func:`lines_of`), when the caller asks about many departments.
    """
    reasons = []
    home = shopper.department_id
    if home is not None:
        lines = lines or lines_of(home)
        if dept.id in lines.up:
            reasons.append("member")
        elif dept.id in lines.down:
            reasons.append("above")
    if employee is not None:
        if employee.id == shopper.id:
            reasons.append("self")
        elif home is not None and employee.department_id == home:
            reasons.append("colleague")
    return reasons


def _visits_around(dept_ids, around_first: date, around_last: date, shopper_ids=None) -> list[tuple]:
    """(shopper id, department id, window start) of the visits not cancelled to these departments whose
    window starts within the rotation period of a day from ``around_first`` to ``around_last``."""
    days = timedelta(days=setting("SHOP_ROTATION_DAYS"))
    stmt = select(Visit.shopper_id, Visit.department_id, Visit.window_start).where(
        Visit.department_id.in_(sorted(set(dept_ids))),
        Visit.cancelled_at.is_(None),
        Visit.window_start > around_first - days,
        Visit.window_start < around_last + days,
    )
    if shopper_ids is not None:
        stmt = stmt.where(Visit.shopper_id.in_(sorted(set(shopper_ids))))
    return list(db.session.execute(stmt))


def _last_visit_within(rows, shopper_id: int, dept_id: int, around: date) -> date | None:
    """The rotation rule: the latest window start of this shopper's visits to the department among ``rows``
    (:func:`_visits_around`) less than SHOP_ROTATION_DAYS from ``around``; None if there is none."""
    days = timedelta(days=setting("SHOP_ROTATION_DAYS"))
    starts = [start for sid, did, start in rows if sid == shopper_id and did == dept_id and abs(start - around) < days]
    return max(starts, default=None)


def shopper_eligibility(dept: Department, around: date) -> list[Eligibility]:
    """Every active shopper, with the reasons (if any) they may not visit this department."""
    days = setting("SHOP_ROTATION_DAYS")
    shoppers = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(UserRole.role == Role.SHOPPER.value, User.active.is_(True))
        .order_by(User.name)
    ).all()
    held = needing_calibration([s.id for s in shoppers])
    rows = _visits_around([dept.id], around, around)
    out = []
    for shopper in shoppers:
        e = Eligibility(shopper)
        e.reasons += [str(CONFLICTS[reason]) for reason in conflicts_of_interest(shopper, dept)]
        if shopper.id in held:
            e.reasons.append(str(_l("needs calibration")))
        last = _last_visit_within(rows, shopper.id, dept.id, around)
        if last is not None:
            e.reasons.append(str(_l("visited it on %(d)s; %(n)d days must pass", d=last, n=days)))
        out.append(e)
    return out


def claimable_visits(shopper: User, today: date, limit: int = 50) -> list[Visit]:
    """The first ``limit`` open visits (no shopper yet, not cancelled, the window not over) that ``shopper``
    may take, earliest window first: those :func:`shopper_eligibility` finds them eligible for, worked out
    for all of them at once (a shopper's home page lists them).

    Every open visit is looked at (three numbers each), not only the first ``limit``: were those all in
    the shopper's own line or visited by them lately, a visit they could take further on went unlisted."""
    if shopper.id in needing_calibration([shopper.id]):
        return []
    candidates = db.session.execute(
        select(Visit.id, Visit.department_id, Visit.window_start)
        .where(Visit.shopper_id.is_(None), Visit.cancelled_at.is_(None), Visit.window_end >= today)
        .order_by(Visit.window_start, Visit.id)
    ).all()
    if not candidates:
        return []
    lines = lines_of(shopper.department_id)
    starts = [start for _id, _dept, start in candidates]
    rows = _visits_around([dept for _id, dept, _start in candidates], min(starts), max(starts), [shopper.id])
    chosen = [
        visit_id
        for visit_id, dept, start in candidates
        if not lines.holds(dept) and _last_visit_within(rows, shopper.id, dept, start) is None
    ][:limit]
    if not chosen:
        return []
    return list(
        db.session.scalars(
            select(Visit)
            .options(joinedload(Visit.department))
            .where(Visit.id.in_(chosen))
            .order_by(Visit.window_start, Visit.id)
        )
    )


def schedule_visits(
    actor,
    departments: list[Department],
    checklist_item: ContentItem,
    window_start: date,
    window_end: date,
    shopper: User | None = None,
    scenario: str | None = None,
    channel: str | None = None,
) -> list[Visit]:
    """Schedule one visit per department; raises DomainError when a named shopper may not go there."""
    if window_end < window_start:
        raise DomainError(_l("The window ends before it starts."), field="window_end")
    version = checklist_item.published
    if version is None:
        raise DomainError(_l("This checklist is not published."), field="checklist")
    visits = []
    for dept in departments:
        people_services.check_department_in_scope(actor, dept, field="departments")
        if shopper is not None:
            e = next((x for x in shopper_eligibility(dept, window_start) if x.shopper.id == shopper.id), None)
            if e is None:
                raise DomainError(_l("%(name)s is not a mystery shopper.", name=shopper.name), field="shopper")
            if not e.ok:
                raise DomainError(
                    _l(
                        "%(name)s cannot visit %(dept)s: %(why)s.",
                        name=shopper.name,
                        dept=dept.name,
                        why="; ".join(e.reasons),
                    ),
                    field="shopper",
                )
        visit = Visit(
            department_id=dept.id,
            checklist_item_id=checklist_item.id,
            channel=channel or version.data.get("channel") or "visit",
            window_start=window_start,
            window_end=window_end,
            shopper_id=shopper.id if shopper else None,
            scenario=scenario,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(visit)
        visits.append(visit)
    db.session.flush()
    for visit in visits:
        audit.record(
            actor,
            "visit.schedule",
            "visit",
            visit.id,
            None,
            {"department_id": visit.department_id, "shopper_id": visit.shopper_id},
        )
    signals.visits_assigned.send(visits)
    return visits


def claim_visit(shopper: User, visit: Visit) -> None:
    """An eligible shopper takes an open visit; raises StateConflict when someone else has (even a moment before)."""
    taken = StateConflict(_l("Someone has already taken this visit."), "taken")
    if visit.shopper_id is not None:
        raise taken
    check_not_held(shopper)
    e = next((x for x in shopper_eligibility(visit.department, visit.window_start) if x.shopper.id == shopper.id), None)
    if e is None or not e.ok:
        raise DomainError(_l("You cannot take this visit: %(why)s.", why="; ".join(e.reasons if e else [])))
    if not transition(visit, column="shopper_id", allowed=(None,), to=shopper.id):
        raise taken
    audit.record(shopper, "visit.claim", "visit", visit.id)
    signals.visits_assigned.send([visit])


# ---------------------------------------------------------------- cards
def checklist_of(card: Scorecard) -> Checklist:
    return content.document(card.checklist_version)


def card_for_visit(shopper: User, visit: Visit) -> Scorecard:
    """The visit's card, created as a draft the first time the shopper opens it."""
    if visit.card is not None:
        return visit.card
    check_not_held(shopper)  # a card not yet started is a new visit
    version = visit.checklist_item.published
    card = Scorecard(
        visit_id=visit.id,
        checklist_version_id=version.id,
        department_id=visit.department_id,
        shopper_id=shopper.id,
        status="draft",
    )
    try:
        with db.session.begin_nested():
            db.session.add(card)
    except IntegrityError:  # opened in two tabs at once
        return db.session.scalars(select(Scorecard).where(Scorecard.visit_id == visit.id)).one()
    _ensure_answer_rows(card)
    return card


def _ensure_answer_rows(card: Scorecard) -> None:
    have = {a.item_id for a in card.answers}
    position = 0
    for index, section in enumerate(checklist_of(card).sections):
        for item in section.items:
            position += 1
            if item.id not in have:
                card.answers.append(
                    ScorecardAnswer(
                        position=position, section=index, item_id=item.id, skill=item.skill, critical=item.critical
                    )
                )
    db.session.flush()


def save_draft(
    card: Scorecard,
    *,
    answers: dict[str, str | None] | None = None,
    comments: dict[str, str | None] | None = None,
    **fields,
) -> None:
    """Store whatever the shopper has filled in so far (no completeness check)."""
    lock(card)  # a submit running in parallel finishes first; then the card is no longer editable
    if not card.editable:
        raise StateConflict(_l("This card can no longer be changed."), card.status)
    by_item = {a.item_id: a for a in card.answers}
    for item_id, value in (answers or {}).items():
        if item_id in by_item and (value in ANSWERS or value is None):
            by_item[item_id].answer = value
    for item_id, value in (comments or {}).items():
        if item_id in by_item:
            by_item[item_id].comment = (value or "").strip() or None
    for name in ("visited_at", "duration_min", "summary", "employee_id", "unidentified_note"):
        if name in fields:
            setattr(card, name, fields[name])
    db.session.flush()


def validate_card(card: Scorecard, now: datetime) -> dict[str, str]:
    """Problems that block submitting, by field name."""
    problems: dict[str, str] = {}
    checklist = checklist_of(card)
    by_item = {a.item_id: a for a in card.answers}
    for item in checklist.items():
        a = by_item.get(item.id)
        if a is None or a.answer not in ANSWERS:
            problems[f"answer-{item.id}"] = str(_l("Answer yes, no or n/a."))
        elif item.critical and a.answer == "no" and not (a.comment or "").strip():
            problems[f"comment-{item.id}"] = str(_l("A critical item answered “no” needs a comment."))
    if card.visited_at is None:
        problems["visited_at"] = str(_l("When did the visit take place?"))
    elif card.visited_at > now + timedelta(minutes=5):
        problems["visited_at"] = str(_l("The visit cannot be in the future."))
    if card.employee_id is None and not (card.unidentified_note or "").strip():
        problems["employee"] = str(_l("Choose who served you, or describe them if you could not identify them."))
    employee = db.session.get(User, card.employee_id) if card.employee_id is not None else None
    if card.employee_id is not None:
        if employee is None or not is_below(employee.department_id, card.department_id):
            problems["employee"] = str(_l("This person does not work in the visited department."))
    # checked when the visit was given out too; checked again here, as a move since then may have made one
    reasons = conflicts_of_interest(
        db.session.get(User, card.shopper_id), db.session.get(Department, card.department_id), employee
    )
    if reasons and "employee" not in problems:
        problems["employee"] = str(
            _l("Conflict of interest: %(why)s.", why="; ".join(str(CONFLICTS[r]) for r in reasons))
        )
    return problems


def recompute(card: Scorecard) -> None:
    """Score the card from its answers and store sections, item points and totals."""
    checklist = checklist_of(card)
    answers = {a.item_id: a.answer for a in card.answers if a.answer}
    score = score_card(checklist, answers)
    by_item = {i.item_id: i for i in score.items}
    for a in card.answers:
        s = by_item.get(a.item_id)
        a.na = a.answer == "na"
        a.earned = float(s.earned) if s else None
        a.possible = float(s.possible) if s else None
    card.sections[:] = []
    db.session.flush()
    for position, section in enumerate(score.sections):
        percent = section.percent
        card.sections.append(
            ScorecardSection(
                position=position,
                title=section.title,
                weight=float(section.weight),
                earned=float(section.earned),
                possible=float(section.possible),
                percent=None if percent is None else float(percent),
            )
        )
    card.total_percent = None if score.total is None else float(score.total)
    card.computed_percent = None if score.computed_total is None else float(score.computed_total)
    card.critical_failed = score.critical_failed
    card.passed = score.passed
    db.session.flush()


def submit_card(card: Scorecard, now: datetime | None = None) -> Scorecard:
    """Check, score and submit a draft or returned card; raises ValidationFailed listing what is missing."""
    now = now or utcnow()
    lock(card)  # a second click waits here and then finds the card submitted
    if card.status == "submitted":
        return card  # a double submit changes nothing
    if not card.editable:
        raise StateConflict(_l("This card can no longer be changed."), card.status)
    problems = validate_card(card, now)
    if problems:
        raise ValidationFailed(str(_l("Some answers are missing or need a comment.")), problems)
    recompute(card)
    card.submit(now)
    card.late = card.visited_at is not None and now - card.visited_at > timedelta(hours=setting("SHOP_LATE_HOURS"))
    audit.record(
        db.session.get(User, card.shopper_id),
        "card.submit",
        "scorecard",
        card.id,
        None,
        {"total_percent": card.total_percent, "passed": card.passed},
    )
    return card


# ---------------------------------------------------------------- API submission
def _card_for_key(shopper: User, idempotency_key: str) -> Scorecard | None:
    return db.session.scalars(
        select(Scorecard).where(Scorecard.shopper_id == shopper.id, Scorecard.idempotency_key == idempotency_key)
    ).first()


def _replay(card: Scorecard, fingerprint: str | None) -> tuple[Scorecard, bool]:
    """The card an Idempotency-Key already made, if the body is the same (cards stored before bodies were
    fingerprinted replay whatever the body); raises ValidationFailed for a different body."""
    if card.idempotency_fingerprint is not None and card.idempotency_fingerprint != fingerprint:
        raise ValidationFailed(IDEMPOTENCY_CONFLICT, {"Idempotency-Key": "already used with a different body"})
    return card, False


def _in_english(reasons: list[str]) -> str:
    with force_locale("en"):  # messages in the JSON API stay English
        return "conflict of interest: " + "; ".join(str(CONFLICTS[r]) for r in reasons)


def _conflict_problems(shopper: User, dept: Department | None, employee: User | None) -> dict[str, str]:
    reasons = conflicts_of_interest(shopper, dept, employee) if dept is not None else []
    if not reasons:
        return {}
    return {"employee" if {"self", "colleague"} & set(reasons) else "department": _in_english(reasons)}


def submit_from_api(
    shopper: User, payload, idempotency_key: str | None = None, now: datetime | None = None
) -> tuple[Scorecard, bool]:
    """Create a submitted card from agency JSON; returns (card, created). Raises ValidationFailed, writing nothing.

    The body is checked against its schema (api_submission.ScorecardIn), then against the database.
    """
    now = now or utcnow()
    fingerprint = None
    if idempotency_key:
        if len(idempotency_key) > 100:
            raise ValidationFailed(
                "The Idempotency-Key header is too long (100 characters at most).", {"Idempotency-Key": "too long"}
            )
        fingerprint = body_fingerprint(payload)
        existing = _card_for_key(shopper, idempotency_key)
        if existing is not None:
            return _replay(existing, fingerprint)
    body: ScorecardIn = parse(ScorecardIn, payload, NOT_ACCEPTED)
    try:
        check_not_held(shopper)
    except NeedsCalibration:
        raise NeedsCalibration(HOLD_EN) from None
    version = content.published("checklist", body.checklist)
    dept = find_department(body.department)
    employee = find_employee(body.employee, dept) if dept is not None else None
    fields = {
        **({} if version else {"checklist": "unknown checklist"}),
        **({} if dept else {"department": "unknown department"}),
        **employee_problems(body, dept, employee),
        **_conflict_problems(shopper, dept, employee),
        **visit_problems(body.visited_at, now),
        **answer_problems(body, version),
    }
    if fields:
        raise ValidationFailed(NOT_ACCEPTED, fields)
    card = Scorecard(
        checklist_version_id=version.id,
        department_id=dept.id,
        shopper_id=shopper.id,
        employee_id=employee.id if employee else None,
        unidentified_note=None if employee else "not identified (submitted by API)",
        visited_at=body.visited_at,
        summary=body.summary,
        status="draft",
        source="api",
        idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint,
    )
    try:
        with db.session.begin_nested():
            db.session.add(card)
            db.session.flush()
    except IntegrityError:  # the same key raced in: the first card, if this is the same body
        existing = _card_for_key(shopper, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    _file_api_card(shopper, card, body, now)
    return card, True


def _file_api_card(shopper: User, card: Scorecard, body: ScorecardIn, now: datetime) -> None:
    """Answers, scores, submission and its audit record for a card just stored from the API."""
    _ensure_answer_rows(card)
    save_draft(card, answers=body.answers, comments=body.comments)
    recompute(card)
    card.submit(now)
    card.late = now - body.visited_at > timedelta(hours=setting("SHOP_LATE_HOURS"))
    audit.record(
        shopper,
        "card.submit",
        "scorecard",
        card.id,
        None,
        {"total_percent": card.total_percent, "passed": card.passed, "source": "api"},
    )


# ---------------------------------------------------------------- review
def review_card(
    actor: User, card: Scorecard, decision: str, note: str | None = None, now: datetime | None = None
) -> list[Assignment]:
    """Approve, return or reject a submitted card; approval runs the loop to training.

    Raises SelfReview for the card's own shopper, StateConflict when the card is no longer
    submitted (another reviewer, or a second click, got there first: only that one's effects run).
    """
    now = now or utcnow()
    _check_card_in_scope(actor, card)
    if not may_review(actor, card):
        raise SelfReview(_l("You submitted this card, so someone else must review it."))
    note = (note or "").strip() or None
    before = {"status": card.status}
    if decision == "approve":
        card.approve(actor, now, note)
    elif decision in ("return", "reject"):
        if not note:
            raise ValidationFailed(str(_l("Say why, so the shopper knows what to fix.")), {"note": "required"})
        (card.send_back if decision == "return" else card.reject)(actor, now, note)
    else:
        raise ValidationFailed("decision must be approve, return or reject", {"decision": "invalid"})
    db.session.flush()
    audit.record(actor, f"card.{decision}", "scorecard", card.id, before, {"status": card.status, "note": note})
    created = assign_training_after(card, now) if decision == "approve" else []
    # Sent after the loop: its department's day recomputed (counts only once approved), people told, and an
    # action opened for a failed card's managers, which lists the training just assigned.
    signals.card_reviewed.send(card)
    return created


def _check_card_in_scope(actor: User, card: Scorecard) -> None:
    """A scoped HR person reviews and settles only cards of their own subtree, however the request came."""
    if not people_services.in_scope(actor, card.department_id):
        raise people_services.NotPermitted(_l("This department is outside your scope."))


def may_review(actor: User, card: Scorecard) -> bool:
    """Four eyes: whoever submitted a card (HR or admin included) does not review it."""
    return card.shopper_id != actor.id


def may_settle(actor: User, dispute: Dispute) -> bool:
    """Four eyes: nobody settles a dispute about a card they submitted, or one they opened about themselves."""
    return dispute.employee_id != actor.id and dispute.card.shopper_id != actor.id


# ---------------------------------------------------------------- disputes
def open_dispute(employee: User, card: Scorecard, item_id: str, reason: str, now: datetime | None = None) -> Dispute:
    """An employee disputes one item of their approved card within the dispute window."""
    now = now or utcnow()
    if card.status != "approved" or card.employee_id != employee.id:
        raise DomainError(_l("You can only dispute your own approved cards."))
    if card.approved_at and now > card.approved_at + timedelta(days=setting("DISPUTE_DAYS")):
        raise DomainError(_l("The time to dispute this card has passed."))
    answer = next((a for a in card.answers if a.item_id == item_id), None)
    if answer is None:
        raise DomainError(_l("There is no such item on this card."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(str(_l("Give a reason.")), {"reason": "required"})
    if db.session.scalar(select(func.count(Dispute.id)).where(Dispute.card_id == card.id, Dispute.item_id == item_id)):
        raise DomainError(_l("This item is already disputed."))
    dispute = Dispute(
        card_id=card.id, item_id=item_id, employee_id=employee.id, reason=reason, original_answer=answer.answer
    )
    try:
        with db.session.begin_nested():
            db.session.add(dispute)
    except IntegrityError:  # the same item disputed by a parallel click: the first one counts
        raise StateConflict(_l("This item is already disputed."), "open") from None
    audit.record(employee, "dispute.open", "scorecard", card.id, None, {"item": item_id, "reason": reason})
    return dispute


def settle_dispute(
    actor: User,
    dispute: Dispute,
    accept: bool,
    note: str | None,
    new_answer: str | None = None,
    now: datetime | None = None,
) -> None:
    """HR accepts (the answer changes and the card is rescored, the original kept) or rejects a dispute.

    Raises SelfReview when the four-eyes rule forbids it, StateConflict when the dispute is already
    settled (a parallel click included: the card's figures move once).
    """
    now = now or utcnow()
    _check_card_in_scope(actor, dispute.card)
    if dispute.employee_id == actor.id:
        raise SelfReview(_l("This dispute is about you, so someone else must settle it."))
    if not may_settle(actor, dispute):
        raise SelfReview(_l("You submitted this card, so someone else must settle disputes about it."))
    settled = _l("This dispute is already settled.")
    if dispute.status != "open":
        raise StateConflict(settled, dispute.status)
    note = (note or "").strip() or None
    if accept and new_answer is not None and new_answer not in ANSWERS:
        raise ValidationFailed("answer must be yes, no or na", {"new_answer": "invalid"})
    if not accept and not note:
        raise ValidationFailed(str(_l("Say why the dispute is rejected.")), {"note": "required"})
    # Settling two disputes of one card at once would rescore it from stale answers: one at a time.
    card = lock(dispute.card)
    status = "accepted" if accept else "rejected"
    if not transition(
        dispute, allowed=("open",), to=status, resolution_note=note, resolved_by_id=actor.id, resolved_at=now
    ):
        raise StateConflict(settled, dispute.status)
    answer = next(a for a in card.answers if a.item_id == dispute.item_id)
    before = {"answer": answer.answer, "total_percent": card.total_percent}
    if accept:
        new_answer = new_answer or ("yes" if answer.answer == "no" else "na")
        if answer.original_answer is None:
            answer.original_answer = answer.answer
        answer.answer = new_answer
        dispute.new_answer = new_answer
        recompute(card)
        if dispute.original_answer == "no" and new_answer != "no":  # the training it brought is taken back
            withdraw_training_after(actor, card, now)
    db.session.flush()
    audit.record(
        actor,
        f"dispute.{dispute.status}",
        "scorecard",
        card.id,
        before,
        {"answer": answer.answer, "total_percent": card.total_percent, "item": dispute.item_id},
    )
    signals.dispute_settled.send(dispute)  # an accepted one's figures recomputed, the employee told
