"""``flask --app wsgi demo [--size large]``: load demo data into an empty database."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.core.errors import DomainError
from app.extensions import db


@click.command("demo")
@with_appcontext
@click.option(
    "--size",
    type=click.Choice(["small", "large"]),
    default="small",
    help="small: a 45-person company with every state on show; large: 10,000 people, 500 departments, a year.",
)
def demo_command(size: str) -> None:
    """Load the demo company into an empty database (refused in production)."""
    if current_app.config["ENV_NAME"] == "production":
        click.echo("Refusing to load demo data in production (APP_ENV=production).", err=True)
        sys.exit(1)
    try:
        if size == "large":
            from demo.large import load_large

            started = time.monotonic()
            summary = load_large(progress=lambda step: click.echo(f"{time.monotonic() - started:6.1f}s  {step}…"))
        else:
            from demo.company import load_demo

            summary = load_demo()
    except DomainError as err:
        db.session.rollback()
        click.echo(err.message)
        return
    db.session.commit()
    click.echo(summary)


def register(app) -> None:
    app.cli.add_command(demo_command)
