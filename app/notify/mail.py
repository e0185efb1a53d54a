"""Emails for notices: rendered in the recipient's language, sent by SMTP or kept in the outbox.

Every email is claimed first with a conditional UPDATE (only the process whose UPDATE changed the row
sends it), so several ``notify run`` processes never send the same notice twice. Without
``MAIL_SERVER`` the email is written to the outbox in the same transaction as the claim.
"""

from __future__ import annotations

import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update

from app.core.audit import utcnow
from app.extensions import db
from app.notify.kinds import KINDS, render
from app.notify.models import EMAIL_FAILED, EMAIL_PENDING, EMAIL_SENDING, EMAIL_SENT, Notice, OutboxMessage
from app.notify.services import path_for
from app.people.models import User

# A claim older than this belongs to a process that died before sending; the email is tried again.
STALE_CLAIM = timedelta(minutes=30)


@dataclass
class Email:
    recipient: str
    subject: str
    text: str
    html: str
    locale: str


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0


def site_url(path: str) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + path


def locale_of(user: User) -> str:
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def render_email(notice: Notice, user: User) -> Email:
    """The notice as a multipart email in the recipient's language, with absolute links back to the site."""
    locale = locale_of(user)
    with force_locale(locale):
        message = render(notice.kind, notice.params)
        context = {
            "message": message,
            "user": user,
            "link": site_url(notice.link) if notice.link else site_url("/"),
            "settings": site_url(path_for("notify.preferences")),
            "site": current_app.config["SITE_URL"],
            "mandatory": KINDS[notice.kind].mandatory,
            "locale": locale,
        }
        env = current_app.jinja_env  # no request here: render the templates directly, without context processors
        text = env.get_template("notify/email/notice.txt").render(context)
        html = env.get_template("notify/email/notice.html").render(context)
    return Email(user.email, message.title, text, html, locale)


def _mime(email: Email) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = email.subject
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = email.recipient
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=current_app.config["MAIL_FROM"].rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = email.locale
    msg.set_content(email.text)
    msg.add_alternative(email.html, subtype="html")
    return msg


class Mailer:
    """One SMTP connection for a whole run, opened on the first email."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: Email) -> None:
        config = current_app.config
        if self.smtp is None:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            self.smtp = smtp
        self.smtp.send_message(_mime(email))

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except smtplib.SMTPException:
                pass
            self.smtp = None


def _claimable(now: datetime):
    return or_(
        Notice.email_state == EMAIL_PENDING,
        and_(Notice.email_state == EMAIL_SENDING, Notice.claimed_at < now - STALE_CLAIM),
    )


def claim(notice_id: int, now: datetime) -> str | None:
    """Take one pending email for this process; returns the claim token, or None if another process has it."""
    token = secrets.token_hex(16)
    changed = db.session.execute(
        update(Notice)
        .where(Notice.id == notice_id, _claimable(now))
        .values(email_state=EMAIL_SENDING, claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return token if changed == 1 else None


def deliver_pending(
    now: datetime | None = None, *, limit: int = 1000, smtp: bool | None = None, commit: bool = True
) -> Delivery:
    """Send every pending email (by SMTP when MAIL_SERVER is set, else into the outbox).

    Commits after each email, so a claim is visible to other processes before the email leaves; with
    ``commit=False`` (the demo, inside its own transaction) it only flushes and never uses SMTP.
    """
    now = now or utcnow()
    smtp = bool(current_app.config.get("MAIL_SERVER")) if smtp is None else smtp
    if not commit and smtp:
        raise ValueError("SMTP delivery must commit each claim before sending")
    checkpoint = db.session.commit if commit else db.session.flush
    mailer = Mailer()
    done = Delivery()
    try:
        while True:
            ids = list(db.session.scalars(select(Notice.id).where(_claimable(now)).order_by(Notice.id).limit(limit)))
            checkpoint()
            for notice_id in ids:
                _deliver_one(notice_id, now, smtp, mailer, checkpoint, commit, done)
            if len(ids) < limit:
                break
    finally:
        mailer.close()
    return done


def _deliver_one(notice_id: int, now: datetime, smtp: bool, mailer: Mailer, checkpoint, commit: bool, done: Delivery):
    token = claim(notice_id, now)
    if token is None:  # another process has it
        if commit:
            db.session.rollback()
        return
    if smtp:
        checkpoint()  # the claim is visible to every other process before the email leaves
    notice = db.session.get(Notice, notice_id, populate_existing=True)
    error = None
    try:
        email = render_email(notice, notice.user)
    except Exception as exc:  # a notice that cannot be rendered must not block the ones after it
        current_app.logger.exception("Cannot render notice %s", notice_id)
        email, error = None, f"{type(exc).__name__}: {exc}"
    if email is not None and smtp:
        try:
            mailer.send(email)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            mailer.close()
    if email is not None:
        db.session.add(
            OutboxMessage(
                notice_id=notice.id,
                recipient=email.recipient,
                subject=email.subject,
                text_body=email.text,
                html_body=email.html,
                locale=email.locale,
                via="smtp" if smtp else "outbox",
                created_at=now,
                sent_at=now if smtp and error is None else None,
                error=error,
            )
        )
    db.session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.claim_token == token)
        .values(email_state=EMAIL_FAILED if error else EMAIL_SENT)
        .execution_options(synchronize_session=False)
    )
    checkpoint()
    if error:
        done.failed += 1
    else:
        done.sent += 1
