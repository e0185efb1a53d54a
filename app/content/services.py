"""Importing content into versioned storage, and reading the published versions back."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.content import model
from app.content.loader import ContentSet
from app.content.models import ContentItem, ContentLink, ContentVersion, QuestionSkill
from app.content.render import render_all
from app.core import audit
from app.core.errors import DomainError
from app.core.rows import rows
from app.extensions import db


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _skills_payload(skills: model.SkillSet) -> dict:
    return {"skills": [{"id": s.id, "title": s.title, "description": s.description} for s in skills.skills]}


_LOOK_UP = object()


def store_version(
    actor,
    kind: str,
    slug: str,
    source: str,
    data: dict,
    html: dict,
    title: str,
    lang: str | None,
    path: str | None,
    origin: str = "import",
    item=_LOOK_UP,
    deferred: list | None = None,
) -> tuple[ContentVersion | None, str]:
    """Store a new version of an item if its text changed; returns (the current version, created|updated|unchanged).

    ``item`` may be passed when the caller already loaded it (None for a new one). With ``deferred``
    (a bulk import) nothing is flushed here: (version, data) pairs of quizzes are appended to it for
    ``add_question_skills`` once the whole set is flushed together.
    """
    if item is _LOOK_UP:
        item = _locked_item(kind, slug)
    digest = sha256(source)
    if item is not None and item.published is not None and item.published.sha256 == digest:
        return item.published, "unchanged"
    status = "updated" if item is not None and item.published is not None else "created"
    last = 0
    if item is None:
        item = ContentItem(kind=kind, slug=slug)
        db.session.add(item)
    else:
        last = db.session.scalar(
            select(ContentVersion.number)
            .where(ContentVersion.item_id == item.id)
            .order_by(ContentVersion.number.desc())
            .limit(1)
        )
    version = ContentVersion(
        item=item,
        number=(last or 0) + 1,
        sha256=digest,
        source=source,
        path=path,
        title=title,
        lang=lang,
        data=data,
        html=html,
        origin=origin,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    before = {"version": item.published.number} if item.published else None
    item.published = version
    audit.record(actor, "content.publish", kind, slug, before, {"version": version.number, "sha256": digest[:12]})
    if deferred is not None:
        deferred.append((version, kind, data))
        return version, status
    db.session.flush()
    db.session.add_all(named_rows(version.id, kind, data))
    db.session.flush()
    return version, status


def _locked_item(kind: str, slug: str) -> ContentItem:
    """The item with its published version, its row locked until the transaction ends, so that two
    publishes of it run one after the other and the second finds the first one's version.

    A new item is inserted here: of two first publishes at once, the second waits for the first,
    fails on the unique (kind, slug) and then takes the first one's item.
    """
    locked = select(ContentItem.id).where(ContentItem.kind == kind, ContentItem.slug == slug).with_for_update()
    item_id = db.session.scalar(locked)
    if item_id is None:
        try:
            with db.session.begin_nested():
                item = ContentItem(kind=kind, slug=slug)
                db.session.add(item)
            return item
        except IntegrityError:
            item_id = db.session.scalar(locked)
    # Read apart from the lock: once it is granted, a new statement sees the version the other publish made.
    return db.session.scalars(
        select(ContentItem)
        .options(joinedload(ContentItem.published))
        .where(ContentItem.id == item_id)
        .execution_options(populate_existing=True)
    ).one()


def named_rows(version_id: int, kind: str, data: dict) -> list[QuestionSkill | ContentLink]:
    """What a new version names, as rows written with it: one per question that names a skill (for the
    per-skill reports) and one per item it links to (a course's cases, a case's quiz: "used in")."""
    if kind == "quiz":
        return [
            QuestionSkill(version_id=version_id, question_key=q["key"], skill=q["skill"])
            for q in data.get("questions", [])
            if q.get("skill")
        ]
    named = [("case", slug) for slug in data.get("cases") or []] if kind == "course" else []
    if kind == "case" and data.get("quiz"):
        named.append(("quiz", data["quiz"]))
    return [ContentLink(version_id=version_id, kind=k, slug=s) for k, s in dict.fromkeys(named)]


def import_content(content: ContentSet, actor=None, origin: str = "import") -> ImportReport:
    """Store every item of a checked content set; raises DomainError if the set has problems."""
    if not content.ok:
        raise DomainError(f"{len(content.problems)} problem(s) in the content; nothing was imported.")
    report = ImportReport()
    # Every item with its published version in one query: unchanged files are skipped before any
    # rendering, and new versions are written in one flush at the end.
    items = {
        (i.kind, i.slug): i for i in db.session.scalars(select(ContentItem).options(joinedload(ContentItem.published)))
    }
    deferred: list = []
    if content.skills is not None:
        _v, status = store_version(
            actor,
            "skills",
            "skills",
            content.skills.source,
            _skills_payload(content.skills),
            {},
            "Skills",
            None,
            content.skills.rel_path,
            origin,
            item=items.get(("skills", "skills")),
            deferred=deferred,
        )
        getattr(report, status).append("skills")
    todo = []
    for doc in content.all_documents():
        item = items.get((doc.kind, doc.id))
        if item is not None and item.published is not None and item.published.sha256 == sha256(doc.source):
            report.unchanged.append(f"{doc.kind}:{doc.id}")
        else:
            todo.append((doc, item))
    for (doc, item), html in zip(todo, render_all([doc for doc, _item in todo]), strict=True):
        _v, status = store_version(
            actor,
            doc.kind,
            doc.id,
            doc.source,
            doc.to_dict(),
            html,
            doc.title,
            doc.lang,
            doc.rel_path,
            origin,
            item=item,
            deferred=deferred,
        )
        getattr(report, status).append(f"{doc.kind}:{doc.id}")
    db.session.flush()
    for version, kind, data in deferred:
        db.session.add_all(named_rows(version.id, kind, data))
    db.session.flush()
    return report


# ---------------------------------------------------------------- reading
@lru_cache(maxsize=2048)
def _document_for(version_id: int, kind: str, data_key: str) -> model.Document:
    version = db.session.get(ContentVersion, version_id)
    return model.from_dict(kind, version.data)


def document(version: ContentVersion) -> model.Document:
    """The parsed dataclass of a stored version (cached per version: versions never change)."""
    return _document_for(version.id, version.item.kind, version.sha256)


# (version id, text hash) -> (data, html). A stored version never changes, so its decoded JSON can be kept
# by the process; decoding every published case's JSON was half the time of a small page. The hash is
# part of the key so a database whose ids were reused (emptied between tests) never gets another's.
_PAYLOADS: OrderedDict[tuple[int, str], tuple[dict, dict]] = OrderedDict()
_PAYLOADS_MAX = 2048


def _payloads_apart():
    """Loader options: a version's large columns are read apart, the source only when asked for and
    the parsed document and HTML through _PAYLOADS."""
    return defer(ContentVersion.source), defer(ContentVersion.data), defer(ContentVersion.html)


@lru_cache(maxsize=1)
def _published_statements():
    """(one item by kind and slug, every item of a kind), built once on first use (not at import: loader
    options need every model mapped). These run on nearly every learner page, and building and keying
    a statement costs more than running it."""
    versions = (
        select(ContentVersion)
        .join(ContentItem, ContentItem.published_version_id == ContentVersion.id)
        .options(contains_eager(ContentVersion.item), *_payloads_apart())
    )
    return (
        versions.where(ContentItem.kind == bindparam("kind"), ContentItem.slug == bindparam("slug")),
        versions.where(ContentItem.kind == bindparam("kind")).order_by(ContentVersion.title),
    )


def published(kind: str, slug: str) -> ContentVersion | None:
    """The published version of an item, or None (its item comes with it, from the same row; its parsed
    document and HTML from the process's cache when it has them)."""
    version = db.session.scalars(_published_statements()[0], {"kind": kind, "slug": slug}).first()
    return _with_payloads([version])[0] if version is not None else None


def published_all(kind: str) -> list[ContentVersion]:
    """Every published version of a kind, by title (each with its item, from the same row)."""
    return _with_payloads(list(db.session.scalars(_published_statements()[1], {"kind": kind})))


class Published(NamedTuple):
    """A published item as lists and progress read it: no ORM rows, the parsed document from the cache
    (a named tuple: a frozen dataclass took longer to build than the query took to run)."""

    id: int  # the version's
    item_id: int
    slug: str
    title: str
    lang: str | None
    data: dict


_INDEX = (
    select(
        ContentVersion.id,
        ContentVersion.sha256,
        ContentItem.id.label("item_id"),
        ContentItem.slug,
        ContentVersion.title,
        ContentVersion.lang,
    )
    .join(ContentItem, ContentItem.published_version_id == ContentVersion.id)
    .where(ContentItem.kind == bindparam("kind"))
    .order_by(ContentVersion.title)
)


_INDEX_OF = _INDEX.where(ContentItem.slug.in_(bindparam("slugs", expanding=True)))


def published_index(kind: str) -> list[Published]:
    """Every published item of a kind, by title, as :class:`Published` (one query of a few columns; the
    documents of versions already seen come from the process's cache)."""
    return _published(rows(_INDEX, {"kind": kind}).all())


def published_of(kind: str, slugs) -> list[Published]:
    """:func:`published_index` for the items of a kind with these slugs only (those published), by title:
    a course's cases without reading every case there is."""
    return _published(rows(_INDEX_OF, {"kind": kind, "slugs": list(slugs)}).all())


def _published(found) -> list[Published]:
    keys = [(r.id, r.sha256) for r in found]
    # nearly always every document is in the cache already; else those missing are read in one query
    payloads = _PAYLOADS if all(key in _PAYLOADS for key in keys) else _payloads(keys)
    return [
        Published(v, item, slug, title, lang, payloads[v, digest][0]) for v, digest, item, slug, title, lang in found
    ]


def _payloads(keys: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[dict, dict]]:
    """(version id, hash) -> (data, html) for these versions: from the cache, the others in one query."""
    found = {key: _PAYLOADS[key] for key in keys if key in _PAYLOADS}
    missing = [version_id for version_id, digest in keys if (version_id, digest) not in found]
    if missing:
        fetched = db.session.execute(
            select(ContentVersion.id, ContentVersion.sha256, ContentVersion.data, ContentVersion.html).where(
                ContentVersion.id.in_(missing)
            )
        )
        for version_id, digest, data, html in fetched:
            _PAYLOADS[(version_id, digest)] = found[(version_id, digest)] = (data, html)
        while len(_PAYLOADS) > _PAYLOADS_MAX:
            _PAYLOADS.popitem(last=False)
    return found


@lru_cache(maxsize=8)
def version_loaded(path) -> object:
    """Loader option for a relationship to a version (``QuizAttempt.version``): the version and its item
    in the same row, its large columns apart; pass the versions to :func:`with_payloads` after. Built
    once per relationship (an option is immutable; building and keying it anew cost as much as the
    query)."""
    return joinedload(path).options(joinedload(ContentVersion.item), *_payloads_apart())


def with_payloads(versions: list[ContentVersion]) -> list[ContentVersion]:
    """The versions with their parsed document and HTML, from the process's cache when it has them."""
    return _with_payloads(versions)


def _with_payloads(versions: list[ContentVersion]) -> list[ContentVersion]:
    """The versions with their parsed document and HTML set, from the cache or in one query for those
    it lacks (a version already loaded in this session keeps what it has)."""
    _payloads([(v.id, v.sha256) for v in versions])
    for v in versions:
        if "data" not in v.__dict__:  # not already loaded in this session
            data, html = (
                _PAYLOADS.get((v.id, v.sha256))
                or db.session.execute(
                    select(ContentVersion.data, ContentVersion.html).where(ContentVersion.id == v.id)
                ).one()
            )
            set_committed_value(v, "data", data)
            set_committed_value(v, "html", html)
    return versions


def skill_titles(locale: str) -> dict[str, str]:
    """Skill id -> title in the given language (falling back to any title)."""
    # the index of a few columns (a row), its document from the cache: no ORM object to load
    version = next(iter(published_of("skills", ["skills"])), None)
    if version is None:
        return {}
    out = {}
    for skill in version.data.get("skills", []):
        titles = skill.get("title") or {}
        out[skill["id"]] = titles.get(locale) or titles.get("en") or next(iter(titles.values()), skill["id"])
    return out


DEFAULT_FOLDERS = {"course": "courses", "case": "cases", "quiz": "quizzes", "checklist": "checklists"}


def export_path(item: ContentItem, version: ContentVersion) -> str:
    """Where a published item goes in an exported tree: its original path, or <folder>/<id>.md."""
    if version.path and not version.path.startswith(("/", "..")) and ".." not in version.path.split("/"):
        return version.path
    if item.kind == "skills":
        return "skills.yml"
    return f"{DEFAULT_FOLDERS[item.kind]}/{item.slug}.md"


def export_files() -> list[tuple[str, str]]:
    """(relative path, exact text) of every published item."""
    listed = db.session.execute(
        select(ContentItem, ContentVersion)
        .join(ContentVersion, ContentVersion.id == ContentItem.published_version_id)
        .order_by(ContentItem.kind, ContentItem.slug)
    ).all()
    return [(export_path(item, version), version.source) for item, version in listed]
