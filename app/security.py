"""Security headers on every response, a strict Content-Security-Policy (no inline scripts), and the
CSRF token the layout's forms carry."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")
CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's, which validates what csrf_token signs


class _TokenSerializer(URLSafeTimedSerializer):
    """Flask-WTF's token serializer without its attempt to compress: a token of forty hex digits never
    comes out shorter, so the text is the same, and ``loads`` reads it as before."""

    def dump_payload(self, obj) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


@lru_cache(maxsize=4)
def _token_serializer(secret_key) -> URLSafeTimedSerializer:
    return _TokenSerializer(secret_key, salt=CSRF_SALT)


def csrf_token() -> str:
    """The request's signed CSRF token, as Flask-WTF's ``generate_csrf`` makes it (the same token, kept in
    ``g`` where its forms look for it, the raw value in the session), with the serializer built once per
    key instead of on each call."""
    config = current_app.config
    field = config["WTF_CSRF_FIELD_NAME"]
    token = g.get(field)
    if token is None:
        raw = session.get(field)
        if not isinstance(raw, str):
            raw = session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
        token = _token_serializer(config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key).dumps(raw)
        setattr(g, field, token)
    return token


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signing serializer built once per set of keys instead of
    twice on every request (to read the cookie and to write it)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


def register(app) -> None:
    app.session_interface = SessionInterface()

    @app.after_request
    def set_headers(response):
        headers = response.headers
        present = {key.lower() for key in headers.keys()}  # a view's own (a stricter CSP) stands
        for name, value in (*HEADERS, HSTS) if app.config.get("SESSION_COOKIE_SECURE") else HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        return response
