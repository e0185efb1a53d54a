"""The card a shopper sees before the first save: a draft on the visit's checklist that is not in the database.

Opening the card page writes nothing (a GET never does); the first save makes the real draft
(``services.card_for_visit``), from the form's POST, an autosave or an attached file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.shopping.models import Visit


@dataclass
class UnsavedCard:
    """What the card page reads of a draft, for a card not saved yet."""

    checklist_version: object  # the checklist's published version, as the draft will be made on
    id: None = None
    status: str = "draft"
    editable: bool = True
    review_note: None = None
    visited_at: datetime | None = None
    duration_min: int | None = None
    employee_id: int | None = None
    unidentified_note: str | None = None
    summary: str | None = None
    submitted_at: None = None
    total_percent: None = None
    answers: list = field(default_factory=list)


def unsaved_card(visit: Visit) -> UnsavedCard:
    return UnsavedCard(checklist_version=visit.checklist_item.published)
