"""The words of checklist items, for pages that name an item by its id (reports, disputes, the audit log)."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import select

from app.content.models import ContentItem, ContentVersion
from app.extensions import db


def _texts(html: dict | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in (html or {}).get("sections", []):
        for item_id, text in (section.get("items") or {}).items():
            out[item_id] = Markup(text).striptags()
    return out


def item_texts(version_ids=None) -> dict[str, str]:
    """Item id -> its text in plain words: from the given checklist versions, else from every published
    checklist (one query); an item id no checklist knows is left out (the caller shows the id)."""
    if version_ids is None:
        texts: dict[str, str] = {}
        for version_id, digest in db.session.execute(_PUBLISHED_CHECKLISTS):
            texts.update(_version_texts(version_id, digest))
        return texts
    ids = sorted({v for v in version_ids if v is not None})
    if not ids:
        return {}
    out: dict[str, str] = {}
    for html in db.session.scalars(select(ContentVersion.html).where(ContentVersion.id.in_(ids))):
        out.update(_texts(html))
    return out


_PUBLISHED_CHECKLISTS = (
    select(ContentVersion.id, ContentVersion.sha256)
    .join(ContentItem, ContentItem.published_version_id == ContentVersion.id)
    .where(ContentItem.kind == "checklist")
)


@lru_cache(maxsize=256)
def _version_texts(version_id: int, digest: str) -> dict[str, str]:
    """The item texts of one checklist version, read and stripped once per version (a version never
    changes; its hash is in the key in case one database's ids meet another's)."""
    return _texts(db.session.scalar(select(ContentVersion.html).where(ContentVersion.id == version_id)))


def card_item_texts(versions_and_items) -> dict[tuple[int, str], str]:
    """(checklist version id, item id) -> the item's text in that version, for the pairs given."""
    pairs = list(versions_and_items)
    if not pairs:
        return {}
    rows = db.session.execute(
        select(ContentVersion.id, ContentVersion.html).where(ContentVersion.id.in_(sorted({v for v, _i in pairs})))
    )
    per_version = {vid: _texts(html) for vid, html in rows}
    return {(v, i): per_version.get(v, {}).get(i, i) for v, i in pairs}
