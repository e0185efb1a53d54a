"""Sign-in, sign-out and setting a new password through a one-time reset link."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.orm import lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from app.core import audit
from app.core.audit import utcnow
from app.extensions import db
from app.people.models import SESSION_ID_SEPARATOR, User, UserRole, password_hash_method
from app.people.passwords import check_new_password
from app.people.reset_links import make_reset_token, user_for_reset_token  # noqa: F401 - used from here too
from app.people.services import end_sessions, normalise_email, revoke_api_tokens

TYPED_EMAIL_KEPT = 254  # the longest address there is; more is noise in the audit log
_dummy_hash: str | None = None


def _spend_hash_time(password: str) -> None:
    """Check against a throwaway hash, so an unknown email costs as much time as a wrong password."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("not-a-password", method=password_hash_method())
    check_password_hash(_dummy_hash, password)


def authenticate(email: str, password: str, address: str | None, language: str | None = None) -> User | None:
    """The active user with this email and password, or None; either way the attempt is audited with the
    address it came from. ``language`` (the browser's) becomes the person's own at their first sign-in."""
    typed = normalise_email(email)
    user = db.session.scalars(select(User).where(User.email == typed)).first()
    if user is None:
        _spend_hash_time(password)
    elif user.check_password(password) and user.is_active:
        user.last_login_at = utcnow()
        if user.locale is None and language:
            user.locale = language
        audit.record(user, "auth.login", "user", user.id, None, {"address": address})
        return user
    audit.record(
        None,
        "auth.login_failed",
        "user",
        user.id if user else None,
        None,
        {"email": typed[:TYPED_EMAIL_KEPT], "address": address},
    )
    return None


def session_statement(*figures):
    """The statement :func:`session_user` runs: the person by primary key with their role names (one
    aggregated column: joining the role rows cost a tenth of a millisecond more on every page), and any
    ``figures`` (scalar subqueries over ``users.id``, such as the header's unread count) in the same
    round trip. Built once by the caller and reused: building and keying it is most of its cost. The
    separator is written into the SQL: as a parameter (aggregate_strings' own) it is worked into the
    statement again on every execution."""
    aggregated = func.aggregate_strings(UserRole.role, literal_column("','"))
    roles = select(aggregated).where(UserRole.user_id == User.id).scalar_subquery()
    return select(User, roles, *figures).options(lazyload(User.roles)).where(User.id == bindparam("user_id"))


def session_user(session_id: str, statement) -> tuple[User | None, tuple]:
    """The person a signed-in session (or remember-me cookie) names and the figures ``statement`` (from
    :func:`session_statement`) reads with them, or (None, ()) when the session has ended: the person is
    deactivated, or their session version moved since it was signed in (sign-out, a password change or
    reset, deactivation, "sign out everywhere")."""
    user_id, _sep, version = (session_id or "").partition(SESSION_ID_SEPARATOR)
    try:
        user_id, version = int(user_id), int(version)
    except ValueError:  # a session from before session versions, or a forged one
        return None, ()
    row = db.session.execute(statement, {"user_id": user_id}).one_or_none()
    user = row[0] if row is not None else None
    if user is None or not user.is_active or (user.session_version or 0) != version:
        return None, ()
    user.keep_role_names(row[1].split(",") if row[1] else ())
    return user, tuple(row[2:])


@lru_cache(maxsize=1)
def _session_user_statement():
    return session_statement()  # on first use: loader options need every model mapped


def user_for_session(session_id: str) -> User | None:
    """:func:`session_user` without figures."""
    return session_user(session_id, _session_user_statement())[0]


def sign_out(user: User) -> None:
    """End every session of ``user`` (the one signing out and any other, such as a copied cookie)."""
    end_sessions(user)
    audit.record(user, "auth.logout", "user", user.id)


def reset_password(user: User, new_password: str) -> None:
    """Set a new password through a reset link (which is then spent), ending every session of ``user``
    and revoking their API tokens; raises DomainError if the password is not allowed."""
    check_new_password(new_password, field="new_password")
    user.set_password(new_password)
    end_sessions(user)
    revoke_api_tokens(user, user)
    audit.record(user, "user.password_reset", "user", user.id)
    db.session.flush()
