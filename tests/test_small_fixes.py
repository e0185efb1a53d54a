"""Small things people notice (issue 22): the site's icon, form patterns browsers accept, dates written
the reader's way."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.content import services as content
from app.extensions import db
from app.learning import services as learning
from tests.conftest import post_form

TEMPLATES = Path(__file__).parent.parent / "app" / "templates"


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00" and b"PNG" in response.data[:40]  # an ICO holding a PNG
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in page


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to compile the patterns as browsers do")
def test_every_pattern_attribute_compiles_as_a_browser_compiles_it():
    """Browsers compile pattern="..." with the v flag, where a bare "-" in a class is a syntax error and
    the field then accepts anything."""
    patterns = sorted(
        {m for path in TEMPLATES.rglob("*.html") for m in re.findall(r'\spattern="([^"]*)"', path.read_text())}
    )
    assert patterns
    script = (
        "const bad = [];"
        "for (const p of JSON.parse(process.argv[1])) {"
        "  try { new RegExp('^(?:' + p + ')$', 'v'); } catch (e) { bad.push(p); }"
        "}"
        "console.log(JSON.stringify(bad));"
    )
    import json

    out = subprocess.run(["node", "-e", script, json.dumps(patterns)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_due_dates_are_written_in_the_readers_language(learner, client, make_user):
    due = date.today() + timedelta(days=10)
    learning.create_assignment(
        None, content.published("course", "complaint-handling").item, users=[learner], due_on=due
    )
    db.session.commit()
    english = client.get("/learn/my").get_data(as_text=True)
    assert due.isoformat() not in english
    assert f"{due.day}, {due.year}" in english  # "Dec 17, 2026"
    post_form(client, "/language", {"lang": "ru", "next": "/learn/my"}, page_url="/learn/my")
    russian = client.get("/learn/my").get_data(as_text=True)
    assert due.isoformat() not in russian and f"{due.day} " in russian and f"{due.year}\u202fг." in russian
    dashboard = client.get("/dashboard/employee").get_data(as_text=True)
    assert due.isoformat() not in dashboard and f"{due.year}\u202fг." in dashboard
