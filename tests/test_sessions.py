"""Sessions and API tokens end when they should: a copied session cookie is useless after sign-out, a password
change or reset, deactivation or an administrator's "sign out everywhere"; tokens die with a password change
(unless kept), a reset and a deactivation, and reactivation brings nothing back."""

import re

from sqlalchemy import select

from app.api.auth import create_token
from app.auth.services import make_reset_token
from app.core.audit import AuditEntry
from app.extensions import db
from tests.conftest import AuthActions, post_form

PAGE = "/account/tokens"  # any signed-in person may open it
NEW_PASSWORD = "a-new-password-2"


def signed_in(app, email: str):
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    assert client.get(PAGE).status_code == 200
    return client


def replay(app, cookie: str):
    """A new browser holding a copy of someone's session cookie."""
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return thief


def cookie_of(app, client) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def refused(client) -> bool:
    response = client.get(PAGE)
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def actions() -> list[str]:
    return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_a_copied_cookie_works_until_sign_out_and_never_after(app, make_user):
    make_user("employee", email="e@example.com")
    browser = signed_in(app, "e@example.com")
    cookie = cookie_of(app, browser)
    assert not refused(replay(app, cookie))  # a copy is as good as the original while the session lasts
    AuthActions(browser).logout()
    assert refused(browser)
    assert refused(replay(app, cookie))
    assert "auth.logout" in actions()


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, make_user):
    make_user("employee", email="e@example.com")
    here, elsewhere = signed_in(app, "e@example.com"), signed_in(app, "e@example.com")
    old_cookie = cookie_of(app, here)
    response = post_form(
        here,
        "/account/password",
        {"current_password": "secret-password-1", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not refused(here)
    assert refused(elsewhere)
    assert refused(replay(app, old_cookie))  # the cookie from before the change is spent too


def test_a_reset_through_a_link_ends_every_session(app, make_user):
    hr = make_user("hr", email="hr@example.com")
    person = make_user("employee", email="e@example.com")
    browser = signed_in(app, "e@example.com")
    url = f"/reset/{make_reset_token(hr, person)}"
    db.session.commit()
    response = post_form(app.test_client(), url, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert refused(browser)


def test_deactivation_ends_every_session_and_reactivation_brings_none_back(app, make_user):
    make_user("admin", email="admin@example.com")
    person = make_user("employee", email="e@example.com")
    browser = signed_in(app, "e@example.com")
    cookie = cookie_of(app, browser)
    admin = signed_in(app, "admin@example.com")
    toggle = f"/people/{person.id}/active"
    edit = f"/people/{person.id}/edit"
    post_form(admin, toggle, {}, page_url=edit)
    assert refused(browser)
    post_form(admin, toggle, {}, page_url=edit)
    db.session.refresh(person)
    assert person.active
    assert refused(browser)
    assert refused(replay(app, cookie))
    assert AuthActions(app.test_client()).login("e@example.com").status_code == 302  # a new sign-in works


def test_a_session_of_a_deactivated_person_is_refused_however_they_were_deactivated(app, make_user):
    person = make_user("employee", email="e@example.com")
    browser = signed_in(app, "e@example.com")
    person.active = False  # past the services: the session version did not move
    db.session.commit()
    assert refused(browser)


def test_sign_out_everywhere(app, make_user):
    make_user("hr", email="hr@example.com")
    person = make_user("employee", email="e@example.com")
    phone, laptop = signed_in(app, "e@example.com"), signed_in(app, "e@example.com")
    hr = signed_in(app, "hr@example.com")
    edit = f"/people/{person.id}/edit"
    assert f'action="/people/{person.id}/sign-out"' in hr.get(edit).get_data(as_text=True)
    response = post_form(hr, f"/people/{person.id}/sign-out", {}, page_url=edit)
    assert response.status_code == 302
    assert refused(phone) and refused(laptop)
    assert hr.get("/people").status_code == 200  # the one who pressed the button stays signed in
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.sessions_ended")).one()
    assert entry.object_id == str(person.id)


def test_hr_cannot_sign_out_an_admin(app, make_user):
    make_user("hr", email="hr@example.com")
    boss = make_user("admin", email="admin@example.com")
    admin = signed_in(app, "admin@example.com")
    hr = signed_in(app, "hr@example.com")
    edit = f"/people/{boss.id}/edit"
    response = post_form(hr, f"/people/{boss.id}/sign-out", {}, page_url=edit, follow_redirects=True)
    assert "above what you may grant" in response.get_data(as_text=True)
    assert admin.get("/people").status_code == 200
    assert "user.sessions_ended" not in actions()


def test_a_session_id_without_a_version_is_refused(app, make_user):
    """A cookie signed before session versions existed (``_user_id`` = the bare id) is no longer accepted."""
    person = make_user("employee", email="e@example.com")
    browser = signed_in(app, "e@example.com")
    with browser.session_transaction() as sess:
        sess["_user_id"] = str(person.id)
    assert refused(browser)


# ---------------------------------------------------------------- API tokens
def _api_ok(app, plain: str) -> bool:
    response = app.test_client().get(
        "/api/v1/reports/employees/e@example.com", headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code in (200, 401)
    return response.status_code == 200


def _token_for(app, person) -> str:
    _token, plain = create_token(person, "script")
    db.session.commit()
    assert _api_ok(app, plain)
    return plain


def _change_password(client, keep: bool):
    data = {"current_password": "secret-password-1", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    if keep:
        data["keep_tokens"] = "y"
    response = post_form(client, "/account/password", data)
    assert response.status_code == 302


def test_a_password_change_revokes_api_tokens_by_default(app, make_user):
    person = make_user("employee", email="e@example.com")
    plain = _token_for(app, person)
    page = signed_in(app, "e@example.com").get("/account/password").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="keep_tokens"[^>]*>', page).group(0)
    assert "checked" not in checkbox  # revoking is the default
    _change_password(signed_in(app, "e@example.com"), keep=False)
    assert not _api_ok(app, plain)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.tokens_revoked")).one()
    assert entry.actor_id == person.id and entry.after == {"count": 1}


def test_a_password_change_keeps_api_tokens_when_asked(app, make_user):
    person = make_user("employee", email="e@example.com")
    plain = _token_for(app, person)
    _change_password(signed_in(app, "e@example.com"), keep=True)
    assert _api_ok(app, plain)
    assert "user.tokens_revoked" not in actions()


def test_a_reset_revokes_api_tokens(app, make_user):
    hr = make_user("hr", email="hr@example.com")
    person = make_user("employee", email="e@example.com")
    plain = _token_for(app, person)
    url = f"/reset/{make_reset_token(hr, person)}"
    db.session.commit()
    post_form(app.test_client(), url, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert not _api_ok(app, plain)


def test_api_tokens_do_not_come_back_with_reactivation(app, make_user):
    make_user("admin", email="admin@example.com")
    person = make_user("employee", email="e@example.com")
    plain = _token_for(app, person)
    admin = signed_in(app, "admin@example.com")
    toggle, edit = f"/people/{person.id}/active", f"/people/{person.id}/edit"
    post_form(admin, toggle, {}, page_url=edit)
    assert not _api_ok(app, plain)
    post_form(admin, toggle, {}, page_url=edit)
    db.session.refresh(person)
    assert person.active
    assert not _api_ok(app, plain)


def test_an_api_token_of_an_inactive_person_never_authenticates(app, make_user):
    person = make_user("employee", email="e@example.com")
    plain = _token_for(app, person)
    person.active = False  # past the services: the token itself was never revoked
    db.session.commit()
    assert not _api_ok(app, plain)


def test_signing_oneself_out_everywhere_keeps_this_session(app, make_user):
    me = make_user("admin", email="admin@example.com")
    here, elsewhere = signed_in(app, "admin@example.com"), signed_in(app, "admin@example.com")
    response = post_form(here, f"/people/{me.id}/sign-out", {}, page_url=f"/people/{me.id}/edit")
    assert response.status_code == 302
    assert not refused(here)
    assert refused(elsewhere)
