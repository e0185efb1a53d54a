from flask import Blueprint

from app.core.permissions import API_USER_LOADER

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.record_once
def _register_token_reader(state) -> None:
    from app.api.auth import user_from_request

    state.app.extensions[API_USER_LOADER] = user_from_request  # read by core.permissions for /api/ requests


from app.api import calibrations, routes  # noqa: E402,F401
