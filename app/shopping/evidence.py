"""Evidence files: type checked by content (never by name), stored outside static/ under random names."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from app.content.services import document
from app.core import audit
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.extensions import db
from app.shopping.models import Evidence, Scorecard

ALLOWED = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
}


def sniff(head: bytes) -> str | None:
    """The MIME type of a file from its first bytes, for the types we accept; None otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "audio/mpeg"
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41", b"iso2", b"dash"):
        return "audio/mp4"
    return None


def storage_dir() -> Path:
    path = Path(current_app.config.get("EVIDENCE_DIR") or Path(current_app.instance_path) / "evidence")
    path.mkdir(parents=True, exist_ok=True)
    return path


def add_evidence(actor, card: Scorecard, filename: str, stream, item_id: str | None = None) -> Evidence:
    """Store an uploaded file for a card, or for one of its items (a photo where the item is); raises
    DomainError for a disallowed type or size, an item the card's checklist does not have, or when the
    card already holds as many files or bytes as a card may (EVIDENCE_MAX_FILES_PER_CARD and
    EVIDENCE_MAX_BYTES_PER_CARD)."""
    if not card.editable and card.status != "submitted":
        raise DomainError(_l("Evidence can no longer be added to this card."))
    item_id = item_id or None
    if item_id is not None and item_id not in {item.id for item in document(card.checklist_version).items()}:
        raise DomainError(_l("The checklist of this card has no such item."))
    # The card's row is locked (PostgreSQL) so two uploads at once cannot both pass the quota.
    db.session.execute(select(Scorecard.id).where(Scorecard.id == card.id).with_for_update())
    count, used = db.session.execute(
        select(func.count(Evidence.id), func.coalesce(func.sum(Evidence.size), 0)).where(Evidence.card_id == card.id)
    ).one()
    max_files = current_app.config["EVIDENCE_MAX_FILES_PER_CARD"]
    if count >= max_files:
        raise DomainError(_l("A card can have at most %(n)d files. Remove one to attach another.", n=max_files))
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    if not data:
        raise DomainError(_l("The file is empty."))
    max_bytes = current_app.config["EVIDENCE_MAX_BYTES_PER_CARD"]
    if used + len(data) > max_bytes:
        raise DomainError(
            _l(
                "The files of a card may take %(mb)d MB together; this one would go over.",
                mb=max_bytes // (1024 * 1024),
            )
        )
    mime = sniff(data[:64])
    if mime is None:
        raise DomainError(
            _l("This kind of file is not accepted: photos (JPEG, PNG, WebP), PDF receipts or audio (MP3, M4A).")
        )
    if _already_attached(card, data):
        raise DomainError(_l("This file is already attached to the card."))
    stored = f"{secrets.token_hex(16)}.{ALLOWED[mime]}"
    (storage_dir() / stored).write_bytes(data)
    evidence = Evidence(
        card_id=card.id,
        stored_name=stored,
        original_name=(filename or "file")[:255],
        mime=mime,
        size=len(data),
        uploaded_by_id=getattr(actor, "id", None),
        item_id=item_id,
    )
    db.session.add(evidence)
    db.session.flush()
    audit.record(actor, "evidence.add", "scorecard", card.id, None, _described(evidence))
    return evidence


def _already_attached(card: Scorecard, data: bytes) -> bool:
    """Whether the card holds a file with exactly these bytes (a photo sent twice, say); only the files of
    the same size are read back."""
    same_size = db.session.scalars(
        select(Evidence.stored_name).where(Evidence.card_id == card.id, Evidence.size == len(data))
    )
    for name in same_size:
        path = storage_dir() / name
        if path.is_file() and path.read_bytes() == data:
            return True
    return False


def remove_evidence(actor, evidence: Evidence) -> Path:
    """Take a file off a card the shopper can still edit; raises DomainError once the card is submitted.

    Returns the stored file, for the caller to delete once the transaction is committed (deleted before,
    a rollback would leave a row without its file)."""
    if not evidence.card.editable:
        raise DomainError(_l("Evidence can no longer be removed from this card."))
    before = _described(evidence)
    card_id = evidence.card_id
    path = evidence_path(evidence)
    db.session.delete(evidence)
    db.session.flush()
    audit.record(actor, "evidence.remove", "scorecard", card_id, before, None)
    return path


def _described(evidence: Evidence) -> dict:
    described = {"name": evidence.original_name, "size": evidence.size, "mime": evidence.mime}
    if evidence.item_id:
        described["item"] = evidence.item_id
    return described


def by_item(files: list[Evidence]) -> dict[str, list[Evidence]]:
    """The files that show one item, by item id (a card page shows them where the item is)."""
    grouped: dict[str, list[Evidence]] = {}
    for f in files:
        if f.item_id:
            grouped.setdefault(f.item_id, []).append(f)
    return grouped


def evidence_path(evidence: Evidence) -> Path:
    return storage_dir() / evidence.stored_name
