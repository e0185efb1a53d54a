"""Template helpers: navigation per role, dates in the reader's time zone, the language switcher."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType, SimpleNamespace
from zoneinfo import ZoneInfo

from babel import Locale, dates
from babel.numbers import parse_pattern
from flask import current_app, has_request_context, request, url_for
from flask.globals import _cv_request
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from app.core.i18n import get_locale
from app.core.i18n import lazy_gettext as _l
from app.core.i18n import translations as get_translations
from app.core.permissions import ROLE_LABELS, Role
from app.security import csrf_token

NAMED_FORMATS = ("full", "long", "medium", "short")

# (endpoint, label, roles that see it); an empty tuple means every signed-in person.
NAV = [
    ("main.dashboard", _l("Dashboard"), ()),
    ("learning.catalogue", _l("Courses"), ()),
    ("learning.my_learning", _l("My learning"), (Role.EMPLOYEE,)),
    ("authoring.index", _l("Content"), (Role.TRAINER, Role.ADMIN)),
    ("learning.assignments", _l("Assignments"), (Role.TRAINER, Role.HR, Role.ADMIN)),
    ("shopping.my_visits", _l("My visits"), (Role.SHOPPER,)),
    ("calibration.mine", _l("Calibration"), (Role.SHOPPER,)),
    ("shopping.visits", _l("Mystery shopping"), (Role.HR, Role.ADMIN)),
    ("calibration.index", _l("Calibration"), (Role.HR, Role.ADMIN)),
    ("reports.departments", _l("Reports"), (Role.HR, Role.ADMIN)),
    ("shopping.my_results", _l("My results"), (Role.EMPLOYEE,)),
    ("people.people", _l("People"), (Role.HR, Role.ADMIN)),
    ("coaching.team", _l("My team"), (Role.MANAGER,)),
    ("coaching.overview", _l("Action plans"), (Role.HR, Role.ADMIN)),
]

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "bg": "Български"}


def language_choices(languages) -> list[tuple[str, str]]:
    """The languages to offer (the ``LANGUAGES`` setting: the catalogues present), each named in itself."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in languages]


# The channels of a checklist (app/content/checklists.py CHANNELS), as a reader sees them.
CHANNEL_LABELS = {
    "visit": _l("Visit"),
    "phone": _l("Phone call"),
    "chat": _l("Chat"),
    "email": _l("Email"),
}


def channel_label(code: str | None) -> str:
    return str(CHANNEL_LABELS.get(code or "", "")) or "—"


def _base(lang: str | None) -> str:
    return (lang or "").replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=32)
def _locale_base(locale: Locale | None) -> str:
    return _base(str(locale))


def foreign_lang(lang: str | None) -> str:
    """The ``lang`` attribute for content written in ``lang`` on a page in the reader's language: the
    language when it differs from the page's, else "" (nothing to mark)."""
    return lang if lang and _base(lang) != _locale_base(get_locale()) else ""


def in_lang(title: str | None, lang: str | None) -> Markup:
    """A content title, marked with its own language when that is not the page's (screen readers then
    read it right, and a reader sees it is in another language)."""
    other = foreign_lang(lang)
    if not other:
        return escape(title or "")
    return Markup(f'<span lang="{escape(other)}">{escape(title or "")}</span>')  # as Markup.format, faster


def nav_items() -> list[tuple[str, str, bool]]:
    """The header's links for the signed-in person: (href, label, is this page)."""
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return []
    page = request._get_current_object()
    return _nav(frozenset(user.role_names), str(get_locale()), page.endpoint, page.script_root)


@lru_cache(maxsize=256)
def _nav(roles: frozenset[str], locale: str, endpoint: str | None, script_root: str) -> list[tuple[str, str, bool]]:
    """The links for one set of roles, language and page: pure data, worked out once per combination
    (ten url_for, ten role checks and ten translations on every page otherwise). The result is the
    same for everyone with those roles on that page; nothing about a person is kept here."""
    return [
        (url_for(target), str(label), endpoint == target)
        for target, label, needed in NAV
        if not needed or roles & {str(r) for r in needed}
    ]


