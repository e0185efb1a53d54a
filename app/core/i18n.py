"""The page's language for Python code: ``gettext``, ``ngettext``, ``lazy_gettext`` and ``get_locale``.

They answer exactly as Flask-Babel's functions of the same names do, but find the catalogue in one
step. Flask-Babel looks the domain, the locale and the catalogue up through ``g`` again on every call
(six proxy lookups for one string); a notices page translates about ninety strings, a report page
hundreds. Here the catalogue is kept in the app context next to the locale Flask-Babel chose, and
used while that locale stands: ``force_locale`` (an email in the reader's language) and
``flask_babel.refresh`` replace the locale object, so the next call looks the catalogue up afresh.
"""

from __future__ import annotations

import flask_babel
from babel import Locale
from flask.globals import _cv_app
from flask_babel.speaklater import LazyString

_KEPT = "_rapport_translations"  # in g: (the locale object it was looked up for, the catalogue)


def _chosen_locale(ctx) -> Locale | None:
    state = ctx.g.__dict__.get("_flask_babel")
    return getattr(state, "babel_locale", None) if state is not None else None


def translations():
    """The page's catalogue (Flask-Babel's ``get_translations``), looked up once per locale in force."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return flask_babel.get_translations()
    kept = ctx.g.__dict__.get(_KEPT)
    if kept is not None and kept[0] is _chosen_locale(ctx) and kept[0] is not None:
        return kept[1]
    catalogue = flask_babel.get_translations()
    setattr(ctx.g, _KEPT, (flask_babel.get_locale(), catalogue))
    return catalogue


def get_locale() -> Locale | None:
    """Flask-Babel's ``get_locale``: the locale it chose for this request (or forced), None outside one."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        locale = _chosen_locale(ctx)
        if locale is not None:
            return locale
    return flask_babel.get_locale()


def gettext(string: str, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """A string translated when it is shown, in the language of the page showing it."""
    return LazyString(gettext, string, **variables)
