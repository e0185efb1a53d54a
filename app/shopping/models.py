"""Mystery shopping: scheduled visits, scorecards with their answers and sections, evidence, disputes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, joinedload, lazyload, mapped_column, relationship

from app.core.audit import utcnow
from app.core.i18n import lazy_gettext as _l
from app.core.transitions import StateConflict, transition
from app.extensions import db

CARD_STATUSES = ("draft", "submitted", "returned", "approved", "rejected")
# The one set of words for a card's status: in sentences, on pages and in the audit log.
CARD_STATUS_LABELS = {
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "returned": _l("returned"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
}


def card_status(status: str) -> str:
    """A card's status in words, in the user's language."""
    return str(CARD_STATUS_LABELS.get(status, status))


class Visit(db.Model):
    __tablename__ = "visits"
    # The visits page lists the visits not cancelled, latest window first: a page of them from this index.
    __table_args__ = (
        Index(
            "ix_visits_open_by_window",
            "window_start",
            sqlite_where=text("cancelled_at IS NULL"),
            postgresql_where=text("cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    checklist_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    shopper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    scenario: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    department = relationship("Department")
    shopper = relationship("User", foreign_keys=[shopper_id])
    checklist_item = relationship("ContentItem")
    card: Mapped[Scorecard | None] = relationship(back_populates="visit", uselist=False)

    def state(self, today: date) -> str:
        """Where the visit stands for its shopper and HR: the card's status once it is past a draft,
        else upcoming, due (within its window) or overdue. The one rule for every page that shows it."""
        card = self.card
        if card is not None and card.status != "draft":
            return card.status
        if today < self.window_start:
            return "upcoming"
        if today <= self.window_end:
            return "due"
        return "overdue"


def late_visits(today: date):
    """SQL: visits whose window has ended with no card submitted (none, a draft or one returned) and
    not cancelled; the list HR's home counts and the visits page filters on."""
    from sqlalchemy import select

    submitted = select(Scorecard.visit_id).where(
        Scorecard.visit_id.is_not(None), Scorecard.status.in_(("submitted", "approved", "rejected"))
    )
    return (Visit.cancelled_at.is_(None)) & (Visit.window_end < today) & Visit.id.not_in(submitted)


def card_alone() -> tuple:
    """Loader options for cards in a list: without the answers and sections every card loads by default,
    which a list showing a card's status or result never reads (a shopper's 200 visits on the large demo
    data read 4,200 rows for them)."""
    return lazyload(Scorecard.answers), lazyload(Scorecard.sections)


def visits_with_card_state():
    """Loader option for a list of visits: each one's card (:func:`card_alone`), for its state
    (:meth:`Visit.state`)."""
    return joinedload(Visit.card).options(*card_alone())


def visit_state(visit: Visit, today: date) -> str:
    """:meth:`Visit.state` as a function (templates are handed it)."""
    return visit.state(today)


