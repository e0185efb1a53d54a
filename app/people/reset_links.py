"""One-time links for setting a new password, made by HR (or the command line) for a person they manage.

They live with the people (not with sign-in) because issuing one is an act of managing a person;
the sign-in package reads them back on the reset page.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.core import audit
from app.extensions import db
from app.people.models import User
from app.people.services import check_may_manage, may_manage


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    # Tied to the current password hash: once the password changes, the token is spent.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_reset_token(actor, user: User) -> str:
    """A one-time token for setting a new password (valid until used or expired); raises DomainError
    unless ``actor`` may manage ``user`` (HR cannot make a link to sign in as an administrator)."""
    check_may_manage(actor, user)
    audit.record(actor, "user.reset_link", "user", user.id)
    return _serializer().dumps({"uid": user.id, "fp": _fingerprint(user), "by": getattr(actor, "id", None)})


def user_for_reset_token(token: str) -> User | None:
    """The user a still-valid, unused token was issued for, or None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        return None
    if not _issuer_may_still_manage(data.get("by"), user):
        return None
    return user


def _issuer_may_still_manage(issuer_id, user: User) -> bool:
    """A link made by HR for an employee later made an administrator no longer works: whoever made it
    must still be active and still allowed to manage the person (None: the command line)."""
    if issuer_id is None:
        return True
    issuer = db.session.get(User, issuer_id)
    return issuer is not None and issuer.is_active and may_manage(issuer, user)