LAYOUT_LINKS = {
    "home": ("main.index", {}),
    "favicon": ("main.favicon", {}),
    "pico": ("static", {"filename": "vendor/pico/pico.min.css"}),
    "css": ("static", {"filename": "css/app.css"}),
    "js": ("static", {"filename": "js/app.js"}),
    "language": ("auth.language", {}),
    "notifications": ("notify.index", {}),
    "password": ("auth.password", {}),
    "tokens": ("auth.tokens", {}),
    "email_choices": ("notify.preferences", {}),
    "logout": ("auth.logout", {}),
}


def page_url_for(endpoint: str, **values) -> str:
    """Flask's ``url_for`` for templates: during a request, and when nothing asks for more (no relative
    endpoint, no ``_external``/``_anchor``/``_method``, no URL defaults registered), straight to the
    request's URL adapter, which is what ``url_for`` ends with. A list page builds a link per row, and
    ``url_for``'s checks cost twice its building."""
    ctx = _cv_request.get(None)
    if ctx is None or endpoint[:1] == "." or ctx.app.url_default_functions or any(k[:1] == "_" for k in values):
        return url_for(endpoint, **values)
    return ctx.url_adapter.build(endpoint, values, force_external=False)


def layout_links() -> SimpleNamespace:
    """The layout's fixed links (stylesheets, the person's menu), as attributes (``links.css``: Jinja
    tries an attribute before a key, and a dict's missing attribute costs an exception each time): the
    same on every page (none outside a request, where no page is rendered)."""
    return _layout_links(request.script_root) if has_request_context() else SimpleNamespace()


@lru_cache(maxsize=16)
def _layout_links(script_root: str) -> SimpleNamespace:
    return SimpleNamespace(
        **{
            name: url_for(endpoint, **values, **_version(endpoint, values))
            for name, (endpoint, values) in LAYOUT_LINKS.items()
        }
    )


STATIC_MAX_AGE = 365 * 24 * 3600  # a versioned static file is kept by the browser for a year


def _version(endpoint: str, values: dict) -> dict[str, str]:
    """``{"v": …}`` for a static file: the start of its SHA-256, so its link changes whenever the file does
    and a browser may keep it (``cache_versioned_static``) instead of asking again on every page."""
    if endpoint != "static":
        return {}
    digest = hashlib.sha256((Path(current_app.static_folder) / values["filename"]).read_bytes())
    return {"v": digest.hexdigest()[:12]}


def cache_versioned_static(response):
    """A static file asked for by its versioned link may be kept for a year: the link names its content.
    Without the version (an old page, a link typed by hand) the browser still checks it each time."""
    if request.endpoint == "static" and request.args.get("v") and response.status_code in (200, 304):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = STATIC_MAX_AGE
        response.cache_control.immutable = True
    return response


@lru_cache(maxsize=16)
def _page_translations(translations):
    """``gettext`` and ``ngettext`` bound to one catalogue, made once per catalogue (they keep nothing
    else, so every page in that language uses the same two).

    Jinja's ``_()`` looks ``gettext`` up in the template's context first; Flask-Babel's own function
    (the fallback in the globals) finds the locale and the catalogue through the app context again on
    every call. These behave as Jinja's "new style" gettext does: the text is a format string, marked
    safe when autoescaping, ``num`` given to plurals."""

    @pass_context
    def gettext(context, string: str, /, **variables) -> str:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        if not variables and "%" not in text:
            return text  # what ``text % {}`` gives, without Markup's costly formatting
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, count: int, /, **variables) -> str:
        # positional-only, as in Jinja's: a template may pass ``num`` itself (a formatted number, say)
        variables.setdefault("num", count)
        text = translations.ungettext(singular, plural, count)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext, ngettext


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=64)
def _date_patterns(locale: Locale, fmt: str) -> tuple[str | None, object | None, object]:
    """What Babel's ``format_datetime`` and ``format_date`` look up and parse again on every call, for one
    locale and format: the pattern joining date and time (None for a pattern of one's own), the time's
    pattern and the date's, parsed."""
    if fmt in NAMED_FORMATS:
        joined = dates.get_datetime_format(fmt, locale=locale).replace("'", "")
        time_pattern = dates.parse_pattern(dates.get_time_format(fmt, locale=locale))
        return joined, time_pattern, dates.parse_pattern(dates.get_date_format(fmt, locale=locale))
    return None, None, dates.parse_pattern(fmt)


