"""Command-line interface: ``flask --app wsgi people ...``, ``flask --app wsgi demo``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.errors import DomainError
from app.extensions import db

people_cli = AppGroup("people", help="Import and export people as CSV.")


@people_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def people_import(file: str) -> None:
    """Import people from FILE.csv (email,name,department,roles); all or nothing."""
    from app.people import csvio

    path = Path(file)
    if not path.is_file():
        click.echo(f"{file}: no such file", err=True)
        sys.exit(2)
    try:
        text = csvio.decode(path.read_bytes())
    except DomainError as err:
        click.echo(f"{file}:1: {err.message}", err=True)
        sys.exit(1)
    plan = csvio.plan_import(text)
    if not plan.ok:
        for line, message in plan.errors():
            click.echo(f"{file}:{line}: {message}", err=True)
        click.echo(f"{len(plan.errors())} problem(s); nothing was imported.", err=True)
        db.session.rollback()
        sys.exit(1)
    try:
        counts = csvio.apply_import(plan)
    except DomainError as err:  # the checks of the services, should the plan have missed one
        db.session.rollback()
        click.echo(f"{file}: {err.message}", err=True)
        sys.exit(1)
    db.session.commit()
    if counts["created"] or counts["updated"]:
        click.echo(
            f"Imported: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged."
        )
    else:
        click.echo(f"Nothing to change: all {counts['unchanged']} people are up to date.")


@people_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
def people_export(file: str) -> None:
    """Write every person to FILE.csv in the import format."""
    from app.core.downloads import record_export
    from app.people import csvio

    text = csvio.export_csv()
    Path(file).write_text("\ufeff" + text, encoding="utf-8", newline="")
    record_export(None, "people", "csv")  # from the command line: no person to name
    db.session.commit()
    click.echo(f"Exported {text.count(chr(10)) - 1} people to {file}.")


content_cli = AppGroup("content", help="Check, import and convert trainer content.")


def _default_content_dir() -> str:
    return current_app.config["CONTENT_DIR"]


@content_cli.command("check")
@click.argument("directory", required=False)
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors.")
def content_check(directory: str | None, strict: bool) -> None:
    """Report every problem in every content file as path:line: message, and advice as
    path:line: warning: message (a failure only with --strict)."""
    from app.content.loader import load_directory

    directory = directory or _default_content_dir()
    content = load_directory(directory)
    for entry in sorted([*content.problems, *content.warnings], key=lambda p: (p.path, p.line)):
        click.echo(str(entry))
    counts = {kind: len(docs) for kind, docs in content.documents.items()}
    summary = ", ".join(f"{n} {kind}(s)" for kind, n in counts.items())
    warned = f" {len(content.warnings)} warning(s)." if content.warnings else ""
    if content.problems:
        click.echo(f"{len(content.problems)} problem(s) found ({summary}).{warned}", err=True)
        sys.exit(1)
    click.echo(f"All good: {summary}, {len(content.skills.skills) if content.skills else 0} skill(s).{warned}")
    if strict and content.warnings:
        click.echo(f"{len(content.warnings)} warning(s) and --strict: the check fails.", err=True)
        sys.exit(1)


@content_cli.command("import")
@click.argument("directory", required=False)
@click.option(
    "--regrade", is_flag=True, help="Regrade the finished attempts whose result a quiz's new answer key changes."
)
def content_import(directory: str | None, regrade: bool) -> None:
    """Check everything, then import it in one transaction (new versions only for changed text).

    A quiz whose published version changes the result of finished attempts gets a dry run line;
    with --regrade those attempts are regraded to it, without it their results are kept and the
    regrade stays offered (here and in the editor)."""
    from app.authoring.services import pending_regrades, settle_regrade
    from app.content.loader import load_directory
    from app.content.services import import_content

    directory = directory or _default_content_dir()
    content = load_directory(directory, warnings=False)  # `content check` shows them; an import does not
    if content.problems:
        for problem in content.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(content.problems)} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    report = import_content(content)
    pending = pending_regrades()
    if regrade:
        for version, plan in pending:
            settle_regrade(None, version, plan, True)
    db.session.commit()
    if report.changed:
        click.echo(
            f"Imported: {len(report.created)} new, {len(report.updated)} updated, {len(report.unchanged)} unchanged."
        )
    else:
        click.echo(f"Nothing to import: all {len(report.unchanged)} item(s) are unchanged.")
    for version, plan in pending:
        click.echo(_regrade_line(version.item.slug, version.number, plan, regrade))
    if pending and not regrade:
        click.echo("Past results are kept. Run 'content import --regrade' to regrade them, or decide in the editor.")


def _regrade_line(slug: str, number: int, plan, regraded: bool) -> str:
    """One quiz's dry run (or what was done): how many results change, and how many of them pass or fail."""
    now_pass = sum(1 for _id, old, new, *_pct in plan.changes if new and not old)
    now_fail = sum(1 for _id, old, new, *_pct in plan.changes if old and not new)
    counts = f"({now_pass} now pass, {now_fail} now fail, {plan.changed - now_pass - now_fail} only in percent)"
    if regraded:
        return f"quiz {slug}: regraded to version {number}: {plan.changed} of {plan.attempts} finished attempt(s) changed result {counts}."
    return f"quiz {slug}: version {number} would change the result of {plan.changed} of {plan.attempts} finished attempt(s) {counts}."


