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
    return request.path.startswith("/api/") or request.is_json


def has_nul(value) -> bool:
    """True if any text in a value (dict keys, lists and JSON included) holds a NUL character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            stack += item
    return False


def json_object() -> dict:
    """The request's JSON body if it is an object, else an empty one (a list or a bare string is bad input)."""
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else {}


def refuse_nul_characters():
    """PostgreSQL text cannot hold NUL and a query with one fails: refuse it as a client error up front."""
    texts = [list(request.args.items(multi=True)), list((request.view_args or {}).values())]
    if request.method in ("POST", "PUT", "PATCH"):
        texts.append(list(request.form.items(multi=True)))
        if request.is_json:
            try:
                texts.append(request.get_json(silent=True))
            except RecursionError:  # nested too deeply to walk: not something a page of ours sends
                return _render(400, str(MESSAGES[400]))
    if has_nul(texts):
        return _render(400, _("Text must not contain NUL (\\u0000) characters."))
    return None


def _render(code: int, message: str):
    if _wants_json():
        return jsonify(error={"code": code, "message": message, "fields": {}}), code
    return render_template("errors/error.html", code=code, message=message), code


def register(app) -> None:
    app.before_request(refuse_nul_characters)

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
