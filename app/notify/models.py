"""Notices (one per person and event, under a unique key), the email outbox and email opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import utcnow
from app.extensions import db

# What happens to a notice's email: waiting for ``notify run``, being sent by one process, done.
EMAIL_PENDING, EMAIL_SENDING, EMAIL_SENT, EMAIL_SKIPPED, EMAIL_FAILED = (
    "pending",
    "sending",
    "sent",
    "skipped",
    "failed",
)


class Notice(db.Model):
    """Something a person should know about. ``key`` names the event, so it is never recorded twice."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    email_state: Mapped[str] = mapped_column(String(10), default=EMAIL_PENDING, index=True)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What it announced was taken back (a loop assignment withdrawn after a dispute): shown marked.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("User")

    @property
    def unread(self) -> bool:
        return self.read_at is None


class OutboxMessage(db.Model):
    """Every email Rapport has sent or would have sent: the outbox admins read when no SMTP server is set."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))
    via: Mapped[str] = mapped_column(String(10))  # outbox | smtp
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)


class EmailOptOut(db.Model):
    """A person who does not want email for one (non-mandatory) kind of notice."""

    __tablename__ = "email_opt_outs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
