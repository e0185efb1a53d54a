"""``flask --app wsgi notify run``: record what is due, then send the pending emails."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from app.core.audit import utcnow
from app.extensions import db

notify_cli = AppGroup("notify", help="Reminders and notification emails.")

RETRIES = 5


def parse_now(value: str | None) -> datetime:
    """ISO-8601 to naive UTC; a value without an offset is taken as UTC."""
    if not value:
        return utcnow()
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _committed(step, now: datetime):
    """Run one idempotent step and commit it; on a busy database (SQLite with several writers) try again."""
    for attempt in range(RETRIES):
        try:
            result = step(now)
            db.session.commit()
            return result
        except OperationalError:
            db.session.rollback()
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


@notify_cli.command("run")
@click.option("--now", "now_text", default=None, help="Act as if it were this moment (ISO-8601, UTC by default).")
def run_command(now_text: str | None) -> None:
    """Record the reminders, reopened courses and digests due now, then send every pending email.

    Safe from cron every few minutes and from several hosts at once: each notice has a unique key and
    each email is claimed by exactly one process.
    """
    from app.notify import mail, reminders

    try:
        now = parse_now(now_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from exc
    counts = [(name, _committed(step, now)) for name, step in reminders.STEPS]
    delivery = _committed(lambda at: mail.deliver_pending(at), now)
    made = ", ".join(f"{name}: {n}" for name, n in counts)
    click.echo(
        f"{now.isoformat(timespec='minutes')} UTC — notices {made}; emails sent: {delivery.sent}, failed: {delivery.failed}."
    )
