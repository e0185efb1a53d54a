import pytest
from sqlalchemy import select

from app.auth.services import make_reset_token
from app.core.audit import AuditEntry
from app.extensions import db
from tests.conftest import csrf_from, post_form


@pytest.mark.parametrize(
    "role, landing",
    [
        ("employee", "/dashboard/employee"),
        ("trainer", "/dashboard/trainer"),
        ("shopper", "/dashboard/shopper"),
        ("hr", "/dashboard/hr"),
        ("admin", "/dashboard/admin"),
    ],
)
def test_each_role_lands_on_its_dashboard(client, auth, make_user, role, landing):
    make_user(role, email=f"{role}@example.com")
    response = auth.login(f"{role}@example.com")
    assert response.status_code == 302
    response = client.get(response.headers["Location"])
    assert response.status_code == 302 and response.headers["Location"] == landing
    page = client.get(landing)
    assert page.status_code == 200


def test_person_with_several_roles_can_open_each_dashboard(client, auth, make_user):
    make_user("employee", "shopper", email="two@example.com")
    auth.login("two@example.com")
    assert client.get("/dashboard").headers["Location"] == "/dashboard/shopper"
    assert client.get("/dashboard/employee").status_code == 200
    assert client.get("/dashboard/hr").status_code == 403


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user("hr", email="hr@example.com")
    response = client.post("/login", data={"email": "hr@example.com", "password": "secret-password-1"})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302  # still signed out


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, make_user):
    make_user("hr", email="hr@example.com")
    wrong = auth.login("hr@example.com", "not-the-password")
    unknown = auth.login("nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert "Wrong email or password" in wrong.get_data(as_text=True)
    assert "Wrong email or password" in unknown.get_data(as_text=True)


def test_email_is_matched_case_insensitively(client, auth, make_user):
    make_user("employee", email="anna@example.com")
    assert auth.login("  Anna@Example.COM ").status_code == 302


def test_deactivated_person_cannot_sign_in(client, auth, make_user):
    make_user("employee", email="gone@example.com", active=False)
    response = auth.login("gone@example.com")
    assert response.status_code == 200
    assert client.get("/dashboard").status_code == 302


def test_open_redirect_after_login_is_ignored(client, make_user):
    make_user("employee", email="e@example.com")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": "e@example.com", "password": "secret-password-1", "csrf_token": token, "next": "//evil.com/x"},
    )
    assert response.headers["Location"] == "/dashboard"


def test_next_is_followed_for_local_paths(client, make_user):
    make_user("hr", email="hr@example.com")
    assert client.get("/people").headers["Location"].startswith("/login?next=/people")
    token = csrf_from(client.get("/login?next=/people").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": "hr@example.com", "password": "secret-password-1", "csrf_token": token, "next": "/people"},
    )
    assert response.headers["Location"] == "/people"


def test_logout_ends_the_session(client, auth, make_user):
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    assert auth.logout().status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_change_password(client, auth, make_user):
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    bad = post_form(
        client,
        "/account/password",
        {"current_password": "wrong", "new_password": "a-new-password-2", "confirm": "a-new-password-2"},
    )
    assert "The current password is not right" in bad.get_data(as_text=True)
    short = post_form(
        client,
        "/account/password",
        {"current_password": "secret-password-1", "new_password": "short", "confirm": "short"},
    )
    assert short.status_code == 200
    ok = post_form(
        client,
        "/account/password",
        {"current_password": "secret-password-1", "new_password": "a-new-password-2", "confirm": "a-new-password-2"},
    )
    assert ok.status_code == 302
    auth.logout()
    assert auth.login("e@example.com", "secret-password-1").status_code == 200
    assert auth.login("e@example.com", "a-new-password-2").status_code == 302


def test_reset_link_works_once(client, auth, make_user, app):
    hr = make_user("hr", email="hr@example.com")
    person = make_user("employee", email="e@example.com", password=None)
    token = make_reset_token(hr, person)
    db.session.commit()
    url = f"/reset/{token}"
    assert client.get(url).status_code == 200
    response = post_form(client, url, {"new_password": "fresh-password-9", "confirm": "fresh-password-9"})
    assert response.status_code == 302
    assert client.get(url).status_code == 400  # spent
    assert auth.login("e@example.com", "fresh-password-9").status_code == 302
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "user.reset_link" in actions and "user.password_reset" in actions


def test_tampered_reset_link_is_refused(client):
    assert client.get("/reset/not-a-token").status_code == 400


def test_language_follows_browser_then_choice(client, auth, make_user):
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert "Войти" in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "en-US"})
    assert "Sign in" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    client.post("/language", data={"lang": "ru", "next": "/login", "csrf_token": token})
    page = client.get("/login", headers={"Accept-Language": "en-US"})
    assert "Войти" in page.get_data(as_text=True)


def test_language_choice_is_kept_on_the_account(client, auth, make_user):
    user = make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    post_form(client, "/language", {"lang": "ru", "next": "/dashboard"}, page_url="/dashboard/employee")
    db.session.refresh(user)
    assert user.locale == "ru"


def test_sign_in_is_throttled_per_account_and_address(make_app, make_user):
    app = make_app(
        RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT_ADDRESS="3/minute", LOGIN_LIMIT_PER_ADDRESS="100/minute"
    )
    with app.app_context():
        make_user("employee", email="e@example.com")
        client = app.test_client()
        for _ in range(3):
            token = csrf_from(client.get("/login").get_data(as_text=True))
            r = client.post("/login", data={"email": "e@example.com", "password": "bad", "csrf_token": token})
            assert r.status_code == 200
        token = csrf_from(client.get("/login").get_data(as_text=True))
        r = client.post("/login", data={"email": "e@example.com", "password": "secret-password-1", "csrf_token": token})
        assert r.status_code == 429
        # Another account from the same address is not blocked by this one's failures.
        make_user("employee", email="other@example.com")
        r = client.post(
            "/login", data={"email": "other@example.com", "password": "secret-password-1", "csrf_token": token}
        )
        assert r.status_code == 302


def test_sign_in_is_throttled_per_address(make_app, make_user):
    app = make_app(
        RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT_ADDRESS="100/minute", LOGIN_LIMIT_PER_ADDRESS="4/minute"
    )
    with app.app_context():
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        codes = [
            client.post("/login", data={"email": f"u{i}@example.com", "password": "x", "csrf_token": token}).status_code
            for i in range(6)
        ]
        assert codes[:4] == [200] * 4 and codes[4:] == [429, 429]
