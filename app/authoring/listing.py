"""The trainer's list of content: every item and every draft of a new one, a page at a time, filtered by
kind or by words of its id or title, with where each item on the page is used.

Each page reads only its own items: the published version's title, language and number (not its text
or parsed data), the drafts of those items (checked, to show their errors) and the links to them from
published versions (:class:`app.content.models.ContentLink`). With 2,000 items, reading every published
course and case to find where things were used, and every item's whole version, took 1.2 s a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, bindparam, func, or_, select, union_all

from app.authoring.models import ContentDraft
from app.authoring.services import KINDS, published_ids, source_problems
from app.content.models import ContentItem, ContentLink, ContentVersion
from app.core.inputs import paginate_rows
from app.core.rows import rows
from app.extensions import db


@dataclass
class ContentRow:
    kind: str
    slug: str
    title: str
    lang: str | None
    version: int | None  # the published version's number; None for a draft never published
    draft: bool
    problems: list  # of the draft's text


@dataclass
class ContentList:
    page: object  # a Flask-SQLAlchemy pagination of ContentRow
    usage: dict[tuple[str, str], list[tuple[str, str]]]  # (kind, slug) -> each published item naming it
    kind: str | None  # the filters applied: a known kind or None, the words as typed (trimmed)
    words: str


def _keys(by_kind: bool):
    """(kind, slug) of every item ever published or drafted and of every draft of a new one, in the order
    of the two unique indexes (so a page of them is read from the indexes, not sorted)."""
    items = select(ContentItem.kind, ContentItem.slug)
    an_item = select(ContentItem.id).where(ContentItem.kind == ContentDraft.kind, ContentItem.slug == ContentDraft.slug)
    drafts = select(ContentDraft.kind, ContentDraft.slug).where(~an_item.exists())
    if by_kind:
        items = items.where(ContentItem.kind == bindparam("kind"))
        drafts = drafts.where(ContentDraft.kind == bindparam("kind"))
    return union_all(items, drafts)


def _shown(keys):
    """What the list shows of each of ``keys``: its published version's title, language and number."""
    return (
        select(keys.c.kind, keys.c.slug, ContentVersion.title, ContentVersion.lang, ContentVersion.number)
        .select_from(keys)
        .outerjoin(ContentItem, and_(ContentItem.kind == keys.c.kind, ContentItem.slug == keys.c.slug))
        .outerjoin(ContentVersion, ContentVersion.id == ContentItem.published_version_id)
    )


@lru_cache(maxsize=4)
def _statements(by_kind: bool, by_words: bool):
    """A page of the list (``limit``, ``offset``) by kind and id, and its number of rows; the kind
    (``kind``) and words of the id or title (``like``) bound when asked for. Without words, the page of
    keys is taken first and only its rows are joined to their versions; words need every title looked
    at. Built once per kind of filter."""
    keys = _keys(by_kind)
    limit, offset = bindparam("limit"), bindparam("offset")
    if not by_words:
        window = keys.order_by(keys.selected_columns.kind, keys.selected_columns.slug).limit(limit).offset(offset)
        page = window.subquery()
        return _shown(page).order_by(page.c.kind, page.c.slug), select(func.count()).select_from(keys.subquery())
    every = keys.subquery()
    like = bindparam("like")
    matches = func.lower(every.c.slug).like(like, escape="\\"), func.lower(ContentVersion.title).like(like, escape="\\")
    found = _shown(every).where(or_(*matches))
    page = found.order_by(every.c.kind, every.c.slug).limit(limit).offset(offset)
    return page, select(func.count()).select_from(found.subquery())


def content_list(kind: str | None, words: str, page: int, per_page: int) -> ContentList:
    """One page of the content list (``kind``: one of :data:`KINDS` or None for all; ``words``: part of
    an id or a title, any case, or empty)."""
    kind = kind if kind in KINDS else None
    words = words.strip()
    params = {"kind": kind} if kind else {}
    if words:
        escaped = words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["like"] = f"%{escaped}%"
    stmt, count = _statements(kind is not None, bool(words))
    listed = paginate_rows(stmt, count, params, page, per_page)
    keys = [(r.kind, r.slug) for r in listed.items]
    drafts = _drafts(keys)
    known = published_ids() if drafts else {}  # what the drafts' references are checked against, read once
    listed.items = [
        ContentRow(
            kind=r.kind,
            slug=r.slug,
            title=r.title or r.slug,
            lang=r.lang,
            version=r.number,
            draft=(r.kind, r.slug) in drafts,
            problems=source_problems(r.kind, r.slug, drafts[r.kind, r.slug], known)[1]
            if (r.kind, r.slug) in drafts
            else [],
        )
        for r in listed.items
    ]
    return ContentList(listed, used_in(keys), kind, words)


def _drafts(keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(kind, slug) -> the draft's text, for the drafts of these items."""
    if not keys:
        return {}
    kinds, slugs = sorted({kind for kind, _slug in keys}), sorted({slug for _kind, slug in keys})
    found = db.session.execute(
        select(ContentDraft.kind, ContentDraft.slug, ContentDraft.source).where(
            ContentDraft.kind.in_(kinds), ContentDraft.slug.in_(slugs)
        )
    )
    wanted = set(keys)
    return {(kind, slug): source for kind, slug, source in found if (kind, slug) in wanted}


def used_in(keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(kind, slug) -> (kind, slug) of each published item that names it (the courses holding a case, the
    cases naming a quiz), by the naming item's title: one indexed lookup for the items asked about."""
    if not keys:
        return {}
    found = rows(
        select(ContentLink.kind, ContentLink.slug, ContentItem.kind, ContentItem.slug)
        .join(ContentVersion, ContentVersion.id == ContentLink.version_id)
        .join(
            ContentItem,
            and_(ContentItem.id == ContentVersion.item_id, ContentItem.published_version_id == ContentVersion.id),
        )
        .where(
            ContentLink.kind.in_(sorted({kind for kind, _slug in keys})),
            ContentLink.slug.in_(sorted({slug for _kind, slug in keys})),
        )
        .order_by(ContentVersion.title, ContentItem.slug)
    )
    wanted = set(keys)
    used: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for kind, slug, by_kind, by_slug in found:
        if (kind, slug) in wanted:
            used.setdefault((kind, slug), []).append((by_kind, by_slug))
    return used
