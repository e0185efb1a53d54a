"""Error pages (HTML, or JSON under /api/), rollback on 500, CSRF and rate-limit errors."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from app.extensions import db

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist."),
    405: _l("This action is not allowed here."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. Nothing was saved; please try again."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, message: str):
    if _wants_json():
        return jsonify(error={"code": code, "message": message, "fields": {}}), code
    return render_template("errors/error.html", code=code, message=message), code


def register(app) -> None:
    def handler(code):
        def handle(error):
            if code == 500:
                db.session.rollback()
            return _render(code, str(MESSAGES[code]))

        return handle

    for code in MESSAGES:
        app.register_error_handler(code, handler(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("The form had expired or was not sent from this site. Please try again."))
