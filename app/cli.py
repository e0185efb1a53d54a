"""Command-line interface: ``flask --app wsgi people ...``, ``flask --app wsgi demo``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

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
    counts = csvio.apply_import(plan)
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
    from app.people import csvio

    text = csvio.export_csv()
    Path(file).write_text("\ufeff" + text, encoding="utf-8", newline="")
    click.echo(f"Exported {text.count(chr(10)) - 1} people to {file}.")


@click.command("demo")
@with_appcontext
@click.option("--size", type=click.Choice(["small"]), default="small", help="How much demo data to load.")
def demo_command(size: str) -> None:
    """Load the demo company into an empty database (refused in production)."""
    from app import demo

    if current_app.config["ENV_NAME"] == "production":
        click.echo("Refusing to load demo data in production (APP_ENV=production).", err=True)
        sys.exit(1)
    try:
        summary = demo.load_demo()
    except DomainError as err:
        db.session.rollback()
        click.echo(err.message)
        return
    db.session.commit()
    click.echo(summary)


def register(app) -> None:
    app.cli.add_command(people_cli)
    app.cli.add_command(demo_command)
