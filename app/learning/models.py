"""Learning records: case reads, quiz attempts with their answers, course assignments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import utcnow
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.transitions import StateConflict
from app.extensions import db


class CaseRead(db.Model):
    __tablename__ = "case_reads"
    __table_args__ = (UniqueConstraint("user_id", "case_item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    read_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_item_id", "number"),
        # a person's attempts by status, with their result
        Index("ix_quiz_attempts_user_status_percent", "user_id", "status", "percent"),
        # the people a department's counted attempts are about, read from the index alone (a dashboard's
        # fairness minimum, app.rollups.people_counted)
        Index("ix_quiz_attempts_department_status_user", "department_id", "status", "user_id", "finished_at"),
        # a quiz version's finished attempts by result, read from the index alone (its item statistics:
        # how many, their average, the upper and lower 27 %)
        Index("ix_quiz_attempts_version_status_percent", "version_id", "status", "percent", "passed"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    quiz_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open | finished
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    earned: Mapped[float | None] = mapped_column(Float)
    possible: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean, index=True)
    # The person's department when they finished: reports count the attempt there even after a move.
    department_id: Mapped[int | None] = mapped_column(Integer)

    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", lazy="selectin"
    )
    version = relationship("ContentVersion")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def expired(self, now: datetime) -> bool:
        return self.deadline_at is not None and now >= self.deadline_at

    def check_open(self, now: datetime) -> None:
        """Raise unless answers may still be given."""
        if not self.is_open:
            raise StateConflict(_l("This attempt is already finished."), self.status)
        if self.expired(now):
            raise DomainError(_l("The time for this attempt is up."))

    def answer_for(self, key: str) -> AttemptAnswer | None:
        return next((a for a in self.answers if a.question_key == key), None)


class AttemptAnswer(db.Model):
    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(16))
    response: Mapped[list] = mapped_column(JSON)
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    earned: Mapped[float | None] = mapped_column(Float)
    possible: Mapped[float | None] = mapped_column(Float)
    correct: Mapped[bool | None] = mapped_column(Boolean)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class Assignment(db.Model):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20), default="manual")  # manual | shop
    note: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A recurring assignment (an annual refresher) starts a new round every ``repeat_months`` after it
    # was created; completions from before ``cycle_started_at`` do not count in the current round.
    repeat_months: Mapped[int | None] = mapped_column(Integer)
    cycle: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    cycle_started_at: Mapped[datetime | None] = mapped_column(DateTime)

    course_item = relationship("ContentItem")
    user = relationship("User", foreign_keys=[user_id])
    department = relationship("Department")


class CourseCompletion(db.Model):
    """A course a person has completed (all its cases read and their quizzes passed), kept for reports."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The latest completion, when a recurring course was completed again in a later round.
    last_completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def latest(self) -> datetime:
        return self.last_completed_at or self.completed_at


class PracticeCard(db.Model):
    """One practice item (a case's decision point or a quiz question) for one learner, with its FSRS
    schedule (the fields of ``fsrs.Card``; times naive UTC like every timestamp here)."""

    __tablename__ = "practice_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "item_key"),
        Index("ix_practice_cards_user_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(140))  # case:<slug>:<n> | quiz:<slug>:<question key>
    skill: Mapped[str | None] = mapped_column(String(100), index=True)
    state: Mapped[int] = mapped_column(Integer)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime] = mapped_column(DateTime)
    last_review: Mapped[datetime | None] = mapped_column(DateTime)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)


class PracticeReview(db.Model):
    """One practice answer: what the learner answered, the FSRS rating it became and when. ``token`` is
    the one the page handed out with the question, so a double submit is stored (and scheduled) once."""

    __tablename__ = "practice_reviews"
    __table_args__ = (
        UniqueConstraint("user_id", "token"),
        Index("ix_practice_reviews_skill_reviewed", "skill", "reviewed_at"),
        Index("ix_practice_reviews_user_reviewed", "user_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("practice_cards.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    skill: Mapped[str | None] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(String(64))
    response: Mapped[list] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    first: Mapped[bool] = mapped_column(Boolean)  # the item's first answer: prior knowledge, not retention
    rating: Mapped[int] = mapped_column(Integer)  # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy
    reviewed_at: Mapped[datetime] = mapped_column(DateTime)
