from flask import Blueprint

bp = Blueprint("shopping", __name__, url_prefix="/shop")

from app.shopping import routes  # noqa: E402,F401
