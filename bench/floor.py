"""The floor under every page of the project, for the throughput benchmark: the app as shipped plus one
page that shows nothing.

``/bench/empty`` goes through everything a real page of Rapport goes through — the session and the
signed-in person with their roles, the access rule, the header's navigation, unread count and
language form, the security headers — and renders the site's layout around an empty heading. No page
rendered afresh can be faster than this one, so its requests/s next to the reference's say how close
any rendered page could come to the target. Served by ``bench/throughput.py`` only; the app that
people use has no such route.
"""

from __future__ import annotations

from flask import render_template

from app import create_app
from app.core.permissions import allow

EMPTY_PAGE = (
    '{% extends "base.html" %}{% block title %}Rapport{% endblock %}{% block content %}<h1>Rapport</h1>{% endblock %}'
)


app = create_app()
template = app.jinja_env.from_string(EMPTY_PAGE)  # compiled once, as the app's own templates are


@allow()
def empty():
    return render_template(template)


app.add_url_rule("/bench/empty", "bench_empty", empty)
