"""Evidence files: type checked by content (never by name), stored outside static/ under random names."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
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


def add_evidence(actor, card: Scorecard, filename: str, stream) -> Evidence:
    """Store an uploaded file for a card; raises DomainError for a disallowed type or size."""
    if not card.editable and card.status != "submitted":
        raise DomainError(_l("Evidence can no longer be added to this card."))
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    if not data:
        raise DomainError(_l("The file is empty."))
    mime = sniff(data[:64])
    if mime is None:
        raise DomainError(
            _l("This kind of file is not accepted: photos (JPEG, PNG, WebP), PDF receipts or audio (MP3, M4A).")
        )
    stored = f"{secrets.token_hex(16)}.{ALLOWED[mime]}"
    (storage_dir() / stored).write_bytes(data)
    evidence = Evidence(
        card_id=card.id,
        stored_name=stored,
        original_name=(filename or "file")[:255],
        mime=mime,
        size=len(data),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def evidence_path(evidence: Evidence) -> Path:
    return storage_dir() / evidence.stored_name