class Scorecard(db.Model):
    __tablename__ = "scorecards"
    __table_args__ = (
        UniqueConstraint("shopper_id", "idempotency_key"),
        Index("ix_scorecards_department_status_visited", "department_id", "status", "visited_at"),
        # the people a department's approved cards with a result are about, one index step each, read from
        # the index alone (a dashboard's fairness minimum, app.rollups.people_counted)
        Index(
            "ix_scorecards_department_status_employee",
            "department_id",
            "status",
            "employee_id",
            "visited_at",
            "total_percent",
        ),
        Index("ix_scorecards_employee_status", "employee_id", "status"),
        # HR's review queue: a status's cards newest submission first, read in the index's order, and the
        # approved cards' states counted from the index alone (employee and approval time)
        Index("ix_scorecards_status_submitted", "status", "submitted_at", "id", "employee_id", "approved_at"),
        # the visits with a card submitted (or decided on), from the index alone: what a late visit lacks
        Index("ix_scorecards_status_visit", "status", "visit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), unique=True)
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    shopper_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    unidentified_note: Mapped[str | None] = mapped_column(Text)
    visited_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    duration_min: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    total_percent: Mapped[float | None] = mapped_column(Float)
    computed_percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    critical_failed: Mapped[bool | None] = mapped_column(Boolean)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))  # sha256 of the first body
    source: Mapped[str] = mapped_column(String(10), default="form")  # form | api
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    visit: Mapped[Visit | None] = relationship(back_populates="card")
    checklist_version = relationship("ContentVersion")
    department = relationship("Department")
    shopper = relationship("User", foreign_keys=[shopper_id])
    employee = relationship("User", foreign_keys=[employee_id])
    answers: Mapped[list[ScorecardAnswer]] = relationship(
        back_populates="card", cascade="all, delete-orphan", lazy="selectin", order_by="ScorecardAnswer.position"
    )
    sections: Mapped[list[ScorecardSection]] = relationship(
        back_populates="card", cascade="all, delete-orphan", lazy="selectin", order_by="ScorecardSection.position"
    )

    def _move(self, allowed: tuple[str, ...], to: str, **values) -> None:
        """Change the status once: a request that finds the card already moved on (in memory or,
        racing another request, in the database) raises StateConflict with the current status."""
        if self.status not in allowed or not transition(self, allowed=allowed, to=to, **values):
            raise StateConflict(
                _l("This card is now %(status)s, so this is no longer possible.", status=card_status(self.status)),
                self.status,
            )

    def submit(self, when: datetime) -> None:
        self._move(("draft", "returned"), "submitted", submitted_at=when)

    def approve(self, by, when: datetime, note: str | None = None) -> None:
        self._move(
            ("submitted",),
            "approved",
            reviewed_by_id=by.id,
            reviewed_at=when,
            approved_at=when,
            review_note=note,
        )

    def send_back(self, by, when: datetime, note: str) -> None:
        self._move(("submitted",), "returned", reviewed_by_id=by.id, reviewed_at=when, review_note=note)

    def reject(self, by, when: datetime, note: str) -> None:
        self._move(("submitted",), "rejected", reviewed_by_id=by.id, reviewed_at=when, review_note=note)

    @property
    def editable(self) -> bool:
        return self.status in ("draft", "returned")


class ScorecardSection(db.Model):
    __tablename__ = "scorecard_sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    weight: Mapped[float] = mapped_column(Float)
    earned: Mapped[float] = mapped_column(Float)
    possible: Mapped[float] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)

    card: Mapped[Scorecard] = relationship(back_populates="sections")


class ScorecardAnswer(db.Model):
    __tablename__ = "scorecard_answers"
    __table_args__ = (UniqueConstraint("card_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(100), index=True)
    skill: Mapped[str | None] = mapped_column(String(100), index=True)
    answer: Mapped[str | None] = mapped_column(String(3))  # yes | no | na
    original_answer: Mapped[str | None] = mapped_column(String(3))  # before a dispute was accepted
    comment: Mapped[str | None] = mapped_column(Text)
    earned: Mapped[float | None] = mapped_column(Float)
    possible: Mapped[float | None] = mapped_column(Float)
    na: Mapped[bool] = mapped_column(Boolean, default=False)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)

    card: Mapped[Scorecard] = relationship(back_populates="answers")


class Evidence(db.Model):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    item_id: Mapped[str | None] = mapped_column(String(100))  # the checklist item it shows, if one

    card = relationship("Scorecard")


class Dispute(db.Model):
    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("card_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    employee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | accepted | rejected
    original_answer: Mapped[str | None] = mapped_column(String(3))
    new_answer: Mapped[str | None] = mapped_column(String(3))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    card = relationship("Scorecard")
    employee = relationship("User", foreign_keys=[employee_id])


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("User")


class CardAcknowledgement(db.Model):
    """The employee's receipt of an approved card about them: when they first opened it, and when they
    acknowledged it (a dispute of an item is a Dispute). One row per card, made on the first opening."""

    __tablename__ = "card_acknowledgements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
