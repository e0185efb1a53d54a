"""Browser authoring: check, save drafts, publish (with reference checks and regrading), history, restore."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.authoring.models import ContentDraft
from app.authoring.templates import TEMPLATES
from app.content import advice, parser
from app.content import services as content
from app.content.advice import Advice
from app.content.loader import ContentSet, check_references
from app.content.model import N_, Document, Problem, Quiz, from_dict
from app.content.models import ContentItem, ContentLink, ContentVersion
from app.content.render import render_document
from app.core import audit, signals
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.extensions import db
from app.learning.models import QuizAttempt
from app.learning.scoring import score_quiz

KINDS = ("course", "case", "quiz", "checklist", "skills")


@dataclass
class CheckResult:
    document: Document | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Advice] = field(default_factory=list)  # advice that does not stop a publication

    @property
    def ok(self) -> bool:
        return not self.problems and self.document is not None


def published_ids() -> dict[str, set[str]]:
    """kind -> the ids published of it, and "skills" -> the skill ids when the skills file is published."""
    ids: dict[str, set[str]] = {}
    for kind, slug in db.session.execute(
        select(ContentItem.kind, ContentItem.slug).where(ContentItem.published_version_id.is_not(None))
    ):
        ids.setdefault(kind, set()).add(slug)
    version = content.published("skills", "skills")
    ids.pop("skills", None)  # the file's own item, not skill ids
    if version:
        ids["skills"] = {s["id"] for s in version.data.get("skills", [])}
    return ids


def check_source(kind: str, slug: str, source: str) -> CheckResult:
    """Parse and validate an edited text as ``content check`` would, with references checked against the
    site, and the author's warnings about it."""
    doc, problems = source_problems(kind, slug, source)
    return CheckResult(doc, problems, advise(kind, doc) if doc is not None else [])


def source_problems(
    kind: str, slug: str, source: str, known: dict[str, set[str]] | None = None
) -> tuple[Document | None, list[Problem]]:
    """(the parsed document or None, its problems) of an edited text, as ``content check`` finds them,
    references checked against ``known`` (:func:`published_ids`, read here when not given: a list of
    drafts reads it once for all)."""
    problems: list[Problem] = []
    path = f"{slug}.md" if kind != "skills" else "skills.yml"
    text = parser.normalise_text(source)
    if kind == "skills":
        skills = parser.parse_skills(text, path, problems)
        if not problems:
            used = _skills_in_use()
            missing = sorted(used - skills.ids())
            for skill in missing:
                problems.append(
                    Problem(
                        path,
                        1,
                        N_("skill '%(id)s' is still used by published content; it cannot be removed"),
                        {"id": skill},
                    )
                )
        return skills, problems  # type: ignore[return-value]  (the skills file's own kind of document)
    doc = parser.parse_document(kind, text, path, problems)
    if doc is not None:
        if doc.id and doc.id != slug:
            problems.append(
                Problem(
                    path,
                    doc.meta_lines.get("id", 1),
                    N_("the id must stay '%(id)s' (results refer to it)"),
                    {"id": slug},
                )
            )
        known = published_ids() if known is None else known
        known_sets = {
            "skills": known.get("skills", set()),
            "case": known.get("case", set()),
            "quiz": known.get("quiz", set()),
        }
        if "skills" not in known:  # no skills file published: skills are not checked
            known_sets.pop("skills")
        single = ContentSet(skills=None)
        single.documents[kind][slug] = doc
        check_references(single, known_sets)
        problems.extend(single.problems)
    problems.sort(key=lambda p: p.line)
    return doc, problems


def advise(kind: str, doc: Document) -> list[Advice]:
    """The author's warnings about an edited case or quiz, read with its quiz (its cases) as the site
    has them: the draft where there is one, else the published version."""
    if kind == "case":
        quiz = _current_document("quiz", doc.quiz) if doc.quiz else None
        return sorted(advice.advise_case(doc, quiz), key=lambda a: a.line)
    if kind == "quiz":
        return sorted(advice.advise_quiz(doc, _cases_naming(doc.id)), key=lambda a: a.line)
    return []


def _current_document(kind: str, slug: str) -> Document | None:
    source = current_source(kind, slug)[0]
    if source is None:
        return None
    return parser.parse_document(kind, parser.normalise_text(source), f"{slug}.md", [])


