"""Managers and action plans: a branch head sees their team's cards and training (never a shopper), and an
action opened when a card of their department fails a critical item or falls below ACTION_THRESHOLD, which
they close with a coaching conversation or a fix; HR sees open, overdue and closed actions per department."""

from flask import Blueprint

bp = Blueprint("coaching", __name__, url_prefix="/coaching")

from app.coaching import routes  # noqa: E402,F401
