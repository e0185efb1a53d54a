"""One password rule wherever a password is set: at least 10 characters and not a common password."""

import pytest

from app.auth.services import make_reset_token
from app.core.errors import DomainError
from app.extensions import db
from app.people import services
from app.people.passwords import check_new_password, common_passwords
from demo.company import DEMO_PASSWORD
from tests.conftest import post_form

COMMON = "qwertyuiop"  # ten characters, and on every list of common passwords


def test_the_common_password_list_is_the_shipped_one():
    passwords = common_passwords()
    assert len(passwords) > 19_000
    assert {"password", "123456", COMMON, "1234567890"} <= passwords


@pytest.mark.parametrize("password", ["short", "nine-char", COMMON, "QwertyUiop", "PASSWORD123", "1234567890"])
def test_weak_passwords_are_refused(app, password):
    with pytest.raises(DomainError):
        check_new_password(password)


@pytest.mark.parametrize("password", [DEMO_PASSWORD, "secret-password-1", "длинный пароль"])
def test_good_passwords_are_accepted(app, password):
    check_new_password(password)


def test_messages_say_what_is_wrong(app):
    with pytest.raises(DomainError, match="at least 10 characters"):
        check_new_password("short")
    with pytest.raises(DomainError, match="most common"):
        check_new_password(COMMON)


def test_change_password_refuses_a_common_password(client, auth, make_user):
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    page = post_form(
        client,
        "/account/password",
        {"current_password": "secret-password-1", "new_password": COMMON, "confirm": COMMON},
    )
    assert page.status_code == 200
    assert "one of the most common" in page.get_data(as_text=True)
    auth.logout()
    assert auth.login("e@example.com", COMMON).status_code == 200
    assert auth.login("e@example.com", "secret-password-1").status_code == 302


def test_change_password_message_is_translated(client, auth, make_user):
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    page = post_form(
        client,
        "/account/password",
        {"current_password": "secret-password-1", "new_password": "short", "confirm": "short"},
        headers={"Accept-Language": "ru"},
    )
    assert "не короче 10 символов" in page.get_data(as_text=True)


def test_reset_refuses_a_common_password_and_the_link_stays_usable(client, auth, make_user):
    hr = make_user("hr", email="hr@example.com")
    person = make_user("employee", email="e@example.com", password=None)
    url = f"/reset/{make_reset_token(hr, person)}"
    db.session.commit()
    page = post_form(client, url, {"new_password": "1234567890", "confirm": "1234567890"})
    assert page.status_code == 200 and "one of the most common" in page.get_data(as_text=True)
    assert client.get(url).status_code == 200
    assert auth.login("e@example.com", "1234567890").status_code == 200


def test_creating_a_person_with_a_weak_password_is_refused(app):
    with pytest.raises(DomainError):
        services.create_user(None, "e@example.com", "Анна Петрова", None, ["employee"], password=COMMON)
    with pytest.raises(DomainError):
        services.create_user(None, "e@example.com", "Анна Петрова", None, ["employee"], password="short")


def test_the_service_refuses_what_the_form_would(app, make_user):
    user = make_user("employee", email="e@example.com")
    with pytest.raises(DomainError) as err:
        services.change_password(user, "secret-password-1", COMMON)
    assert err.value.field == "new_password"
    assert user.check_password("secret-password-1")


def test_production_hashes_passwords_with_full_cost_scrypt(app):
    """Tests hash at a lower cost (TestingConfig); production hashes with scrypt at full cost (werkzeug's
    N=2**15, r=8, p=1), set in its own class, so no environment variable changes it."""
    from app.config import ProductionConfig, TestingConfig
    from app.people.models import User

    assert vars(ProductionConfig)["PASSWORD_HASH_METHOD"] == "scrypt"  # its own, not read from the environment
    app.config["PASSWORD_HASH_METHOD"] = ProductionConfig.PASSWORD_HASH_METHOD
    user = User(email="p@example.com", name="Prod Person")
    user.set_password("secret-password-1")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert user.check_password("secret-password-1") and not user.check_password("secret-password-2")
    app.config["PASSWORD_HASH_METHOD"] = TestingConfig.PASSWORD_HASH_METHOD
    user.set_password("secret-password-1")
    assert user.password_hash.startswith("scrypt:1024:8:1$")