def _cases_naming(quiz_slug: str) -> list[Document]:
    naming = (  # the published cases whose version names the quiz: from the link's index, by primary keys
        select(ContentItem.slug)
        .select_from(ContentLink)
        .join(ContentVersion, ContentVersion.id == ContentLink.version_id)
        .join(ContentItem, ContentItem.id == ContentVersion.item_id)
        .where(ContentLink.kind == "quiz", ContentLink.slug == quiz_slug)
        .where(ContentItem.kind == "case", ContentItem.published_version_id == ContentVersion.id)
    )
    slugs = set(db.session.scalars(naming))
    slugs |= set(db.session.scalars(select(ContentDraft.slug).where(ContentDraft.kind == "case")))
    cases = [_current_document("case", slug) for slug in sorted(slugs)]
    return [case for case in cases if case is not None and case.quiz == quiz_slug]


def linked_items(kind: str, slug: str, doc: Document | None) -> list[tuple[str, str, bool]]:
    """What the editor shows beside a case or a quiz: (kind, id, whether it exists) of the quiz the case
    names, or of the cases that name the quiz."""
    if kind == "case":
        quiz = getattr(doc, "quiz", None)
        return [("quiz", quiz, current_source("quiz", quiz)[0] is not None)] if quiz else []
    if kind == "quiz":
        return [("case", case.id, True) for case in _cases_naming(slug)]
    return []


def _skills_in_use() -> set[str]:
    used: set[str] = set()
    for kind in ("course", "case", "quiz", "checklist"):
        for version in content.published_all(kind):
            data = version.data
            used.update(data.get("skills") or [])
            for q in data.get("questions", []):
                if q.get("skill"):
                    used.add(q["skill"])
            for s in data.get("sections", []):
                used.update(i["skill"] for i in s.get("items", []) if i.get("skill"))
    return used


def current_source(kind: str, slug: str) -> tuple[str | None, ContentDraft | None, ContentVersion | None]:
    draft = db.session.scalars(select(ContentDraft).where(ContentDraft.kind == kind, ContentDraft.slug == slug)).first()
    version = content.published(kind, slug)
    source = draft.source if draft else version.source if version else None
    return source, draft, version


def with_line_endings_of(text: str, edited: str | None) -> str:
    """The editor's text with the line breaks of the text it edits. A browser sends every line break
    of a textarea as CRLF, so a file written with LF, saved without a change, would otherwise come
    back as a new version that differs from the file only in its line ends."""
    if edited is not None and "\r\n" in edited:
        return text
    return text.replace("\r\n", "\n")


def save_draft(actor, kind: str, slug: str, source: str) -> ContentDraft:
    """Keep an unpublished draft; everyone else still sees the published version."""
    if kind not in KINDS:
        raise DomainError(_l("Unknown kind of content."))
    draft = db.session.scalars(select(ContentDraft).where(ContentDraft.kind == kind, ContentDraft.slug == slug)).first()
    version = content.published(kind, slug)
    if draft is None:
        draft = ContentDraft(kind=kind, slug=slug, base_version_id=version.id if version else None)
        db.session.add(draft)
    draft.source = source
    draft.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    return draft


def discard_draft(kind: str, slug: str) -> None:
    draft = db.session.scalars(select(ContentDraft).where(ContentDraft.kind == kind, ContentDraft.slug == slug)).first()
    if draft is not None:
        db.session.delete(draft)
        db.session.flush()


def new_item(actor, kind: str, slug: str) -> ContentDraft:
    """A draft for a new item from its template; raises DomainError for a bad or taken id."""
    if kind not in TEMPLATES:
        raise DomainError(_l("Unknown kind of content."))
    if not parser.ID_RE.match(slug or ""):
        raise DomainError(
            _l("The id must be lowercase latin letters, digits and '-', like 'courier-no-call'."), field="slug"
        )
    exists = db.session.scalar(select(ContentItem.id).where(ContentItem.kind == kind, ContentItem.slug == slug))
    drafted = db.session.scalar(select(ContentDraft.id).where(ContentDraft.kind == kind, ContentDraft.slug == slug))
    if exists or drafted:
        raise DomainError(_l("This id is already used; ids are never reused."), field="slug")
    return save_draft(actor, kind, slug, TEMPLATES[kind].format(id=slug))


