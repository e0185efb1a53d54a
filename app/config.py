"""Configuration classes, each overridable from environment variables."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


MIN_SECRET_KEY_BYTES = 32
TRANSLATIONS = Path(__file__).parent / "translations"


def available_languages() -> tuple[str, ...]:
    """English (the source language) and every language with a catalogue under app/translations."""
    found = sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
    return ("en", *found)


class Config:
    """Development defaults: SQLite in the instance folder, in-memory rate limits."""

    ENV_NAME = "development"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI: str | None = os.environ.get("DATABASE_URL")
    # JSON columns (the audit log's before/after, content) stored as readable text, not "\u0421..." escapes
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_pre_ping": True,
        "json_serializer": lambda value: json.dumps(value, ensure_ascii=False),
    }
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    # Failed sign-ins only, per address and per (account, address) pair: slowed down, never locked out.
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30/minute")
    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "5/minute;20/hour")
    # How many reverse proxies set each X-Forwarded-* header; 0 (the default) ignores the header.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)
    PROXY_FIX_X_PROTO = _env_int("PROXY_FIX_X_PROTO", 0)
    PROXY_FIX_X_HOST = _env_int("PROXY_FIX_X_HOST", 0)
    PROXY_FIX_X_PORT = _env_int("PROXY_FIX_X_PORT", 0)
    PROXY_FIX_X_PREFIX = _env_int("PROXY_FIX_X_PREFIX", 0)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12

    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024)

    # The company's default language: pages before anyone chooses, and a person's language (courses the
    # training loop assigns, emails) until they have one of their own.
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LANGUAGE", "en")
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = available_languages()
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Europe/Moscow")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") in ("1", "true", "yes")
    MAIL_FROM = os.environ.get("MAIL_FROM", "rapport@localhost")
    # Emails link back here (the address people open Rapport at); no trailing slash needed.
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    NOTIFY_DUE_SOON_DAYS = _env_int("NOTIFY_DUE_SOON_DAYS", 3)

    PASSWORD_RESET_MAX_AGE = 60 * 60 * 48
    PER_PAGE = 25
    CSV_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    # Levels from a top-level department down to a team: deeper paths are refused at import and on moves.
    DEPARTMENT_MAX_DEPTH = _env_int("DEPARTMENT_MAX_DEPTH", 12)
    GIFT_MAX_BYTES = _env_int("GIFT_MAX_BYTES", 2 * 1024 * 1024)
    CONTENT_DIR = os.environ.get("CONTENT_DIR", "content")

    # Mystery shopping and fairness settings.
    SHOP_ROTATION_DAYS = _env_int("SHOP_ROTATION_DAYS", 60)
    SHOP_LATE_HOURS = _env_int("SHOP_LATE_HOURS", 24)
    DISPUTE_DAYS = _env_int("DISPUTE_DAYS", 7)
    # An approved card its employee has not opened this many days after approval shows as unread to HR.
    ACK_UNREAD_DAYS = _env_int("ACK_UNREAD_DAYS", 7)
    LOOP_DUE_DAYS = _env_int("LOOP_DUE_DAYS", 14)
    MIN_CARDS_FOR_SCORE = _env_int("MIN_CARDS_FOR_SCORE", 3)
    MIN_GROUP_SIZE = _env_int("MIN_GROUP_SIZE", 3)
    # The training effect (reports/effect): figures are shown once each of the four windows (trained and
    # comparison, before and after) rests on this many cards and each group on this many people.
    EFFECT_MIN_CARDS = _env_int("EFFECT_MIN_CARDS", 20)
    EFFECT_MIN_PEOPLE = _env_int("EFFECT_MIN_PEOPLE", 5)
    EVIDENCE_MAX_BYTES = _env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
    EVIDENCE_MAX_FILES_PER_CARD = _env_int("EVIDENCE_MAX_FILES_PER_CARD", 10)
    EVIDENCE_MAX_BYTES_PER_CARD = _env_int("EVIDENCE_MAX_BYTES_PER_CARD", 50 * 1024 * 1024)
    EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR")
    # Calibration: a shopper whose latest exercise agrees with the reference on less than this share of
    # the items needs calibration (no new visits); an item fewer shoppers than this share match is flagged.
    CALIBRATION_THRESHOLD = _env_float("CALIBRATION_THRESHOLD", 0.80)
    CALIBRATION_ITEM_THRESHOLD = _env_float("CALIBRATION_ITEM_THRESHOLD", 0.80)
    # Action plans: an approved card below this result (percent), or with a failed critical item, opens an
    # action for the department's manager, due this many days later.
    ACTION_THRESHOLD = _env_float("ACTION_THRESHOLD", 70.0)
    ACTION_DUE_DAYS = _env_int("ACTION_DUE_DAYS", 14)
    # Minimum average shop percent for the levels formal, functional, part of the culture, full.
    LEVEL_THRESHOLDS = (40, 60, 75, 90)
    # Werkzeug's method for new password hashes: scrypt at its full cost. A test run may lower the cost
    # (TestingConfig; the browser tests' development server by this variable); production cannot.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # A thousand sign-ins and new people per run: scrypt at 1/32 of its cost (N=2**10, not 2**15).
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


class ProductionConfig(Config):
    ENV_NAME = "production"
    PASSWORD_HASH_METHOD = "scrypt"  # full cost, whatever the environment says
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {"development": Config, "testing": TestingConfig, "production": ProductionConfig}


def pick_config() -> type[Config]:
    """The config class named by APP_ENV (development, testing, production)."""
    return CONFIGS.get(os.environ.get("APP_ENV", "development"), Config)


def finalise(app) -> None:
    """Fill in defaults that depend on the instance folder; refuse unsafe production settings."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'rapport.db'}"
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A file on this machine never drops the connection: no "SELECT 1" before every request's first query.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    if app.config["ENV_NAME"] == "production":
        key = app.config.get("SECRET_KEY") or ""
        if not key:
            raise RuntimeError("SECRET_KEY must be set in production (APP_ENV=production).")
        if len(key.encode() if isinstance(key, str) else key) < MIN_SECRET_KEY_BYTES:
            raise RuntimeError(
                f"SECRET_KEY is too short for production: at least {MIN_SECRET_KEY_BYTES} bytes are needed "
                "(e.g. python3 -c 'import secrets; print(secrets.token_hex(32))')."
            )
    if not app.config.get("SECRET_KEY"):
        # A per-checkout key kept in the instance folder, so development sessions survive restarts.
        key_file = instance / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if app.debug:
        app.config["SESSION_COOKIE_SECURE"] = False
