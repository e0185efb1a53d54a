from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import utcnow
from app.extensions import db


class Action(db.Model):
    """What a department's manager does about a failed card: opened on approval, closed once, signed off."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(String(10))  # critical | below
    items: Mapped[str] = mapped_column(Text)  # the failed items' ids, space-separated, in the checklist's order
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(10))  # coaching | fix
    note: Mapped[str | None] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    department = relationship("Department")
    card = relationship("Scorecard")
    closed_by = relationship("User")

    @property
    def item_ids(self) -> list[str]:
        return self.items.split()

    def overdue(self, today: date) -> bool:
        return self.status == "open" and today > self.due_on
