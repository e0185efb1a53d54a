"""Rapport: customer-orientation training and mystery shopping for service companies."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, support
from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms.i18n import messages_path

from app import config as config_module
from app.core.i18n import get_locale as babel_locale
from app.core.inputs import FormRequest
from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def get_locale() -> str:
    """The person's chosen language, else the session's, else the browser's best match."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object()
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    """The Babel locale for a language code, parsed once: Flask-Babel parses the selector's answer
    again on every request (a look for the locale's data file on disk included)."""
    return Locale.parse(code)


def _select_locale() -> Locale:
    return _locale(get_locale())


@lru_cache(maxsize=16)
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class WtformsMessages:
    """WTForms' own messages ("This field is required.") in the page's language.

    Flask-WTF reads and parses that catalogue from disk again on every request that builds a form,
    which is every page (the header has the language form); here it is parsed once per language.
    """

    def ugettext(self, string: str) -> str:
        return _wtforms_catalog(str(babel_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(babel_locale())).ungettext(singular, plural, n)


WTFORMS_MESSAGES = WtformsMessages()


def _use_parsed_wtforms_messages() -> None:
    request.wtforms_translations = WTFORMS_MESSAGES  # where Flask-WTF looks before reading the file


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # WAL lets readers run beside a writer; the busy timeout waits instead of failing at once.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # SQLite's own lower() only knows ASCII; Cyrillic names must compare case-insensitively too.
        dbapi_connection.create_function(
            "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
        )


PROXY_HEADERS = ("for", "proto", "host", "port", "prefix")


def _trust_proxy(app: Flask) -> None:
    """Take the client's address, scheme, host from the reverse proxy's X-Forwarded-* headers, but only
    when configured (PROXY_FIX_X_FOR and friends: how many proxies set each header). Otherwise anyone
    could name any address in a header and slip past the per-address sign-in limits."""
    counts = {name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0) for name in PROXY_HEADERS}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{name}": n for name, n in counts.items()})


class Rapport(Flask):
    """Flask, with its answer to "is this a coroutine function?" kept per function: Flask asks it of every
    hook, context processor and view on every request (fourteen times for a page), and the answer for a
    function never changes. Flask's documentation invites overriding ``ensure_sync``."""

    request_class = FormRequest  # forms decoded in C, not escape by escape (app.core.inputs.parse_form)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict = {}

    def ensure_sync(self, func):
        synced = self._synced.get(func)
        if synced is None:
            synced = self._synced[func] = super().ensure_sync(func)
        return synced


def create_app(config: dict | type | None = None) -> Flask:
    app = Rapport(__name__, instance_relative_config=True)
    app.config.from_object(config_module.pick_config())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    config_module.finalise(app)
    _trust_proxy(app)

    from app.core.inputs import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added: every <int:…> is bounded
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    from app.core import permissions

    app.before_request(_use_parsed_wtforms_messages)
    # Registered before CSRFProtect so that a refused role is answered before any CSRF check.
    app.before_request(permissions.enforce_access)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)

    from app import models  # noqa: F401 - registers every model with the metadata
    from app.api.auth import connect_signals as api_reactions
    from app.coaching.services import connect_signals as coaching_reactions
    from app.notify.events import connect_signals as notify_reactions
    from app.rollups import connect_signals as rollup_reactions

    # What follows an event (figures, notices, tokens) is connected once here, for web, CLI and tests alike.
    rollup_reactions()
    notify_reactions()
    api_reactions()
    coaching_reactions()

    from app.auth.services import session_statement, session_user
    from app.notify.services import unread_figure
    from app.people.models import User

    # The person, their roles and the header's unread count in one statement, built once.
    session_query = session_statement(unread_figure(User.id))

    @login_manager.user_loader
    def load_user(session_id: str):
        user, figures = session_user(session_id, session_query)
        if user is not None:
            g.unread_notices = figures[0]  # what notify.routes.unread_notices would otherwise ask for
        return user

    from app.api import bp as api_bp
    from app.audit import bp as audit_bp
    from app.auth import bp as auth_bp
    from app.authoring import bp as authoring_bp
    from app.calibration import bp as calibration_bp
    from app.coaching import bp as coaching_bp
    from app.learning import bp as learning_bp
    from app.main import bp as main_bp
    from app.notify import bp as notify_bp
    from app.people import bp as people_bp
    from app.practice import bp as practice_bp
    from app.reports import bp as reports_bp
    from app.shopping import bp as shopping_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(practice_bp)
    app.register_blueprint(shopping_bp)
    app.register_blueprint(calibration_bp)
    app.register_blueprint(coaching_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # bearer tokens only; see app/core/permissions.py

    from app import errors, security, templating

    errors.register(app)
    security.register(app)
    templating.register(app)
    from app.audit.labels import action_label, value_label

    # {{ v.state|label('visit') }}: a stored code as the words a person reads (app/audit/labels.py); set
    # here because the labels name every feature's codes, and templating sits below the features.
    app.jinja_env.filters["label"] = lambda value, kind: value_label(kind, value)
    app.jinja_env.filters["action_label"] = action_label
    from app import cli

    cli.register(app)
    return app