def local_dt(value: datetime | None, fmt: str = "medium") -> str:
    """A UTC timestamp from the database shown in the display time zone, as Babel's ``format_datetime``
    writes it in the page's locale (its patterns parsed once per locale and format)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    shown = value.astimezone(_zone(current_app.config["DISPLAY_TIMEZONE"]))
    locale = get_locale()
    joined, time_pattern, date_pattern = _date_patterns(locale, fmt)
    if joined is None:
        return date_pattern.apply(shown, locale)
    time_text = time_pattern.apply(shown.timetz(), locale, reference_date=shown.date())
    return joined.replace("{0}", time_text).replace("{1}", date_pattern.apply(shown, locale))


def local_date(value: date | str | None, fmt: str = "medium") -> str:
    """A calendar date (a due date, a visit window) the reader's way: Dec 7, 2026 / 7 дек. 2026 г."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    elif isinstance(value, datetime):
        value = value.date()
    locale = get_locale()
    return _date_patterns(locale, fmt)[2].apply(value, locale)


# Parsed once: Babel's format_percent and format_decimal parse their pattern again on every call, and a
# report page shows dozens of figures.
PERCENT = parse_pattern("#,##0.0%")
DECIMAL = parse_pattern("#,##0.0")
NOISE = Decimal("1e-9")
TENTH = Decimal("0.1")


def tenths(value: float) -> Decimal:
    """A figure to one decimal, halves away from zero (6.25 → 6.3) as people and spreadsheets round it,
    not to the even neighbour as Python and Babel do. The float noise of the division behind a figure
    (81.24999999999999 for an exact 81.25) is taken off first, so a half stays a half."""
    return Decimal(repr(float(value))).quantize(NOISE, ROUND_HALF_EVEN).quantize(TENTH, ROUND_HALF_UP)


def round1(value: float | None) -> float | None:
    """:func:`tenths` as a number, for exports and charts; None stays None."""
    return None if value is None else float(tenths(value))


def pct(value: float | None) -> str:
    """A percent (0-100) with one decimal, written the reader's way: 85.5% in English, 85,5 % in Russian."""
    if value is None:
        return "—"
    return _written(float(value), get_locale(), True)


def num(value: float | None) -> str:
    """A number with one decimal in the reader's locale."""
    if value is None:
        return "—"
    return _written(float(value), get_locale(), False)


@lru_cache(maxsize=4096)
def _written(value: float, locale, percent: bool) -> str:
    """``value`` written by :func:`pct` or :func:`num`, once per value and language: a report page shows
    dozens of figures, mostly the same few, and Babel took longer to write one than the page its row."""
    return PERCENT.apply(tenths(value) / 100, locale) if percent else DECIMAL.apply(tenths(value), locale)


@pass_context
def _pct_filter(context, value: float | None) -> str:
    """:func:`pct` in a template, with the page's locale looked up once per rendering (``page_locale``)."""
    return "—" if value is None else _written(float(value), context.get("page_locale") or get_locale(), True)


@pass_context
def _num_filter(context, value: float | None) -> str:
    """:func:`num` in a template, with the page's locale looked up once per rendering (``page_locale``)."""
    return "—" if value is None else _written(float(value), context.get("page_locale") or get_locale(), False)


def register(app) -> None:
    app.jinja_env.filters["local_dt"] = local_dt
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["pct"] = _pct_filter
    app.jinja_env.filters["num"] = _num_filter
    app.jinja_env.filters["channel"] = channel_label
    app.jinja_env.filters["in_lang"] = in_lang
    app.jinja_env.globals["foreign_lang"] = foreign_lang
    app.jinja_env.globals["url_for"] = page_url_for
    app.after_request(cache_versioned_static)

    # The header's language switcher is written out in base.html rather than rendered by a form on
    # every page; /language validates what it posts with LanguageForm, which offers the same choices.
    languages = language_choices(app.config["LANGUAGES"])
    language_names = MappingProxyType(dict(languages))

    @app.context_processor
    def inject():
        gettext, ngettext = _page_translations(get_translations())
        locale = get_locale()
        return {
            "page_locale": locale,
            "gettext": gettext,
            "_": gettext,  # Jinja's own `_` calls `gettext` through a second context call
            "ngettext": ngettext,
            "nav_items": nav_items,
            "links": layout_links(),
            "languages": languages,
            "language_names": language_names,
            "current_lang": str(locale),
            "role_labels": ROLE_LABELS,
            "csrf_token": csrf_token,  # Flask-WTF's generate_csrf, cheaper (app/security.py)
        }
