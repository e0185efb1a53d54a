"""Mixed load, and a crash in the middle of it: nothing acknowledged is lost, nothing is half-written.

    .venv/bin/python bench/load.py [--database-url URL] [--seconds 60] [--learners 50] [--shoppers 20] [--crash]

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database given, whose schema
is dropped first) the way a newcomer does: migrations, content import, the demo company; then adds
the learners and the shoppers with visits to do. The app runs under gunicorn (2 sync workers) on
127.0.0.1 and simulated people use it over HTTP exactly as the pages do:

- a learner opens a quiz, starts an attempt, autosaves every answer, then finishes it;
- a shopper opens a visit's card, autosaves every field, then submits it.

With ``--crash`` the whole server is killed with SIGKILL halfway through and started again; the
clients carry on (a request that got no answer was never acknowledged). Afterwards the database is
checked: every acknowledged attempt and card is there exactly once and complete, every
acknowledged autosave of work still in progress is there, no finished attempt lacks its score and
no submitted card lacks its answers or sections, and no request got a 5xx. Exit status 1 if any
check fails. Bounded: the load runs for --seconds, the checks take a few seconds more.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _server  # noqa: E402

ROOT = _server.ROOT


# ---------------------------------------------------------------- set-up
def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip


def build(url: str, learners: int, shoppers: int) -> dict:
    """A fresh database with the demo company plus the simulated people; returns their emails and visits."""
    _server.empty_database(url)
    env = _server.app_env(url)
    flask(env, "db", "upgrade")
    flask(env, "content", "import")
    flask(env, "demo")

    from sqlalchemy import select

    from app import create_app
    from app.content.models import ContentItem
    from app.core.permissions import Role
    from app.extensions import db
    from app.people.models import Department, User, UserRole
    from app.shopping.models import Visit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        teams = [
            d
            for d in db.session.scalars(select(Department).order_by(Department.id))
            if not d.children and not d.archived
        ]
        checklist = db.session.scalars(select(ContentItem).where(ContentItem.kind == "checklist")).first()
        probe = User(email="x", name="x")
        probe.set_password(_server.PASSWORD)
        people = {"learners": [], "shoppers": []}
        for n in range(learners):
            user = User(email=f"learner{n}@load.test", name=f"Учащийся {n}", department_id=teams[n % len(teams)].id)
            user.password_hash = probe.password_hash
            db.session.add(user)
            db.session.flush()
            db.session.add(UserRole(user_id=user.id, role=Role.EMPLOYEE))
            people["learners"].append(user.email)
        today = date.today()
        for n in range(shoppers):
            user = User(email=f"shopper{n}@load.test", name=f"Покупатель {n}")
            user.password_hash = probe.password_hash
            db.session.add(user)
            db.session.flush()
            db.session.add(UserRole(user_id=user.id, role=Role.SHOPPER))
            people["shoppers"].append(user.email)
            for v in range(60):
                db.session.add(
                    Visit(
                        department_id=teams[(n + v) % len(teams)].id,
                        checklist_item_id=checklist.id,
                        channel="visit",
                        window_start=today - timedelta(days=3),
                        window_end=today + timedelta(days=3),
                        shopper_id=user.id,
                    )
                )
        db.session.commit()
        people["quizzes"] = list(db.session.scalars(select(ContentItem.slug).where(ContentItem.kind == "quiz")))
        visits = db.session.execute(
            select(Visit.id, User.email).join(User, User.id == Visit.shopper_id).where(User.email.like("%@load.test"))
        ).all()
        people["visits"] = {}
        for visit_id, email in visits:
            people["visits"].setdefault(email, []).append(visit_id)
    return people


# ---------------------------------------------------------------- simulated people
class Ledger:
    """What the server acknowledged, and what went wrong, shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempts: list[int] = []  # finished, acknowledged by the redirect to the result
        self.cards: list[int] = []  # visit ids whose card was submitted, acknowledged by the redirect
        self.attempt_saves: dict[tuple[int, str], list[int]] = {}  # last acknowledged autosave per question
        self.card_saves: dict[tuple[int, str], str] = {}  # last acknowledged autosave per card field
        self.statuses: Counter = Counter()
        self.server_errors: list[str] = []
        self.dropped = 0  # requests that got no answer (the server was down)

    def note(self, response) -> None:
        with self.lock:
            self.statuses[response.status_code // 100 * 100] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{response.request.method} {response.url}: {response.status_code}")


class Gone(Exception):
    """The server did not answer; the step was not acknowledged."""


def call(ledger: Ledger, session, method: str, url: str, **kwargs):
    try:
        response = session.request(method, url, timeout=30, allow_redirects=False, **kwargs)
    except requests.RequestException:
        with ledger.lock:
            ledger.dropped += 1
        raise Gone from None
    ledger.note(response)
    return response


def sign_in(ledger, base, email):
    while True:
        try:
            session = requests.Session()
            _server.login(session, base, email)
            return session
        except (requests.RequestException, RuntimeError, AttributeError):
            with ledger.lock:
                ledger.dropped += 1
            time.sleep(0.5)


def learner(ledger: Ledger, base: str, email: str, quizzes: list[str], until: float, rng: random.Random):
    session = sign_in(ledger, base, email)
    order = quizzes[:]
    rng.shuffle(order)
    n = 0
    while time.monotonic() < until:
        slug = order[n % len(order)]
        n += 1
        try:
            page = call(ledger, session, "GET", f"{base}/learn/quizzes/{slug}")
            if page.status_code != 200:
                continue
            token = _server.csrf(page.text)
            start = call(ledger, session, "POST", f"{base}/learn/quizzes/{slug}/start", data={"csrf_token": token})
            match = re.search(r"/learn/attempts/(\d+)$", start.headers.get("Location", ""))
            if not match:
                continue  # no attempts left on this quiz
            attempt_id = int(match.group(1))
            html = call(ledger, session, "GET", f"{base}/learn/attempts/{attempt_id}").text
            token = _server.csrf(html)
            form = {"csrf_token": token, "finish": "Finish and see the result"}
            for key, kind in re.findall(r'data-question="([^"]+)" data-type="([^"]+)"', html):
                if kind == "order":
                    names = re.findall(rf'name="({re.escape(key)}_pos_(\d+))"', html)
                    indexes = [int(i) for _name, i in names]
                    rng.shuffle(indexes)
                    response = indexes
                    for position, index in enumerate(indexes, start=1):
                        form[f"{key}_pos_{index}"] = str(position)
                else:
                    values = [int(v) for v in re.findall(rf'name="{re.escape(key)}" value="(\d+)"', html)]
                    response = [rng.choice(values)] if kind == "single" else sorted(rng.sample(values, 2))
                    form[key] = [str(v) for v in response]
                saved = call(
                    ledger,
                    session,
                    "POST",
                    f"{base}/learn/attempts/{attempt_id}/answer",
                    json={"question": key, "response": response},
                    headers={"X-CSRFToken": token},
                )
                if saved.status_code == 200:
                    with ledger.lock:
                        ledger.attempt_saves[(attempt_id, key)] = response
            done = call(ledger, session, "POST", f"{base}/learn/attempts/{attempt_id}", data=form)
            if done.status_code == 302 and done.headers["Location"].endswith(f"/learn/attempts/{attempt_id}/result"):
                with ledger.lock:
                    ledger.attempts.append(attempt_id)
        except Gone:
            time.sleep(0.3)


def shopper(ledger: Ledger, base: str, email: str, visits: list[int], until: float, rng: random.Random):
    session = sign_in(ledger, base, email)
    local = ZoneInfo("Europe/Moscow")
    for visit_id in visits:
        if time.monotonic() >= until:
            return
        while time.monotonic() < until:
            try:
                page = call(ledger, session, "GET", f"{base}/shop/visits/{visit_id}/card")
                if page.status_code != 200:
                    break
                html = page.text
                if "can no longer be changed" in html or 'data-autosave="' not in html:
                    break
                token = _server.csrf(html)
                autosave = re.search(r'data-autosave="([^"]+)"', html).group(1)
                card_id = int(re.search(r"/cards/(\d+)/", autosave).group(1))
                staff = [
                    v for v in re.findall(r'<option value="(\d+)"', html.split('name="employee"', 1)[1]) if v != "0"
                ]
                visited = (datetime.now(local) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
                fields = {"visited_at": visited, "duration_min": str(rng.randrange(5, 30)), "employee": staff[0]}
                fields["summary"] = f"Визит {visit_id}"
                for item in dict.fromkeys(re.findall(r'name="answer-([^"]+)"', html)):
                    answer = "no" if rng.random() < 0.15 else "yes"
                    fields[f"answer-{item}"] = answer
                    if answer == "no":
                        fields[f"comment-{item}"] = "Не выполнено"
                for name, value in fields.items():
                    saved = call(ledger, session, "POST", f"{base}{autosave}", json={"name": name, "value": value},
                                 headers={"X-CSRFToken": token})  # fmt: skip
                    if saved.status_code == 200:
                        with ledger.lock:
                            ledger.card_saves[(card_id, name)] = value
                done = call(ledger, session, "POST", f"{base}/shop/visits/{visit_id}/card",
                            data={**fields, "csrf_token": token, "submit": "1"})  # fmt: skip
                if done.status_code == 302 and "/shop/visits/" not in done.headers.get("Location", ""):
                    with ledger.lock:
                        ledger.cards.append(visit_id)
                break
            except Gone:
                time.sleep(0.3)


# ---------------------------------------------------------------- checks
def check(url: str, ledger: Ledger, in_flight_ok: bool) -> list[str]:
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.learning.models import AttemptAnswer, QuizAttempt
    from app.shopping.models import Scorecard, ScorecardAnswer, ScorecardSection

    failures = []
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        attempts = {a.id: a for a in db.session.scalars(select(QuizAttempt).where(QuizAttempt.id.in_(ledger.attempts)))}
        if len(set(ledger.attempts)) != len(ledger.attempts):
            failures.append("an attempt was acknowledged twice")
        for attempt_id in ledger.attempts:
            a = attempts.get(attempt_id)
            if a is None or a.status != "finished" or a.percent is None or not a.answers:
                failures.append(f"acknowledged attempt {attempt_id} is missing or incomplete")
        cards = db.session.execute(
            select(Scorecard.visit_id, func.count(Scorecard.id))
            .where(Scorecard.visit_id.in_(ledger.cards))
            .group_by(Scorecard.visit_id)
        ).all()
        per_visit = dict(cards)
        for visit_id in ledger.cards:
            if per_visit.get(visit_id) != 1:
                failures.append(f"visit {visit_id}: {per_visit.get(visit_id, 0)} cards for one acknowledged submit")
        submitted = db.session.scalars(
            select(Scorecard).where(Scorecard.visit_id.in_(ledger.cards), Scorecard.status == "submitted")
        ).all()
        if len(submitted) != len(set(ledger.cards)):
            failures.append(f"{len(set(ledger.cards)) - len(submitted)} acknowledged cards are not submitted")
        # nothing half-written anywhere, acknowledged or not
        bare_attempts = db.session.scalar(
            select(func.count(QuizAttempt.id)).where(
                QuizAttempt.status == "finished", (QuizAttempt.percent.is_(None)) | (QuizAttempt.possible.is_(None))
            )
        )
        if bare_attempts:
            failures.append(f"{bare_attempts} finished attempts without a score")
        for name, child in (("answers", ScorecardAnswer), ("sections", ScorecardSection)):
            bare = db.session.scalar(
                select(func.count(Scorecard.id)).where(
                    Scorecard.status == "submitted",
                    ~select(child.id).where(child.card_id == Scorecard.id).exists(),
                )
            )
            if bare:
                failures.append(f"{bare} submitted cards without {name}")
        # every acknowledged autosave is there (drafts in progress included)
        stored = {
            (r.attempt_id, r.question_key): r.response
            for r in db.session.scalars(
                select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_({k[0] for k in ledger.attempt_saves}))
            )
        }
        lost = [k for k, v in ledger.attempt_saves.items() if stored.get(k) != v]
        if lost:
            failures.append(f"{len(lost)} acknowledged quiz answers are not stored as saved, e.g. {lost[:3]}")
        answers = {
            (r.card_id, f"answer-{r.item_id}"): r.answer
            for r in db.session.scalars(
                select(ScorecardAnswer).where(ScorecardAnswer.card_id.in_({k[0] for k in ledger.card_saves}))
            )
        }
        lost = [k for k, v in ledger.card_saves.items() if k[1].startswith("answer-") and answers.get(k) != v]
        if lost:
            failures.append(f"{len(lost)} acknowledged card answers are not stored as saved, e.g. {lost[:3]}")
        drafts = db.session.scalar(select(func.count(Scorecard.id)).where(Scorecard.status == "draft"))
        open_attempts = db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.status == "open"))
    if ledger.server_errors:
        failures.append(f"{len(ledger.server_errors)} server errors, e.g. {ledger.server_errors[:3]}")
    print(f"  in progress at the end: {drafts} card drafts, {open_attempts} open attempts (their saves checked)")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--shoppers", type=int, default=20)
    parser.add_argument("--crash", action="store_true", help="kill -9 the server halfway through and restart it")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rapport-load-"))
    url = args.database_url or f"sqlite:///{work / 'load.db'}"
    engine = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"building a fresh database ({engine}) with {args.learners} learners and {args.shoppers} shoppers…")
    people = build(url, args.learners, args.shoppers)
    env = _server.app_env(url, EVIDENCE_DIR=str(work / "evidence"))
    port = _server.free_port()
    log = work / "server.log"
    process, base = _server.start("wsgi:app", env, workers=2, port=port, log=log)
    ledger = Ledger()
    started = time.monotonic()
    until = started + args.seconds
    threads = [
        threading.Thread(target=learner, args=(ledger, base, email, people["quizzes"], until, random.Random(i)))
        for i, email in enumerate(people["learners"])
    ] + [
        threading.Thread(target=shopper, args=(ledger, base, email, people["visits"][email], until, random.Random(i)))
        for i, email in enumerate(people["shoppers"])
    ]
    for t in threads:
        t.start()
    crashed_at = None
    if args.crash:
        time.sleep(args.seconds / 2)
        crashed_at = time.monotonic() - started
        _server.stop(process, signal.SIGKILL)
        print(f"  killed the server with SIGKILL at {crashed_at:.1f} s; restarting")
        process, base = _server.start("wsgi:app", env, workers=2, port=port, log=log)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    _server.stop(process)
    print(f"load: {elapsed:.0f} s, {sum(ledger.statuses.values())} answered requests {dict(ledger.statuses)}, "
          f"{ledger.dropped} unanswered")  # fmt: skip
    print(f"  acknowledged: {len(ledger.attempts)} finished attempts, {len(ledger.cards)} submitted cards, "
          f"{len(ledger.attempt_saves)} quiz autosaves, {len(ledger.card_saves)} card autosaves")  # fmt: skip
    failures = check(url, ledger, in_flight_ok=bool(args.crash))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict = "PASS" if not failures else "FAIL"
    mode = "crash (kill -9 halfway)" if args.crash else "load"
    print(f"{verdict}: {mode} on {engine}, {stamp}")
    for failure in failures:
        print(f"  - {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
