"""Actions: opened when an approved card fails a critical item or falls below ACTION_THRESHOLD, signed off
by a manager who leads the department, followed by the next visits; HR's overview per department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from app.coaching.models import Action
from app.core import audit, signals
from app.core.audit import utcnow
from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import lazy_gettext as _l
from app.core.inputs import paginate
from app.core.transitions import StateConflict, transition
from app.extensions import db
from app.learning.assigned import courses_to_do
from app.learning.models import Assignment
from app.people.models import Department, User
from app.people.services import leads, scoped, team_select
from app.shopping.models import Scorecard, ScorecardAnswer, card_alone
from app.shopping.scores import ShopAverage, shop_averages

REASONS = {"critical": _l("a critical item failed"), "below": _l("the result is below the threshold")}
OUTCOMES = {"coaching": _l("a coaching conversation"), "fix": _l("a fix in the branch")}


TEAM_PAGE = 50  # the people of a manager's team listed on a page, by name
ACTIONS_LISTED = 100  # the team's actions listed, open ones first, earliest due first
CARDS_LISTED = 50  # the team's latest approved cards listed


@dataclass
class TeamPage:
    """A manager's team: open actions first, the latest approved cards (no shopper), and a page of the people
    by name, each with their shop average (with the fairness minimum), courses still to do and overdue ones.
    ``more_actions`` and ``more_cards``: there are more than the page lists."""

    actions: list[Action]
    cards: list[Scorecard]
    people: list[tuple[User, ShopAverage, int, int]]
    people_page: object  # the page of people (Flask-SQLAlchemy's Pagination), for the pager
    more_actions: bool = False
    more_cards: bool = False


def team_page(manager, today: date) -> TeamPage:
    """What the manager's team page shows, in a fixed number of statements however large the team."""
    team_ids = team_select(manager)
    # One more of each than is listed: whether to say that the list goes on.
    actions = db.session.scalars(
        select(Action)
        .options(joinedload(Action.department))
        .where(Action.department_id.in_(team_ids))
        .order_by(Action.status.desc(), Action.due_on)
        .limit(ACTIONS_LISTED + 1)
    ).all()
    cards = db.session.scalars(
        select(Scorecard)
        .options(
            joinedload(Scorecard.department),
            joinedload(Scorecard.employee).lazyload(User.roles),
            *card_alone(),  # the list shows each card's result, not its answers
        )
        .where(Scorecard.department_id.in_(team_ids), Scorecard.status == "approved")
        .order_by(Scorecard.visited_at.desc())
        .limit(CARDS_LISTED + 1)
    ).all()
    # A page of the people at a time: a regional manager leads thousands (the first 200 were listed, the
    # rest left out without a word).
    people_page = paginate(
        select(User)
        .options(lazyload(User.roles))
        .where(User.department_id.in_(team_ids), User.active.is_(True))
        .order_by(User.name, User.id),
        per_page=TEAM_PAGE,
    )
    people = people_page.items
    ids = [person.id for person in people]
    averages, courses = shop_averages(ids), courses_to_do(ids, today)
    return TeamPage(
        actions[:ACTIONS_LISTED],
        cards[:CARDS_LISTED],
        [(p, averages[p.id], *courses.get(p.id, (0, 0))) for p in people],
        people_page,
        more_actions=len(actions) > ACTIONS_LISTED,
        more_cards=len(cards) > CARDS_LISTED,
    )


def open_after_card(card: Scorecard, now: datetime | None = None) -> Action | None:
    """The action an approved card calls for, or None: a critical failure, else a result below the threshold."""
    now = now or utcnow()
    threshold = current_app.config["ACTION_THRESHOLD"]
    if card.critical_failed:
        reason, failed = "critical", [a.item_id for a in card.answers if a.answer == "no" and a.critical]
    elif card.total_percent is not None and card.total_percent < threshold:
        reason, failed = "below", [a.item_id for a in card.answers if a.answer == "no"]
    else:
        return None
    if db.session.scalar(select(Action.id).where(Action.card_id == card.id)) is not None:
        return None  # approved again after a dispute: one action per card
    action = Action(
        department_id=card.department_id,
        card_id=card.id,
        reason=reason,
        items=" ".join(failed),
        opened_at=now,
        due_on=(now + timedelta(days=current_app.config["ACTION_DUE_DAYS"])).date(),
    )
    db.session.add(action)
    db.session.flush()
    audit.record(None, "action.open", "action", action.id, None, {"card": card.id, "reason": reason})
    return action


def sign_off(manager, action: Action, outcome: str, note: str, now: datetime | None = None) -> None:
    """Close the action once, with what was done; only a manager who leads its department."""
    if not leads(manager, action.department_id):
        raise DomainError(_l("This action belongs to a department you do not lead."))
    note = (note or "").strip()
    if outcome not in OUTCOMES or not note:
        raise ValidationFailed(str(_l("Say what you did: a coaching conversation or a fix, and how it went.")))
    if not transition(
        action,
        allowed=("open",),
        to="closed",
        outcome=outcome,
        note=note,
        closed_by_id=manager.id,
        closed_at=now or utcnow(),
    ):
        raise StateConflict(_l("This action is already signed off."), action.status)
    audit.record(manager, "action.sign_off", "action", action.id, {"status": "open"}, {"status": "closed"})


def training_for(action: Action) -> list[Assignment]:
    """The training the card's failed items already assigned (the loop to training)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.source_ref.like(f"card:{action.card_id}:%"), Assignment.cancelled_at.is_(None))
            .order_by(Assignment.id)
        )
    )


def follow_up(action: Action) -> list[tuple[Scorecard, dict[str, str | None]]]:
    """The department's approved cards after the failed one, with their answers to the action's items:
    did the items recover?"""
    card = action.card
    later = db.session.scalars(
        select(Scorecard)
        .where(
            Scorecard.department_id == action.department_id,
            Scorecard.status == "approved",
            Scorecard.id != card.id,
            Scorecard.visited_at > card.visited_at,
        )
        .order_by(Scorecard.visited_at)
        .limit(20)
    ).all()
    items = action.item_ids
    rows = []
    for other in later:
        answers = {
            a.item_id: a.answer
            for a in db.session.scalars(
                select(ScorecardAnswer).where(ScorecardAnswer.card_id == other.id, ScorecardAnswer.item_id.in_(items))
            )
        }
        rows.append((other, answers))
    return rows


@dataclass
class DepartmentActions:
    department: Department
    open: int
    overdue: int
    closed: int


def overview(actor, today: date) -> list[DepartmentActions]:
    """Open, overdue and closed actions per department within the HR person's scope."""
    stmt = scoped(
        select(
            Action.department_id,
            func.count(Action.id).filter(Action.status == "open"),
            func.count(Action.id).filter(Action.status == "open", Action.due_on < today),
            func.count(Action.id).filter(Action.status == "closed"),
        ).group_by(Action.department_id),
        Action.department_id,
        actor,
    )
    rows = db.session.execute(stmt).all()
    departments = {
        d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_([r[0] for r in rows])))
    }
    out = [DepartmentActions(departments[r[0]], r[1], r[2], r[3]) for r in rows]
    return sorted(out, key=lambda row: row.department.path)


def _card_reviewed(card: Scorecard, **_) -> None:
    """An approved card that calls for an action opens one, and its managers are told (by notify)."""
    if card.status != "approved":
        return
    action = open_after_card(card, card.approved_at)
    if action is not None:
        signals.action_opened.send(action)


def connect_signals() -> None:
    """Open actions after failed cards (called by ``create_app``)."""
    signals.card_reviewed.connect(_card_reviewed)
