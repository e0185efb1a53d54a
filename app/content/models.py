"""Stored content: every item (a case, a quiz, ...) and each of its versions, never overwritten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import utcnow
from app.extensions import db


class ContentItem(db.Model):
    __tablename__ = "content_items"
    __table_args__ = (UniqueConstraint("kind", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(100))
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("content_versions.id", use_alter=True, name="fk_content_items_published_version")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    published: Mapped[ContentVersion | None] = relationship(foreign_keys=[published_version_id], post_update=True)

    def __repr__(self) -> str:
        return f"<ContentItem {self.kind}:{self.slug}>"


class ContentVersion(db.Model):
    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300))
    lang: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(JSON)
    html: Mapped[dict] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(16), default="import")
    # A quiz version's regrade of earlier attempts: "applied" (regraded to it), "kept" (declined) or
    # "none" (it changed no result when published). None while undecided, so the choice is offered once.
    regrade: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[ContentItem] = relationship(foreign_keys=[item_id])
    created_by = relationship("User")

    @property
    def slug(self) -> str:
        """The item's slug (what :class:`app.content.services.Published` has as a column)."""
        return self.item.slug


class QuestionSkill(db.Model):
    """The skill each question of a quiz version trains, so reports can aggregate answers per skill in SQL."""

    __tablename__ = "question_skills"
    __table_args__ = (UniqueConstraint("version_id", "question_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"), index=True)
    question_key: Mapped[str] = mapped_column(String(16))
    skill: Mapped[str] = mapped_column(String(100), index=True)


class ContentLink(db.Model):
    """An item a stored version names: a course each of its cases, a case its quiz. Written with the
    version (which never changes), so "where is this used" is one indexed lookup joined to what is
    published now, not a reading of every published course and case."""

    __tablename__ = "content_links"
    __table_args__ = (Index("ix_content_links_target", "kind", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # of the item named
    slug: Mapped[str] = mapped_column(String(100))
