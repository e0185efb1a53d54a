"""A calibration exercise, its reference answers, and each shopper's blind answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import utcnow
from app.extensions import db


class Calibration(db.Model):
    __tablename__ = "calibrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"), index=True)
    scenario: Mapped[str] = mapped_column(Text)  # Markdown, rendered through the sanitiser
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    checklist_version = relationship("ContentVersion")
    created_by = relationship("User")
    reference: Mapped[list[CalibrationReference]] = relationship(
        back_populates="calibration", cascade="all, delete-orphan", lazy="selectin", order_by="CalibrationReference.id"
    )


class CalibrationReference(db.Model):
    """The expert's answer to one item, with the reasoning shown to shoppers who read it differently."""

    __tablename__ = "calibration_references"
    __table_args__ = (UniqueConstraint("calibration_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibrations.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    answer: Mapped[str] = mapped_column(String(3))  # yes | no | na
    reasoning: Mapped[str | None] = mapped_column(Text)

    calibration: Mapped[Calibration] = relationship(back_populates="reference")


class CalibrationResponse(db.Model):
    """One shopper's scoring of an exercise: a draft until submitted, then fixed."""

    __tablename__ = "calibration_responses"
    __table_args__ = (UniqueConstraint("calibration_id", "shopper_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibrations.id", ondelete="CASCADE"), index=True)
    shopper_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | submitted
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    calibration: Mapped[Calibration] = relationship()
    shopper = relationship("User")
    answers: Mapped[list[CalibrationAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", lazy="selectin", order_by="CalibrationAnswer.id"
    )

    @property
    def editable(self) -> bool:
        return self.status == "draft"

    def answer_map(self) -> dict[str, str]:
        """{item id: yes|no|na} for the items answered."""
        return {a.item_id: a.answer for a in self.answers if a.answer}


class CalibrationAnswer(db.Model):
    __tablename__ = "calibration_answers"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("calibration_responses.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    answer: Mapped[str | None] = mapped_column(String(3))  # yes | no | na; None: not answered
    comment: Mapped[str | None] = mapped_column(Text)

    response: Mapped[CalibrationResponse] = relationship(back_populates="answers")