# ---------------------------------------------------------------- regrading
@dataclass
class RegradePlan:
    attempts: int = 0
    changes: list[tuple[int, bool, bool, float, float]] = field(default_factory=list)  # id, old, new, old %, new %

    @property
    def changed(self) -> int:
        return len(self.changes)


def _unique(texts: list[str]) -> dict[str, int]:
    """Each text that occurs once -> its index."""
    seen: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        seen.setdefault(" ".join(t.split()), []).append(i)
    return {t: found[0] for t, found in seen.items() if len(found) == 1}


def carry_over(old: Quiz, new: Quiz) -> dict[str, tuple[str, list[int | None]]]:
    """Where each question of an earlier version of a quiz is in the new one, for regrading the answers
    given to it: old key -> (new key, the new index of each old option, None for an option that is gone).

    A question is found by its heading when that heading occurs once in both versions; a question whose
    heading changed is taken to be the one at the same place if neither has been matched by heading.
    Either way both must be choice questions (single or multiple) or both order questions. An option is
    found by its text when that text occurs once in both questions, otherwise at the same place when
    the question has as many options as before and no other option moved there. A question that was
    removed is left out: its answers no longer count."""
    new_by_prompt, old_by_prompt = (
        _unique([q.prompt for q in new.questions]),
        _unique([q.prompt for q in old.questions]),
    )

    def alike(i: int, j: int) -> bool:
        return (old.questions[i].type == "order") == (new.questions[j].type == "order")

    pairs: dict[int, int] = {}  # old index -> new index
    for prompt, i in old_by_prompt.items():
        if prompt in new_by_prompt and alike(i, new_by_prompt[prompt]):
            pairs[i] = new_by_prompt[prompt]
    taken = set(pairs.values())
    for i in range(min(len(old.questions), len(new.questions))):
        if i not in pairs and i not in taken and alike(i, i):
            pairs[i] = i
    out = {}
    for i, j in pairs.items():
        before, after = old.questions[i], new.questions[j]
        by_text = _unique([o.text for o in after.options])
        options: list[int | None] = [None] * len(before.options)
        for text, k in _unique([o.text for o in before.options]).items():
            if text in by_text:
                options[k] = by_text[text]
        if len(before.options) == len(after.options):  # an option reworded in place stays where it was
            claimed = set(options)
            for k in range(len(options)):
                if options[k] is None and k not in claimed:
                    options[k] = k
        out[before.key] = (after.key, options)
    return out


def _carried(answers, moves: dict[str, tuple[str, list[int | None]]]) -> dict[str, tuple[object, list[int]]]:
    """The new key of each answer that still counts -> (its stored row, its response in the new version's
    option indexes). An answer naming an option that is gone no longer counts."""
    out = {}
    for answer in answers:
        move = moves.get(answer.question_key)
        if move is None:
            continue
        new_key, options = move
        response = [options[i] if isinstance(i, int) and 0 <= i < len(options) else None for i in answer.response or []]
        if None not in response:
            out[new_key] = (answer, response)
    return out


class _Regrader:
    """Scores finished attempts under a new version of their quiz, carrying each attempt's answers over
    from the version it rests on (:func:`carry_over`, worked out once per version)."""

    def __init__(self, new_quiz: Quiz):
        self.new_quiz = new_quiz
        self.moves: dict[int, dict[str, tuple[str, list[int | None]]]] = {}

    def __call__(self, attempt: QuizAttempt):
        """(the answers that still count, by new key: (stored row, new response); the new score)."""
        if attempt.version_id not in self.moves:
            self.moves[attempt.version_id] = carry_over(content.document(attempt.version), self.new_quiz)
        carried = _carried(attempt.answers, self.moves[attempt.version_id])
        return carried, score_quiz(self.new_quiz, {key: response for key, (_row, response) in carried.items()})


def regrade_plan(slug: str, new_quiz: Quiz) -> RegradePlan:
    """Which finished attempts would change result under the new version (a dry run). Each attempt's
    answers are carried over from the version it was taken on (:func:`carry_over`), so a question moved,
    added or removed, or options reordered, are regraded for what the learner chose."""
    plan = RegradePlan()
    item = db.session.scalars(select(ContentItem).where(ContentItem.kind == "quiz", ContentItem.slug == slug)).first()
    if item is None:
        return plan
    regrade = _Regrader(new_quiz)
    for attempt in db.session.scalars(
        select(QuizAttempt)
        .options(joinedload(QuizAttempt.version).joinedload(ContentVersion.item))
        .where(QuizAttempt.quiz_item_id == item.id, QuizAttempt.status == "finished")
    ):
        plan.attempts += 1
        _carried_answers, score = regrade(attempt)
        new_passed = score.passed(new_quiz.pass_percent)
        if new_passed != attempt.passed or abs(float(score.percent) - (attempt.percent or 0)) > 1e-9:
            plan.changes.append(
                (attempt.id, bool(attempt.passed), new_passed, attempt.percent or 0, float(score.percent))
            )
    return plan


