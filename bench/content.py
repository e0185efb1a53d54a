"""`content check` and `content import` of 1,000 generated cases and 1,000 quizzes.

    .venv/bin/python bench/content.py [--count 1000]

The files are the starter curriculum's own cases and quizzes copied under new ids (so they are
real trainer-written Markdown with decision points, dialogues and every question type), plus the
skills and checklists. Each command runs as a trainer would run it, `flask --app wsgi ...` in a
fresh process, against a fresh SQLite database (or `DATABASE_URL` if set, which is emptied first).
Prints wall-clock seconds and the targets: check under 5 s, import under 15 s. Then, in this process, the
CPU milliseconds of the trainer's content list over all those items (median of 21 requests after 3):
its first page, a page deep into the quizzes and a search of ids and titles.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
sys.path.insert(0, str(ROOT))

from bench import _server  # noqa: E402


def generate(target: Path, count: int) -> int:
    """Write ``count`` cases and ``count`` quizzes under new ids; returns the number of files."""
    (target / "cases").mkdir(parents=True)
    (target / "quizzes").mkdir()
    shutil.copy(CONTENT / "skills.yml", target / "skills.yml")
    shutil.copytree(CONTENT / "checklists", target / "checklists")
    pairs = []
    for case in sorted((CONTENT / "cases").glob("*.md")):
        text = case.read_text(encoding="utf-8")
        quiz_id = re.search(r"^quiz:\s*(\S+)", text, re.M)
        quiz = CONTENT / "quizzes" / f"{quiz_id.group(1)}.md" if quiz_id else None
        if quiz and quiz.exists():
            pairs.append((text, quiz.read_text(encoding="utf-8")))
    for n in range(count):
        case, quiz = pairs[n % len(pairs)]
        new_id = f"gen-{n:04d}"
        case = re.sub(r"^id:.*$", f"id: {new_id}", case, count=1, flags=re.M)
        case = re.sub(r"^quiz:.*$", f"quiz: {new_id}", case, count=1, flags=re.M)
        quiz = re.sub(r"^id:.*$", f"id: {new_id}", quiz, count=1, flags=re.M)
        (target / "cases" / f"{new_id}.md").write_text(case, encoding="utf-8")
        (target / "quizzes" / f"{new_id}.md").write_text(quiz, encoding="utf-8")
    return 2 * count + 1 + len(list((target / "checklists").glob("*.md")))


def flask(env: dict, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


LIST_PAGES = ("/authoring/", "/authoring/?kind=quiz&page=20", "/authoring/?q=gen-09")


def content_list(url: str) -> None:
    """Times the trainer's content list pages over the imported items, signed in as a trainer."""
    os.environ["DATABASE_URL"] = url  # read by the app's configuration when it is first imported
    from app.core.permissions import Role
    from app.extensions import db
    from app.people import services as people
    from bench import pages
    from bench._server import PASSWORD

    app = pages.project_app()
    with app.app_context():
        people.create_user(None, "trainer@example.com", "Trainer", None, [Role.TRAINER], password=PASSWORD)
        db.session.commit()
    pages.CLOCK = time.process_time
    clients: dict = {}
    print(f"{'content list page (trainer)':42s} {'CPU ms':>8s} {'SQL':>4s}")
    with app.app_context():
        engine = db.engine
    for path in LIST_PAGES:
        fetch = pages.prepared(app, path, "trainer@example.com", clients)
        print(f"{path:42s} {pages.median_ms(fetch, pages.RUNS):8.2f} {pages.statements(engine, fetch):4d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="cases to generate (as many quizzes again)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rapport-bench-content-"))
    try:
        files = generate(work / "content", args.count)
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
        env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development"}
        _server.empty_database(url)
        flask(env, "db", "upgrade")
        engine_name = "postgresql" if url.startswith("postgresql") else "sqlite"
        rows = []
        check, _ = flask(env, "content", "check", str(work / "content"))
        rows.append(("content check", check, 5.0))
        first, said = flask(env, "content", "import", str(work / "content"))
        rows.append(("content import (empty database)", first, 15.0))
        again, said_again = flask(env, "content", "import", str(work / "content"))
        rows.append(("content import again (nothing changed)", again, 15.0))
        print(f"{files} files ({args.count} cases, {args.count} quizzes), engine: {engine_name}")
        print(f"{'command':42s} {'seconds':>8s} {'target':>8s}")
        for label, seconds, target in rows:
            print(
                f"{label:42s} {seconds:8.2f} {'< ' + format(target, 'g'):>8s}  {'met' if seconds < target else 'MISSED'}"
            )
        print(f"import said: {said}")
        print(f"second import said: {said_again}")
        content_list(url)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
