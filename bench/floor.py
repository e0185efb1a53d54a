"""The floor under every page of the project, for the throughput and report benchmarks: the app as
shipped plus one page that shows nothing.

``/bench/empty`` goes through everything a real page of Rapport goes through — the session and the
signed-in person with their roles, the access rule, the header's navigation, unread count and
language switcher, the security headers — and renders the site's layout around an empty heading. No
page rendered afresh can be faster than this one, so its figure next to a reference's says how close
any rendered page could come to it. Served by the benchmarks only; the app that people use has no
such route.
"""

from __future__ import annotations

from flask import Flask, render_template

from app import create_app
from app.core.permissions import allow

PATH = "/bench/empty"
EMPTY_PAGE = (
    '{% extends "base.html" %}{% block title %}Rapport{% endblock %}{% block content %}<h1>Rapport</h1>{% endblock %}'
)


def with_empty_page(app: Flask) -> Flask:
    """``app`` with the empty page at :data:`PATH`, open to any signed-in person."""
    template = app.jinja_env.from_string(EMPTY_PAGE)  # compiled once, as the app's own templates are

    @allow()
    def empty():
        return render_template(template)

    app.add_url_rule(PATH, "bench_empty", empty)
    return app


def floor_app() -> Flask:
    """The app as ``wsgi.py`` makes it, with the empty page (gunicorn: ``'bench.floor:floor_app()'``)."""
    return with_empty_page(create_app())