def _apply_regrade(new_quiz: Quiz, new_version: ContentVersion, plan: RegradePlan) -> None:
    from app.learning.services import refresh_completions
    from app.people.models import User

    by_key = {q.key: q for q in new_quiz.questions}
    regrade = _Regrader(new_quiz)
    regraded = []  # their figures recomputed once, after them all
    for attempt_id, *_rest in plan.changes:
        attempt = db.session.get(QuizAttempt, attempt_id)
        carried, score = regrade(attempt)
        # The answers now rest on the new version: each under its question's new key, with the new
        # option indexes; one whose question or chosen option is gone is dropped. Keys are freed first
        # so that questions that swapped places never hold the same key at once.
        kept = {id(row) for row, _response in carried.values()}
        for answer in list(attempt.answers):
            if id(answer) not in kept:
                attempt.answers.remove(answer)
            else:
                answer.question_key = f"~{answer.id}"
        db.session.flush()
        for key, (answer, response) in carried.items():
            q = by_key[key]
            answer.question_key, answer.response = key, response
            answer.earned, answer.possible = float(score.per_question[key]), q.points
            answer.correct = score.per_question[key] == q.points
        attempt.earned, attempt.possible = float(score.earned), float(score.possible)
        attempt.percent, attempt.passed = float(score.percent), score.passed(new_quiz.pass_percent)
        attempt.version = new_version  # the result now rests on the new version
        db.session.flush()
        regraded.append(attempt)
        if attempt.passed:
            refresh_completions(db.session.get(User, attempt.user_id))
    signals.attempts_regraded.send(regraded)


def pending_regrade(version: ContentVersion | None) -> RegradePlan | None:
    """The regrade a published quiz version still offers, however it was published (editor or files):
    its dry run, when it changes the result of finished attempts taken on earlier versions and nobody
    has applied or declined it yet; else None."""
    if version is None or version.regrade is not None or version.item.kind != "quiz":
        return None
    if not _has_older_attempts(version):
        return None
    plan = regrade_plan(version.item.slug, content.document(version))
    return plan if plan.changed else None


def pending_regrades() -> list[tuple[ContentVersion, RegradePlan]]:
    """Every published quiz version with a regrade still to decide, by quiz id (for ``content import``).
    One whose dry run changes nothing is marked so ("none"), not to be worked out at every import."""
    out = []
    for version in content.published_all("quiz"):
        plan = pending_regrade(version)
        if plan is not None:
            out.append((version, plan))
        elif version.regrade is None and _has_older_attempts(version):
            version.regrade = "none"
    db.session.flush()
    return sorted(out, key=lambda pair: pair[0].item.slug)


def _has_older_attempts(version: ContentVersion) -> bool:
    """Whether finished attempts of the quiz rest on versions other than this one: looked for version by
    version through the attempts' (version, status) index, one step each. Asked as "the quiz's attempts
    not on this version", it read every attempt of the quiz when none was (34,000: 20 ms on the large
    demo data, for every opening of the quiz's editor)."""
    others = select(ContentVersion.id).where(ContentVersion.item_id == version.item_id, ContentVersion.id != version.id)
    found = select(QuizAttempt.id).where(QuizAttempt.version_id.in_(others), QuizAttempt.status == "finished")
    return db.session.scalar(found.limit(1)) is not None


def publish_plan(slug: str, quiz: Quiz, source: str) -> tuple[RegradePlan, ContentVersion | None]:
    """The dry run a publish of ``source`` offers, and the version it is for: the published version when
    the text is the one already published (its pending regrade, if any), else None (a new version)."""
    current = content.published("quiz", slug)
    if current is not None and current.sha256 == content.sha256(source):
        return pending_regrade(current) or RegradePlan(), current
    return regrade_plan(slug, quiz), None


