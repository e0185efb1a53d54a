"""Setups and request bodies that several test modules share, written once.

- ``branch_world``: the sample content imported, one branch, HR, a shopper and Anna (and whoever else
  a module asks for), for the notification and "one rule" tests;
- ``card_body`` / ``api`` / ``cards``: a shop card as the API takes it, a call with a bearer token (and an
  idempotency key), and how many cards there are, for the API and hostile-input tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.content.models import ContentItem
from app.extensions import db
from app.people import services as people
from app.shopping.models import Scorecard

SAMPLES = Path(__file__).parent / "samples"
ALL_YES = {"greet-30s": "yes", "introduced": "yes", "polite": "yes", "open-questions": "yes", "paraphrased": "yes"}


def branch_world(runner, make_user, **more: tuple[str, str, str, bool]) -> dict:
    """The sample content, the branch Тверская, hr@, shop@ and anna@ (an employee there); ``more`` adds
    people by key: (role, email, name, in the branch), made after those, in the order given."""
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    branch = people.create_department(None, "Тверская", None)
    db.session.commit()
    world = {
        "branch": branch,
        "course": db.session.scalars(select(ContentItem).where(ContentItem.kind == "course")).one(),
        "checklist": db.session.scalars(select(ContentItem).where(ContentItem.kind == "checklist")).one(),
        "hr": make_user("hr", email="hr@example.com", name="Елена Кадрова"),
    }
    world["shopper"] = make_user("shopper", email="shop@example.com", name="Игорь Проверкин")
    world["anna"] = make_user("employee", email="anna@example.com", department=branch, name="Anna Smith")
    for key, (role, email, name, in_branch) in more.items():
        world[key] = make_user(role, email=email, name=name, department=branch if in_branch else None)
    return world


def card_body(**over) -> dict:
    """A shop card for the API about Anna at Москва/Тверская, every item yes; ``over`` replaces fields.
    Each call stamps a new visit time: a retry that must send the same body keeps the first."""
    data = {
        "checklist": "branch-visit",
        "department": "Москва/Тверская",
        "employee": "anna@example.com",
        "visited_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "answers": dict(ALL_YES),
        "comments": {"polite": "very polite"},
        "summary": "fine",
    }
    data.update(over)
    return data


def api(client, token, method="post", path="/api/v1/scorecards", key=None, **kwargs):
    """An API call with a bearer ``token`` (and an ``Idempotency-Key``); ``json=`` is the body."""
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return getattr(client, method)(path, headers=headers, **kwargs)


def cards() -> int:
    return db.session.scalar(select(func.count(Scorecard.id)))