@content_cli.command("export")
@click.argument("directory")
def content_export(directory: str) -> None:
    """Write the published content as files that content import and content check accept."""
    from app.content.services import export_files

    root = Path(directory)
    files = export_files()
    for rel, text in files:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    click.echo(f"Exported {len(files)} file(s) to {directory}.")


@content_cli.command("import-gift")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--id", "quiz_id", required=True, help="The id of the quiz to write.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for the quiz file.")
@click.option("--title", default=None, help="Quiz title (default: the GIFT category or the id).")
@click.option("--lang", default=None, help="Language code for the quiz front matter.")
def content_import_gift(file: str, quiz_id: str, out_dir: str, title: str | None, lang: str | None) -> None:
    """Convert a Moodle GIFT file into a quiz file in the Rapport Markdown format."""
    from app.content import gift
    from app.content.parser import ID_RE

    if not ID_RE.match(quiz_id):
        click.echo(f"--id must be lowercase latin letters, digits and '-', not '{quiz_id}'", err=True)
        sys.exit(2)
    path = Path(file)
    if not path.is_file():
        click.echo(f"{file}: no such file", err=True)
        sys.exit(2)
    try:
        text = gift.read_gift_text(path.read_bytes())
    except UnicodeDecodeError:
        click.echo(f"{file}:1: the file is not UTF-8 text", err=True)
        sys.exit(1)
    result = gift.gift_to_quiz(text, quiz_id, title=title, lang=lang)
    for line, message in sorted(result.skipped + result.notes):
        click.echo(f"{file}:{line}: {message}", err=True)
    if not result.converted:
        click.echo(f"{file}: no question could be converted; nothing was written.", err=True)
        sys.exit(1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{quiz_id}.md"
    target.write_text(result.markdown, encoding="utf-8")
    click.echo(f"Wrote {target}: {result.converted} question(s) converted, {len(result.skipped)} skipped.")
    _gift_advice(result.markdown, str(target))


def _gift_advice(markdown: str, shown: str) -> None:
    """The author's warnings about a converted bank (the longest or same-place right answer, repeats)."""
    from app.content import advice, parser

    quiz = parser.parse_quiz(markdown, shown, [])
    for warning in advice.advise_quiz(quiz) if quiz is not None else []:
        click.echo(str(warning))


@content_cli.command("export-gift")
@click.argument("quiz_id")
@click.option(
    "--out", "out_file", default=None, type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
def content_export_gift(quiz_id: str, out_file: str | None) -> None:
    """Write a published quiz as Moodle GIFT."""
    from app.content import gift
    from app.content.services import document, published

    version = published("quiz", quiz_id)
    if version is None:
        click.echo(f"No published quiz '{quiz_id}'. Import content first.", err=True)
        sys.exit(1)
    text = gift.quiz_to_gift(document(version))
    if out_file:
        Path(out_file).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out_file}.")
    else:
        click.echo(text, nl=False)


api_cli = AppGroup("api", help="API tokens.")


@api_cli.command("token")
@click.argument("email")
@click.option("--name", default="CLI token", help="A label to recognise the token by.")
def api_token(email: str, name: str) -> None:
    """Create an API token for EMAIL; the token is printed as the last line (it is not shown again)."""
    from sqlalchemy import select

    from app.api.auth import create_token
    from app.people.models import User

    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.is_active:
        click.echo(f"No active person with email {email}.", err=True)
        sys.exit(1)
    token, plain = create_token(user, name)
    db.session.commit()
    click.echo(f"Token {token.prefix}… for {user.email} (roles: {', '.join(sorted(user.role_names))}):")
    click.echo(plain)


def register(app) -> None:
    from app.notify.cli import notify_cli

    app.cli.add_command(api_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(people_cli)
    app.cli.add_command(content_cli)