def settle_regrade(actor, version: ContentVersion, plan: RegradePlan, apply: bool, quiz: Quiz | None = None) -> None:
    """Regrade the attempts a dry run found to ``version``, or keep their results; either way the
    regrade of this version is decided and not offered again."""
    if apply:
        _apply_regrade(quiz or content.document(version), version, plan)
    version.regrade = "applied" if apply else "kept"
    audit.record(
        actor,
        "content.regrade" if apply else "content.regrade_skipped",
        "quiz",
        version.item.slug,
        None,
        {"version": version.number, "attempts_changed": plan.changed, "attempts_checked": plan.attempts},
    )
    db.session.flush()


# ---------------------------------------------------------------- publishing
def publish(
    actor, kind: str, slug: str, source: str, regrade: bool = False
) -> tuple[ContentVersion, str, RegradePlan | None]:
    """Publish a text as a new version; raises DomainError while it has errors or would break a reference."""
    result = check_source(kind, slug, source)
    if not result.ok:
        raise DomainError(_l("Fix the errors before publishing."))
    plan = None
    if kind == "skills":
        skills = result.document
        payload = {"skills": [{"id": s.id, "title": s.title, "description": s.description} for s in skills.skills]}
        version, status = content.store_version(
            actor, "skills", "skills", source, payload, {}, "Skills", None, _old_path(kind, slug), origin="editor"
        )
    else:
        doc = result.document
        if kind == "quiz":
            plan, _for_version = publish_plan(slug, doc, source)
        version, status = content.store_version(
            actor,
            kind,
            slug,
            source,
            doc.to_dict(),
            render_document(doc),
            doc.title,
            doc.lang,
            _old_path(kind, slug),
            origin="editor",
        )
        if plan is not None and plan.changed:  # the new version's, or the one still pending on the published one
            settle_regrade(actor, version, plan, regrade, doc)
        elif plan is not None and status != "unchanged":
            version.regrade = "none"  # no result to change: nothing to offer
    draft = db.session.scalars(select(ContentDraft).where(ContentDraft.kind == kind, ContentDraft.slug == slug)).first()
    if draft is not None and (status != "unchanged" or draft.source == source):
        discard_draft(kind, slug)  # (a draft other than the published text stays when nothing was published)
    return version, status, plan


def _old_path(kind: str, slug: str) -> str | None:
    version = content.published(kind, slug)
    return version.path if version else None


def history(kind: str, slug: str) -> list[ContentVersion]:
    return list(
        db.session.scalars(
            select(ContentVersion)
            .join(ContentItem, ContentItem.id == ContentVersion.item_id)
            .options(joinedload(ContentVersion.item))
            .where(ContentItem.kind == kind, ContentItem.slug == slug)
            .order_by(ContentVersion.number.desc())
        )
    )


@dataclass
class DiffLine:
    """One line of a difference: ``op`` is "same", "del" (only in the older text) or "add" (only in the
    newer one), with its number in each text where it is there."""

    op: str
    old: int | None
    new: int | None
    text: str


@dataclass
class DiffHunk:
    """A run of changed lines with a little unchanged context; ``skipped`` unchanged lines come before it."""

    skipped: int
    lines: list[DiffLine]


def diff(a: ContentVersion | str, b: ContentVersion | str, context: int = 3) -> list[DiffHunk]:
    """The lines that differ between two texts, in hunks with ``context`` unchanged lines around them
    (an empty list when the texts are the same)."""
    old = parser.normalise_text(a if isinstance(a, str) else a.source).split("\n")
    new = parser.normalise_text(b if isinstance(b, str) else b.source).split("\n")
    hunks, shown_to = [], 0
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [
                    DiffLine("same", i + 1, j + 1, old[i]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            lines += [DiffLine("del", i + 1, None, old[i]) for i in range(i1, i2)]
            lines += [DiffLine("add", None, j + 1, new[j]) for j in range(j1, j2)]
        hunks.append(DiffHunk(group[0][1] - shown_to, lines))
        shown_to = group[-1][2]
    return hunks


def restore(actor, version: ContentVersion) -> ContentDraft:
    """An old version's text becomes the draft (publishing it makes a new version)."""
    draft = save_draft(actor, version.item.kind, version.item.slug, version.source)
    audit.record(
        actor, "content.restore_draft", version.item.kind, version.item.slug, None, {"from_version": version.number}
    )
    return draft


def document_from_version(version: ContentVersion) -> Document:
    return from_dict(version.item.kind, version.data)
