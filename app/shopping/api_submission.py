"""A scorecard sent by an agency over the API: its declared body, and the checks that need the database.

``ScorecardIn`` is the schema (types, required fields, no unknown fields, the visit time's form); the
OpenAPI document is generated from it. The functions below add what a schema cannot know: whether the
checklist and department exist, whether the person observed works there, whether the answers are the
checklist's items. Each returns ``{field: message}``; app.shopping.services.submit_from_api puts them together.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field
from sqlalchemy import select

from app.content import services as content
from app.content.model import Checklist
from app.content.models import ContentVersion
from app.core.inputs import in_calendar
from app.core.schemas import Body, said
from app.extensions import db
from app.people.models import Department, User
from app.people.services import subtree_ids

NOT_AN_EMPLOYEE = "not an employee of that department"  # also for an unknown address: nothing is given away
IDEMPOTENCY_CONFLICT = "This Idempotency-Key was already used with a different body."
NOT_ISO = "must be ISO-8601 with an offset, like 2026-05-01T14:30:00+03:00"
FUTURE_SLACK = timedelta(minutes=5)  # clocks differ a little


def visit_time(value: str) -> datetime:
    """An ISO-8601 date-time with an offset as naive UTC, within the years the platform holds."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise said(NOT_ISO) from None
    if parsed.tzinfo is None:
        raise said(NOT_ISO)
    if not in_calendar(parsed.date()):  # 0001-01-01T00:00:00+01:00 has no UTC time at all
        raise said("out of range")
    return parsed.astimezone(UTC).replace(tzinfo=None)


class ScorecardIn(Body):
    """The body of POST /scorecards."""

    model_config = Body.model_config | {"extra": "forbid"}

    checklist: str = Field(description="the checklist's id, as published")
    department: str = Field(description="the department's path, like Region/Branch")
    employee: str | None = Field(None, description="the email of the person observed, if known")
    # sent as text, held as naive UTC once validated
    visited_at: Annotated[str, AfterValidator(visit_time)] = Field(json_schema_extra={"format": "date-time"})
    answers: dict[str, Literal["yes", "no", "na"]] = Field(description="item id to answer, for every item")
    comments: dict[str, str] = Field(default_factory=dict, description="item id to comment")
    summary: str | None = None

    entry_fields: ClassVar[frozenset[str]] = frozenset({"answers"})
    messages: ClassVar[dict[str, str]] = {
        "employee": "must be an email or null",
        "visited_at": NOT_ISO,
        "answers": "required: an object of item id to yes, no or na",
        "answers.*": "must be yes, no or na",
        "comments": "must be an object of item id to text",
    }


def body_fingerprint(payload) -> str:
    """sha256 of the body as canonical JSON: the same card sent again has the same fingerprint."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def find_department(path: str) -> Department | None:
    parts = [p.strip().lower() for p in path.split("/") if p.strip()]
    if not parts:
        return None
    by_parent: dict[int | None, dict[str, Department]] = {}
    for dept in db.session.scalars(select(Department)):
        by_parent.setdefault(dept.parent_id, {})[dept.name.lower()] = dept
    node: Department | None = None
    for part in parts:
        node = by_parent.get(node.id if node else None, {}).get(part)
        if node is None:
            return None
    return node


def find_employee(email: str | None, dept: Department) -> User | None:
    """The active person with that address in the department's subtree, else None."""
    if email is None:
        return None
    person = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if person is None or not person.active or person.department_id not in subtree_ids(dept.id):
        return None
    return person


def employee_problems(body: ScorecardIn, dept: Department | None, employee: User | None) -> dict[str, str]:
    """The same words whether the address exists or not; without a department nothing is said about the person."""
    if body.employee is not None and dept is not None and employee is None:
        return {"employee": NOT_AN_EMPLOYEE}
    return {}


def visit_problems(visited_at: datetime, now: datetime) -> dict[str, str]:
    return {"visited_at": "in the future"} if visited_at > now + FUTURE_SLACK else {}


def answer_problems(body: ScorecardIn, version: ContentVersion | None) -> dict[str, str]:
    """Every item of the checklist answered, and nothing answered or commented that is not one of its items."""
    if version is None:
        return {}
    checklist: Checklist = content.document(version)
    item_ids = [item.id for item in checklist.items()]
    fields = {f"answers.{item_id}": "missing answer" for item_id in item_ids if item_id not in body.answers}
    fields |= {f"answers.{item_id}": "unknown item" for item_id in body.answers if item_id not in item_ids}
    fields |= {f"comments.{item_id}": "unknown item" for item_id in body.comments if item_id not in item_ids}
    return fields
