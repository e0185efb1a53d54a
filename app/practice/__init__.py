"""Daily practice: short retrieval sessions scheduled by FSRS, drawn from what a learner is weakest in —
the skills of their failed checklist items (shopping) and the questions they got wrong (learning). It
reads both, so it sits above them."""

from flask import Blueprint

bp = Blueprint("practice", __name__)

from app.practice import routes  # noqa: E402,F401
