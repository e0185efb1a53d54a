"""Bearer tokens for the JSON API: created once, stored hashed, revocable; a token acts with its owner's roles."""

from __future__ import annotations

import hashlib
import secrets

from flask import request
from sqlalchemy import select, update

from app.core import audit, signals
from app.core.audit import utcnow
from app.extensions import db
from app.people.models import User
from app.shopping.models import ApiToken

PREFIX = "rpt_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(owner: User, name: str, actor=None) -> tuple[ApiToken, str]:
    """A new token for ``owner``; the plain token is returned once and never stored."""
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=owner.id, name=(name or "API token")[:100], token_hash=_hash(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.flush()
    audit.record(actor or owner, "token.create", "user", owner.id, None, {"token": token.prefix, "name": token.name})
    return token, plain


def revoke_token(actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "token.revoke", "user", token.user_id, None, {"token": token.prefix})
        db.session.flush()


def revoke_all_tokens(actor, owner: User) -> int:
    """Revoke every live token of ``owner`` (a password change, a reset, a deactivation); returns how many."""
    stmt = (
        update(ApiToken)
        .where(ApiToken.user_id == owner.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    count = db.session.execute(stmt).rowcount or 0
    if count:
        audit.record(actor, "user.tokens_revoked", "user", owner.id, None, {"count": count})
    return count


def _access_revoked(owner: User, actor=None, **_) -> None:
    revoke_all_tokens(actor, owner)


def connect_signals() -> None:
    """Revoke a person's tokens when the people services end their access (called by ``create_app``)."""
    signals.access_revoked.connect(_access_revoked)


def user_from_request() -> User | None:
    """The active owner of the request's valid bearer token, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    token = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == _hash(value.strip()))).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    token.last_used_at = utcnow()
    return token.user
