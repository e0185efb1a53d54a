"""Every route × every role: a route without a declared, expected access rule fails here."""

import pytest
from flask import url_for

from app import create_app
from app.config import TestingConfig

ANON = "anonymous"
ROLES = [ANON, "employee", "trainer", "shopper", "hr", "admin"]
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {ANON}
MANAGERS = {"hr", "admin"}

# endpoint -> who may use it. Add a line here for every new route.
EXPECTED = {
    "main.index": EVERYONE,
    "main.healthz": EVERYONE,
    "auth.login": EVERYONE,
    "auth.reset": EVERYONE,
    "auth.language": EVERYONE,
    "auth.logout": SIGNED_IN,
    "auth.password": SIGNED_IN,
    "main.dashboard": SIGNED_IN,
    "main.role_dashboard": SIGNED_IN,
    "people.departments": MANAGERS,
    "people.department_new": MANAGERS,
    "people.department_edit": MANAGERS,
    "people.department_archive": MANAGERS,
    "people.people": MANAGERS,
    "people.person_new": MANAGERS,
    "people.person_edit": MANAGERS,
    "people.person_toggle_active": MANAGERS,
    "people.person_reset_link": MANAGERS,
    "people.person_sign_out": MANAGERS,
    "people.people_import": MANAGERS,
    "people.people_import_confirm": MANAGERS,
    "people.people_export": MANAGERS,
    "audit.log": MANAGERS,
    "learning.catalogue": SIGNED_IN,
    "learning.course": SIGNED_IN,
    "learning.case": SIGNED_IN,
    "learning.case_read": SIGNED_IN,
    "learning.quiz": SIGNED_IN,
    "learning.quiz_start": SIGNED_IN,
    "learning.attempt": SIGNED_IN,
    "learning.attempt_answer": SIGNED_IN,
    "learning.result": SIGNED_IN,
    "learning.my_learning": SIGNED_IN,
    "learning.assignments": {"trainer", "hr", "admin"},
    "learning.quiz_stats": {"trainer", "hr", "admin"},
    "auth.tokens": SIGNED_IN,
    "shopping.my_visits": {"shopper"},
    "shopping.claim": {"shopper"},
    "shopping.card_form": {"shopper"},
    "shopping.autosave": {"shopper"},
    "shopping.visit_autosave": {"shopper"},
    "shopping.visit_evidence": {"shopper"},
    "shopping.upload_evidence": {"shopper"},
    "shopping.evidence_file": {"shopper", "hr", "admin"},
    "shopping.remove_evidence": {"shopper"},
    "shopping.visits": MANAGERS,
    "shopping.review_queue": MANAGERS,
    "shopping.review": MANAGERS,
    "shopping.disputes": MANAGERS,
    "shopping.settle": MANAGERS,
    "shopping.my_results": SIGNED_IN,
    "shopping.my_result": SIGNED_IN,
    # The API answers 401 without a bearer token; its roles are tested in test_shop_api.py.
    "api.submit_scorecard": {"shopper", "hr", "admin"},
    "api.review_scorecard": MANAGERS,
    "api.get_scorecard": SIGNED_IN,
    "api.report_departments": MANAGERS,
    "api.report_employee": SIGNED_IN,
    "api.xapi_statements": MANAGERS,
    "api.openapi": EVERYONE,
    "reports.departments": MANAGERS,
    "reports.department": MANAGERS,
    "reports.employee": MANAGERS,
    "authoring.index": {"trainer", "admin"},
    "authoring.new": {"trainer", "admin"},
    "authoring.gift_upload": {"trainer", "admin"},
    "authoring.edit": {"trainer", "admin"},
    "authoring.check": {"trainer", "admin"},
    "authoring.history": {"trainer", "admin"},
    "authoring.restore": {"trainer", "admin"},
    "authoring.export_zip": {"trainer", "admin"},
    "notify.index": SIGNED_IN,
    "notify.read": SIGNED_IN,
    "notify.read_all": SIGNED_IN,
    "notify.preferences": SIGNED_IN,
    "notify.outbox": {"admin"},
    "notify.outbox_message": {"admin"},
}


def _rules():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


RULES = _rules()


def test_every_route_has_a_declared_rule_and_an_expectation():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for rule in RULES:
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "access_rule"), f"{rule.endpoint} has no @allow(...) rule"
        assert rule.endpoint in EXPECTED, f"{rule.endpoint} is missing from the access matrix test"


def test_a_route_without_a_rule_is_refused():
    app = create_app(
        {
            **{k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )

    @app.route("/forgotten")
    def forgotten():
        return "should never be served"

    assert app.test_client().get("/forgotten").status_code == 403


def _url(app, rule, role: str) -> str:
    # A role dashboard is only its holder's: ask each person for their own.
    values = {arg: ((role if role != ANON else "employee") if arg == "role" else 1) for arg in rule.arguments}
    values = {
        k: ("tok" if k == "token" else "x" if k == "slug" else "case" if k == "kind" else v) for k, v in values.items()
    }
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", [r for r in RULES if not r.endpoint.startswith("api.")], ids=lambda r: f"{r.endpoint}")
def test_role_access_matrix(app, client, auth, make_user, rule, role):
    if role != ANON:
        make_user(role, email=f"{role}@example.com")
        auth.login(f"{role}@example.com")
    method = "GET" if "GET" in rule.methods else "POST"
    url = _url(app, rule, role)
    response = client.open(url, method=method)
    allowed = role in EXPECTED[rule.endpoint]
    if allowed:
        assert response.status_code not in (401, 403), f"{role} refused at {url}"
        if role == ANON:
            assert "/login?next=" not in response.headers.get("Location", "")
    elif role == ANON:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403, f"{role} got {response.status_code} at {url}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", [r for r in RULES if r.endpoint.startswith("api.")], ids=lambda r: f"{r.endpoint}")
def test_api_role_matrix(app, client, make_user, rule, role):
    from app.api.auth import create_token
    from app.extensions import db

    headers = {}
    if role != ANON:
        user = make_user(role, email=f"{role}@example.com")
        headers["Authorization"] = "Bearer " + create_token(user, "t")[1]
        db.session.commit()
    method = "GET" if "GET" in rule.methods else "POST"
    response = client.open(_url(app, rule, role), method=method, headers=headers, json={} if method == "POST" else None)
    if role == ANON and ANON not in EXPECTED[rule.endpoint]:
        assert response.status_code == 401
    elif role in EXPECTED[rule.endpoint]:
        assert response.status_code not in (401, 403)
    else:
        assert response.status_code == 403
