"""Setups and request bodies that several test modules share, written once.

- ``branch_world``: the sample content imported, one branch, HR, a shopper and Anna (and whoever else
  a module asks for), for the notification and "one rule" tests;
- ``demo_company``: the sample content and ``flask demo``, made by the commands once per process and
  copied in for every later test that asks;
- ``card_body`` / ``api`` / ``cards``: a shop card as the API takes it, a call with a bearer token (and an
  idempotency key), and how many cards there are, for the API and hostile-input tests.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, func, select, text, update

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


_DEMO_ROWS: dict[str, list[dict]] = {}  # table -> the rows the demo company left, once per process (worker)


def demo_company(runner) -> None:
    """The sample content imported and ``flask demo`` loaded, in this test's transaction.

    The first test of the run that asks runs both commands and checks they succeed; every later one gets
    the very rows they left, copied in table by table: a few milliseconds where the commands take about
    fifteen seconds. Under pytest-xdist the rows are shared with the other workers through a file of the
    run (written under a lock by the first worker to build them). Tests of the demo command itself run it."""
    if _DEMO_ROWS:
        _copy_in(_DEMO_ROWS)
        return
    with _shared_demo_rows() as shared:
        if shared is not None and shared.exists():
            _DEMO_ROWS.update(pickle.loads(shared.read_bytes()))
            _copy_in(_DEMO_ROWS)
            return
        runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns))
            _DEMO_ROWS[table.name] = [dict(row._mapping) for row in rows]
        if shared is not None:
            shared.write_bytes(pickle.dumps(_DEMO_ROWS))


RUN_FOLDER: list[Path] = []  # the folder of this run above each worker's (set by tests/conftest.py)


@contextmanager
def _shared_demo_rows():
    """The run's file of demo rows, held under a lock meanwhile; None outside pytest-xdist."""
    if not (os.environ.get("PYTEST_XDIST_WORKER") and RUN_FOLDER):
        yield None
        return
    with open(RUN_FOLDER[0] / "demo-rows.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield RUN_FOLDER[0] / "demo-rows.pickle"


def _copy_in(saved: dict[str, list[dict]]) -> None:
    """Insert ``saved`` rows in dependency order. A key that points at its own table or one inserted
    later (a department's parent, a content item's published version) is written once every row is in,
    so every foreign key is checked as it is written."""
    tables = db.metadata.sorted_tables
    order = {table.name: i for i, table in enumerate(tables)}
    later: list[tuple] = []
    for table in tables:
        rows = saved[table.name]
        if not rows:
            continue
        held = [
            fk.parent.name
            for fk in table.foreign_keys
            if order.get(fk.column.table.name, -1) >= order[table.name]
            and any(row[fk.parent.name] is not None for row in rows)
        ]
        db.session.execute(table.insert(), [{**row, **dict.fromkeys(held)} for row in rows])
        if held:
            later.append((table, held, rows))
    for table, held, rows in later:
        (key,) = table.primary_key.columns  # the held keys are on tables with a one-column primary key
        db.session.execute(
            update(table).where(key == bindparam("_key")).values({name: bindparam(name) for name in held}),
            [{"_key": row[key.name], **{name: row[name] for name in held}} for row in rows],
        )
    if db.engine.dialect.name == "postgresql":  # ids were given: each sequence carries on after the largest
        for table in tables:
            key = list(table.primary_key.columns)
            if len(key) == 1 and saved[table.name] and key[0].autoincrement is not False:
                sequence = db.session.scalar(
                    text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": key[0].name}
                )
                if sequence:
                    top = max(row[key[0].name] for row in saved[table.name])
                    db.session.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": top})
    db.session.commit()


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
