"""Error pages (HTML, or JSON under /api/), rollback on 500, CSRF and rate-limit errors."""

import re

from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from app.core.errors import BadInput
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.extensions import db

SURROGATE = re.compile("[\ud800-\udfff]")

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


def _texts(value):
    """Every text in a value: dict keys, lists and JSON included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            stack += item


def has_nul(value) -> bool:
    """True if any text in a value (dict keys, lists and JSON included) holds a NUL character."""
    return any("\x00" in text for text in _texts(value))


def has_surrogate(value) -> bool:
    """True if any text holds a lone surrogate (U+D800..U+DFFF), which JSON's \\udc00 escape can carry.

    Such text cannot be encoded as UTF-8, so neither SQLite nor PostgreSQL can store it.
    """
    return any(SURROGATE.search(text) for text in _texts(value))


def json_object() -> dict:
    """The request's JSON body if it is an object, else an empty one (a list or a bare string is bad input)."""
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else {}


def refuse_oversized_form():
    """A URL-encoded form is read and decoded whole, in Python, before any field is checked, and
    Werkzeug's ``MAX_FORM_MEMORY_SIZE`` bounds multipart forms only: refuse, by its declared length and
    before reading it, a body larger than the text a multipart form may carry once URL-encoded (each
    byte at most three characters). Our largest form, a case's Markdown, is far below it; an upload is
    multipart and keeps ``MAX_CONTENT_LENGTH``."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return None
    if (request.content_length or 0) > 3 * current_app.config["MAX_FORM_MEMORY_SIZE"]:
        return _render(413, _("The form is too large to save. Shorten the longest text and try again."))
    return None


def refuse_unstorable_text():
    """Text a database cannot hold (NUL for PostgreSQL, lone surrogates for both) is a client error:
    refuse it up front, for every route, in the query, the path, form fields and JSON bodies."""
    asked = request._get_current_object()
    sends_body = asked.method in ("POST", "PUT", "PATCH", "DELETE")
    if not (sends_body or asked.args or asked.view_args):
        return None  # a page asked for by its bare path: nothing to look at
    texts = [list(asked.args.items(multi=True)), list((asked.view_args or {}).values())]
    if sends_body:
        texts.append(list(request.form.items(multi=True)))
        texts.append([f.filename for f in request.files.values()])
        if request.is_json:
            try:
                texts.append(request.get_json(silent=True))
            except RecursionError:  # nested too deeply to walk: not something a page of ours sends
                return _render(400, str(MESSAGES[400]))
    if has_nul(texts):
        return _render(400, _("Text must not contain NUL (\\u0000) characters."))
    if has_surrogate(texts):
        return _render(400, _("Text must be valid Unicode: lone surrogates (like \\udc00) are not allowed."))
    return None


def _render(code: int, message: str, fields: dict | None = None):
    if _wants_json():
        return jsonify(error={"code": code, "message": message, "fields": fields or {}}), code
    return render_template("errors/error.html", code=code, message=message), code


def register(app) -> None:
    app.before_request(refuse_oversized_form)
    app.before_request(refuse_unstorable_text)

    def handler(code):
        def handle(error):
            if code == 500:
                db.session.rollback()
            return _render(code, str(MESSAGES[code]))

        return handle

    for code in MESSAGES:
        app.register_error_handler(code, handler(code))

    @app.errorhandler(BadInput)
    def bad_input(error):
        db.session.rollback()
        return _render(400, str(error.message), {error.field: str(error.message)} if error.field else None)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("The form had expired or was not sent from this site. Please try again."))
