"""Notifications: in-app notices, their emails (SMTP or the outbox) and the reminders ``notify run`` sends."""

from flask import Blueprint

bp = Blueprint("notify", __name__)

from app.notify import routes  # noqa: E402,F401
