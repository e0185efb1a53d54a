"""Every form each demo role can reach, posted with hostile values in every field.

The crawl follows links from each role's dashboard, collects every POST form on the pages it
reaches, and sends each one again and again with one kind of bad value in all its visible fields:
empty, huge, HTML, a NUL byte, path traversal, a spreadsheet formula, wrong types, and for file
fields an HTML page named like a photo. Whatever the form, the answer must be a page or a
redirect, never a server error, and the HTML must never come back unescaped.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import quote_plus, urljoin, urlsplit

import pytest

from tests.conftest import crawl, csrf_from
from tests.helpers import demo_company

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "<script>alert('x')</script>"
HOSTILE = {
    "empty": "",
    "huge": "я" * 200_000,
    "html": f'"><img src=x onerror=alert(1)>{SCRIPT}',
    "nul": "a\x00b",
    "traversal": "../../../../etc/passwd",
    "formula": '=HYPERLINK("http://evil.example","x")',
    "number-ish": "-99999999999999999999999",
    "float": "1e309",
    "date-ish": "2026-02-31",
    "json": '{"$gt": ""}',
}
SKIP_ACTIONS = re.compile(r"/logout|/language")  # they end the session or only switch the interface language
FILE_PAYLOADS = [
    ("evil.jpg", b"<html><script>alert(1)</script></html>"),
    ("../../../app/static/x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64),
    ("", b""),
]


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "multipart": "multipart" in (a.get("enctype") or ""),
                "fields": [],
            }
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            self._form["fields"].append({"name": a["name"], "type": kind, "value": a.get("value") or ""})
            if tag == "select":
                self._select = a["name"]
        elif tag == "option" and self._select and self._form is not None:
            field = next(f for f in reversed(self._form["fields"]) if f["name"] == self._select)
            field.setdefault("options", []).append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _forms(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return [f for f in parser.forms if f["method"] == "post"]


def _payload(form: dict, value: str, file_payload) -> dict:
    data: dict = {}
    for field in form["fields"]:
        name, kind = field["name"], field["type"]
        if name == "csrf_token" or kind == "hidden":
            data[name] = field["value"]
        elif kind == "file":
            filename, content = file_payload
            data[name] = (BytesIO(content), filename)
        elif kind in ("submit", "button"):
            continue
        else:
            data[name] = value
    return data


@cache
def _quoted(text: str) -> str:
    """``text`` as the test client writes it in a URL-encoded body (Werkzeug's own quoting), once per
    text: the test client quoted the 200,000-letter value a byte at a time on every post."""
    return quote_plus(text, safe="!$'()*,/:;?@")


def _urlencoded(data: dict) -> str:
    """The URL-encoded body the test client would send for ``data`` (no file in it)."""
    return "&".join(f"{_quoted(name)}={_quoted(value)}" for name, value in data.items())


def _crawl(client, start: list[str], limit: int = 40) -> dict[str, tuple[str, dict]]:
    """URL shape -> (page url, form) for every POST form reachable from the start pages."""
    forms = {}
    for path, body in crawl(client, start, limit):
        for form in _forms(body):
            action = urljoin(path, form["action"] or path)
            key = re.sub(r"\d+", "N", urlsplit(action).path)
            if not SKIP_ACTIONS.search(action) and key not in forms:
                forms[key] = (path, {**form, "action": action})
    return forms


def _row_counts() -> dict[str, int]:
    from sqlalchemy import func, select

    from app.extensions import db

    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_a_form_body_is_written_as_the_test_client_writes_it():
    from werkzeug.test import EnvironBuilder

    for value in HOSTILE.values():
        data = {"csrf_token": "a.b-c", "name": value, "note": "x y&z=1"}
        expected = EnvironBuilder(method="POST", data=data).get_request().get_data()
        assert _urlencoded(data).encode("ascii") == expected


@pytest.fixture
def demo(runner):
    demo_company(runner)


@pytest.mark.parametrize("role", ["employee", "learner", "shopper", "trainer", "hr", "admin"])
def test_every_form_survives_hostile_values(demo, client, auth, make_user, role):
    start = ["/dashboard"]
    if role == "learner":  # someone new, with a case still to read and a quiz under way
        from sqlalchemy import select

        from app.extensions import db
        from app.people.models import User

        colleague = db.session.scalars(select(User).where(User.email == "employee@example.com")).one()
        make_user("employee", email="learner@example.com", department=colleague.department)
        auth.login("learner@example.com")
        page = client.get("/learn/quizzes/courier-no-call").get_data(as_text=True)
        started = client.post("/learn/quizzes/courier-no-call/start", data={"csrf_token": csrf_from(page)})
        attempt_url = urlsplit(started.headers["Location"]).path
        assert re.fullmatch(r"/learn/attempts/\d+", attempt_url)
        start += [attempt_url, "/learn/cases/courier-no-call"]
        for label, value in HOSTILE.items():  # the autosave the attempt page calls on every change
            for payload in ({"question": value, "response": [value]}, {"question": value, "response": value}, value):
                response = client.post(f"{attempt_url}/answer", json=payload, headers={"X-CSRFToken": csrf_from(page)})
                assert response.status_code < 500 and response.is_json, f"autosave {label}"
    else:
        auth.login(f"{role}@example.com", "rapport-demo")
    forms = _crawl(client, start)
    assert forms, f"{role} reaches no form"
    if role == "learner":
        assert {"/learn/attempts/N", "/learn/cases/courier-no-call/read"} <= set(forms), sorted(forms)
    for key, (page_url, form) in sorted(forms.items()):
        for label, value in HOSTILE.items():
            for file_payload in FILE_PAYLOADS if any(f["type"] == "file" for f in form["fields"]) else [None]:
                page = client.get(page_url, follow_redirects=True).get_data(as_text=True)
                fresh = next(
                    (f for f in _forms(page) if urljoin(page_url, f["action"] or page_url) == form["action"]), form
                )
                data = _payload(fresh, value, file_payload)
                if "csrf_token" not in data and "csrf_token" in page:
                    data["csrf_token"] = csrf_from(page)
                where = f"{role} {key} {label} {file_payload[0] if file_payload else ''}"
                typed = [f for f in fresh["fields"] if f["type"] not in ("hidden", "submit", "button", "file")]
                before = _row_counts() if label == "nul" and typed else None
                if form["multipart"] or file_payload:  # with a file the test client writes multipart
                    response = client.post(
                        form["action"],
                        data=data,
                        content_type="multipart/form-data" if form["multipart"] else None,
                    )
                else:
                    response = client.post(
                        form["action"], data=_urlencoded(data), content_type="application/x-www-form-urlencoded"
                    )
                assert response.status_code < 500, where
                body = response.get_data(as_text=True)
                assert SCRIPT not in body and "<img src=x" not in body, where
                if before is not None:  # refused outright: nothing at all was written
                    assert response.status_code == 400 and "NUL" in body, where
                    assert _row_counts() == before, where
    # still signed in and served after all of it
    response = client.get("/dashboard", follow_redirects=True)
    assert response.status_code == 200 and not response.request.path.startswith("/login"), role
