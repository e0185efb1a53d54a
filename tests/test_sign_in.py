"""Sign-in: slowed down per address and per (account, address) pair, never locked per account; every attempt
audited with its address; the proxy's client address honoured only when configured."""

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from tests.conftest import AuthActions, csrf_from

OWNER, ATTACKER = "192.0.2.10", "203.0.113.66"


def browser(app, address: str, **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    return client


def attempt(client, email: str, password: str) -> int:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code


def limited_app(make_app, per_pair="3/minute", per_address="100/minute", **extra):
    return make_app(
        RATELIMIT_ENABLED=True,
        LOGIN_LIMIT_PER_ACCOUNT_ADDRESS=per_pair,
        LOGIN_LIMIT_PER_ADDRESS=per_address,
        **extra,
    )


def test_an_attacker_hammering_an_account_does_not_lock_its_owner_out(make_app, make_user):
    app = limited_app(make_app)
    with app.app_context():
        make_user("employee", email="e@example.com")
        attacker = browser(app, ATTACKER)
        codes = [attempt(attacker, "e@example.com", f"guess-number-{i}") for i in range(6)]
        assert codes[:3] == [200] * 3 and set(codes[3:]) == {429}
        # The right password from the attacker's address is slowed down like any other try from there ...
        assert attempt(attacker, "e@example.com", "secret-password-1") == 429
        # ... but the owner, at an address that has not been failing, signs in at once.
        owner = browser(app, OWNER)
        assert attempt(owner, "e@example.com", "secret-password-1") == 302
        assert owner.get("/dashboard/employee").status_code == 200


def test_one_address_failing_on_many_accounts_is_slowed_down_alone(make_app, make_user):
    app = limited_app(make_app, per_pair="100/minute", per_address="4/minute")
    with app.app_context():
        make_user("employee", email="e@example.com")
        attacker = browser(app, ATTACKER)
        codes = [attempt(attacker, f"u{i}@example.com", "password-guess") for i in range(6)]
        assert codes[:4] == [200] * 4 and codes[4:] == [429, 429]
        assert attempt(browser(app, OWNER), "e@example.com", "secret-password-1") == 302


def test_successful_sign_ins_do_not_count_against_the_limits(make_app, make_user):
    app = limited_app(make_app, per_pair="2/minute", per_address="2/minute")
    with app.app_context():
        make_user("employee", email="e@example.com")
        for _ in range(4):  # a shared office address where people sign in all morning
            client = browser(app, OWNER)
            assert attempt(client, "e@example.com", "secret-password-1") == 302


def test_a_forged_forwarded_for_header_is_ignored_without_a_configured_proxy(make_app, make_user):
    app = limited_app(make_app, per_pair="100/minute", per_address="3/minute")
    with app.app_context():
        codes = []
        for i in range(5):
            client = browser(app, ATTACKER, x_forwarded_for=f"198.51.100.{i}")
            codes.append(attempt(client, f"u{i}@example.com", "password-guess"))
        assert codes == [200, 200, 200, 429, 429]
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).first()
        assert entry.after["address"] == ATTACKER


def test_the_forwarded_client_address_is_used_behind_a_configured_proxy(make_app, make_user):
    app = limited_app(make_app, per_pair="100/minute", per_address="3/minute", PROXY_FIX_X_FOR=1)
    with app.app_context():
        make_user("employee", email="e@example.com")
        proxy = "10.0.0.2"
        codes = [attempt(browser(app, proxy, x_forwarded_for=ATTACKER), "x@example.com", "guess-1") for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        # Another client behind the same proxy is not slowed down by the attacker's failures.
        assert attempt(browser(app, proxy, x_forwarded_for=OWNER), "e@example.com", "secret-password-1") == 302
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login")).one()
        assert entry.after == {"address": OWNER}


def test_sign_ins_and_failures_are_audited_with_their_address(app, client, make_user):
    user = make_user("employee", email="e@example.com")
    client.environ_base["REMOTE_ADDR"] = OWNER
    auth = AuthActions(client)
    assert auth.login("E@example.com", "not-the-password").status_code == 200
    assert auth.login("nobody@example.com", "not-the-password").status_code == 200
    assert auth.login("e@example.com").status_code == 302
    auth.logout()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    logged = [(e.action, e.actor_id, e.object_id, e.after) for e in entries if e.action.startswith("auth.")]
    assert logged == [
        ("auth.login_failed", None, str(user.id), {"email": "e@example.com", "address": OWNER}),
        ("auth.login_failed", None, None, {"email": "nobody@example.com", "address": OWNER}),
        ("auth.login", user.id, str(user.id), {"address": OWNER}),
        ("auth.logout", user.id, str(user.id), None),
    ]


def test_a_deactivated_persons_right_password_is_audited_as_a_failure(app, client, make_user):
    user = make_user("employee", email="gone@example.com", active=False)
    assert AuthActions(client).login("gone@example.com").status_code == 200
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))).all()
    assert "auth.login_failed" in actions and "auth.login" not in actions


def test_a_very_long_typed_email_is_cut_in_the_audit_log(app, client):
    AuthActions(client).login("x" * 5000 + "@example.com", "not-the-password")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).one()
    assert len(entry.after["email"]) == 254
