import pytest
from flask import make_response

from app import create_app
from app.core.permissions import allow
from tests.conftest import CSRF_RE


def test_security_headers_and_csp(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_a_views_own_policy_stands_and_every_header_is_sent_once(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)

    @allow(public=True)
    def strict():
        response = make_response("file")
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    app.add_url_rule("/strict-file", "strict_file", strict)
    r = app.test_client().get("/strict-file")
    assert r.headers.getlist("Content-Security-Policy") == ["default-src 'none'; sandbox"]
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"):
        assert len(r.headers.getlist(name)) == 1, name
    assert r.headers.getlist("Strict-Transport-Security") == ["max-age=31536000"]


def test_every_form_on_a_page_carries_the_one_token_and_it_signs_out(client, auth, make_user):
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    html = client.get("/account/password").get_data(as_text=True)  # the page's own form and the header's two
    tokens = [first or second for first, second in CSRF_RE.findall(html)]
    assert len(tokens) == 3 and len(set(tokens)) == 1
    assert client.post("/logout", data={"csrf_token": tokens[0][:-1]}).status_code == 400  # altered: refused
    answer = client.post("/logout", data={"csrf_token": tokens[0]})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert client.get("/account/password").status_code == 302  # signed out: sent to sign in


def test_pages_have_no_inline_scripts(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html and "onchange=" not in html


def test_session_cookie_flags(client, auth, make_user):
    make_user("employee", email="e@example.com")
    cookie = auth.login("e@example.com").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookie_is_secure_and_secret_is_required(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app({"SECRET_KEY": "from-env-" + "k" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY is too short"):
        create_app({"SECRET_KEY": "k" * 31, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY is too short"):
        create_app({"SECRET_KEY": "ключ" * 3, "SQLALCHEMY_DATABASE_URI": "sqlite://"})  # 12 letters, 24 bytes
    assert create_app({"SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    assert create_app({"SECRET_KEY": "ключ" * 4, "SQLALCHEMY_DATABASE_URI": "sqlite://"})  # 16 letters, 32 bytes


def test_a_short_secret_key_is_allowed_outside_production(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    assert create_app({"SECRET_KEY": "dev", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"] == "dev"


def test_demo_is_refused_in_production(make_app):
    app = make_app(ENV_NAME="production", SECRET_KEY="a-production-length-secret-key-0123456789")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1 and "production" in result.output


def test_error_pages_html_and_json(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "text/html" in r.content_type
    r = client.get("/api/no-such-thing")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == 404


def test_404_page_in_russian(client):
    r = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert "Такой страницы нет" in r.get_data(as_text=True)


def test_500_rolls_back_and_shows_a_page(make_app):
    from app.core.permissions import allow
    from app.extensions import db
    from app.people.models import Department

    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    @allow(public=True)
    def boom():
        db.session.add(Department(name="half-written"))
        db.session.flush()
        raise RuntimeError("boom")

    r = app.test_client().get("/boom")
    assert r.status_code == 500 and "Nothing was saved" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Department).count() == 0


def test_stylesheets_and_script_are_linked_by_content_and_kept_by_the_browser(client):
    import hashlib
    import re
    from pathlib import Path

    page = client.get("/login").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(links) == 3, links  # Pico, the site's stylesheet and its script
    static = Path(client.application.static_folder)
    for link in links:
        path, _, version = link.partition("?v=")
        assert version == hashlib.sha256((static / path.removeprefix("/static/")).read_bytes()).hexdigest()[:12]
        kept = client.get(link)
        assert kept.status_code == 200
        assert {"public", "immutable", "max-age=31536000"} <= set(kept.headers["Cache-Control"].split(", "))
        assert "no-cache" not in kept.headers["Cache-Control"]
        asked_again = client.get(path)  # without the version: checked with the server every time
        assert "no-cache" in asked_again.headers["Cache-Control"]
