from flask import Blueprint

bp = Blueprint("authoring", __name__, url_prefix="/authoring")

from app.authoring import routes  # noqa: E402,F401
