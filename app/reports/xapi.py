"""Learning events as xAPI statements (experienced, completed, passed, failed, scored)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from app.content.models import ContentItem, ContentVersion
from app.core.errors import BadInput
from app.core.inputs import in_calendar
from app.extensions import db
from app.learning.models import CaseRead, CourseCompletion, QuizAttempt
from app.people.models import User

VERBS = {
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "scored": "http://adlnet.gov/expapi/verbs/scored",
}
ACTIVITY = "http://adlnet.gov/expapi/activities/"
MAX_LIMIT = 5000


def parse_since(raw: str | None) -> datetime | None:
    """``since`` as a naive UTC date-time; raises BadInput unless it is ISO-8601 within the calendar's years."""
    if not raw:
        return None
    try:
        since = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        since = None
    if since is None or not in_calendar(since.date()):
        raise BadInput("'since' must be ISO-8601, like 2026-01-01T00:00:00Z.", field="since")
    if since.tzinfo is not None:
        since = since.astimezone(UTC).replace(tzinfo=None)
    return since


def parse_limit(raw: str | None) -> int:
    """``limit`` as a whole number from 1 to MAX_LIMIT (500 when absent); raises BadInput otherwise."""
    if raw is None or raw == "":
        return 500
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadInput(f"'limit' must be a whole number from 1 to {MAX_LIMIT}.", field="limit")
    return int(raw)


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds") + "Z"


def _statement(
    base: str,
    key: str,
    user_id: int,
    verb: str,
    kind: str,
    slug: str,
    title: str,
    when: datetime,
    result: dict | None = None,
) -> dict:
    s = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/xapi/{key}")),
        # The actor is an account on this platform, never an email address.
        "actor": {"objectType": "Agent", "account": {"homePage": base, "name": str(user_id)}},
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": f"{base}/content/{kind}/{slug}",
            "definition": {
                "name": {"und": title},
                "type": ACTIVITY + {"case": "lesson", "quiz": "assessment", "course": "course"}[kind],
            },
        },
        "timestamp": _iso(when),
    }
    if result:
        s["result"] = result
    return s


def statements(since: datetime | None, limit: int, base: str, scope: set[int] | None = None) -> tuple[list[dict], bool]:
    """Statements after ``since`` (oldest first), at most ``limit``; and whether more remain. With a
    ``scope`` (a scoped HR person's departments), only those of people working there."""
    titles = dict(
        db.session.execute(
            select(ContentItem.id, ContentVersion.title).join(
                ContentVersion, ContentVersion.id == ContentItem.published_version_id
            )
        ).all()
    )
    slugs = dict(db.session.execute(select(ContentItem.id, ContentItem.slug)).all())
    out: list[tuple[datetime, dict]] = []

    def window(stmt, column):
        if scope is not None:
            people = select(User.id).where(User.department_id.in_(sorted(scope)))
            stmt = stmt.where(column.class_.user_id.in_(people))
        if since is not None:
            stmt = stmt.where(column > since)
        return stmt.order_by(column).limit(limit + 1)

    for r in db.session.execute(window(select(CaseRead), CaseRead.read_at)).scalars():
        out.append(
            (
                r.read_at,
                _statement(
                    base,
                    f"read-{r.id}",
                    r.user_id,
                    "experienced",
                    "case",
                    slugs.get(r.case_item_id, "?"),
                    titles.get(r.case_item_id, ""),
                    r.read_at,
                ),
            )
        )
    for a in db.session.execute(
        window(select(QuizAttempt).where(QuizAttempt.status == "finished"), QuizAttempt.finished_at)
    ).scalars():
        result = {
            "score": {"scaled": round((a.percent or 0) / 100, 4), "raw": a.earned, "max": a.possible, "min": 0},
            "success": bool(a.passed),
            "completion": True,
        }
        slug, title = slugs.get(a.quiz_item_id, "?"), titles.get(a.quiz_item_id, "")
        out.append(
            (
                a.finished_at,
                _statement(
                    base, f"attempt-{a.id}-scored", a.user_id, "scored", "quiz", slug, title, a.finished_at, result
                ),
            )
        )
        out.append(
            (
                a.finished_at,
                _statement(
                    base,
                    f"attempt-{a.id}",
                    a.user_id,
                    "passed" if a.passed else "failed",
                    "quiz",
                    slug,
                    title,
                    a.finished_at,
                    result,
                ),
            )
        )
    for c in db.session.execute(window(select(CourseCompletion), CourseCompletion.completed_at)).scalars():
        out.append(
            (
                c.completed_at,
                _statement(
                    base,
                    f"course-{c.id}",
                    c.user_id,
                    "completed",
                    "course",
                    slugs.get(c.course_item_id, "?"),
                    titles.get(c.course_item_id, ""),
                    c.completed_at,
                    {"completion": True},
                ),
            )
        )
    out.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    return [s for _when, s in out[:limit]], len(out) > limit
