"""Roles and the one place where every route declares who may use it.

Each view function carries an ``access_rule`` set by :func:`allow`; a
``before_request`` hook enforces it, and refuses any endpoint that has none,
so a route cannot ship without a rule.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.core.i18n import lazy_gettext as _l


class Role(enum.StrEnum):
    EMPLOYEE = "employee"
    TRAINER = "trainer"
    SHOPPER = "shopper"
    MANAGER = "manager"  # a branch head: their department's subtree, for coaching and action plans
    HR = "hr"
    ADMIN = "admin"


ALL_ROLES: tuple[Role, ...] = tuple(Role)
ROLE_LABELS = {
    Role.EMPLOYEE: _l("Employee"),
    Role.TRAINER: _l("Trainer"),
    Role.SHOPPER: _l("Mystery shopper"),
    Role.MANAGER: _l("Manager"),
    Role.HR: _l("HR"),
    Role.ADMIN: _l("Administrator"),
}
STAFF_MANAGERS = (Role.HR, Role.ADMIN)


@dataclass(frozen=True)
class AccessRule:
    public: bool
    roles: frozenset[str]

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        return not self.roles or bool(self.roles & user.role_names)


PUBLIC = AccessRule(public=True, roles=frozenset())
EXEMPT_ENDPOINTS = {"static"}


def allow(*roles: Role | str, public: bool = False) -> Callable:
    """Declare who may call a view: ``@allow(public=True)``, ``@allow()`` for any signed-in
    person, or ``@allow(Role.HR, Role.ADMIN)`` for people holding one of those roles."""

    rule = AccessRule(public=public, roles=frozenset(str(r) for r in roles))

    def decorate(view):
        view.access_rule = rule
        return view

    return decorate


def rule_for(endpoint: str | None) -> AccessRule | None:
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_access():
    """before_request hook: apply the endpoint's rule; an endpoint without one is refused."""
    asked = request._get_current_object()  # read once: each proxy look-up costs a context lookup
    endpoint = asked.endpoint
    if endpoint is None or endpoint in EXEMPT_ENDPOINTS:
        return None
    rule = rule_for(endpoint)
    api = asked.path.startswith("/api/")
    if api:
        _authenticate_api_request(required=not (rule and rule.public))
    if rule is None:
        current_app.logger.error("Endpoint %s has no access rule", endpoint)
        abort(403)
    if rule.allows(current_user):  # the proxy: a public rule answers without loading the person
        return None
    if not current_user.is_authenticated:
        if api:
            abort(401)
        return redirect(url_for("auth.login", next=asked.full_path.rstrip("?")))
    abort(403)


def has_role(user, *roles: Role | str) -> bool:
    return user.is_authenticated and bool({str(r) for r in roles} & user.role_names)


API_USER_LOADER = "rapport.api_user_loader"


def _authenticate_api_request(required: bool) -> None:
    """API requests are authenticated by bearer token only; a browser session never counts there.

    The API package registers how a token is read (``app.extensions[API_USER_LOADER]``), so this core
    module depends on no feature package; without one, no API request is authenticated."""
    from app.extensions import login_manager

    loader = current_app.extensions.get(API_USER_LOADER)
    user = loader() if loader is not None else None
    if user is None and required:
        abort(401)
    login_manager._update_request_context_with_user(user)
