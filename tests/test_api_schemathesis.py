"""schemathesis against the JSON API, from the app's own openapi.json, in-process through WSGI.

Every operation gets valid and invalid requests (wrong types, missing fields, odd strings)
with an HR bearer token, against a site with content, departments, people and scorecards,
so the handlers get past their 404s. No request may get a 5xx answer; in testing, an
unhandled exception propagates and fails the test just the same.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from app.api.auth import create_token
from app.api.docs import spec
from app.content.loader import load_directory
from app.content.services import import_content
from app.extensions import db
from app.people import services as people
from app.shopping import services as shopping

SAMPLES = Path(__file__).parent / "samples"
EMAILS = ["hr@example.com", "anna@example.com", "shop@example.com", "HR@Example.com "]
CARDS = 4
# per operation and mode (7 operations, 2 modes); FUZZ_SCALE=10 searches ten times as long
EXAMPLES = 50 * int(os.environ.get("FUZZ_SCALE", "1"))


@pytest.fixture
def api_app(make_app):
    """A site with data to act on; no app context is left pushed, so each request gets its own, as in production."""
    app = make_app()
    with app.app_context():
        content = load_directory(str(SAMPLES / "valid"))
        assert content.ok, content.problems
        import_content(content)
        region = people.create_department(None, "Москва", None)
        branch = people.create_department(None, "Тверская", region)

        def user(email, role, department=None):
            return people.create_user(
                None, email, email.split("@")[0], department, [role], password="secret-password-1"
            )

        hr = user("hr@example.com", "hr")
        shopper = user("shop@example.com", "shopper")
        user("anna@example.com", "employee", branch)
        answers = {"greet-30s": "yes", "introduced": "no", "polite": "yes", "open-questions": "na", "paraphrased": "no"}
        for n in range(CARDS):
            payload = {
                "checklist": "branch-visit",
                "department": "Москва/Тверская",
                "employee": "anna@example.com",
                "visited_at": (datetime.now(UTC) - timedelta(hours=n + 1)).isoformat(),
                "answers": answers,
            }
            shopping.submit_from_api(shopper, payload, f"seed-{n}")
        app.config["FUZZ_TOKEN"] = create_token(hr, "schemathesis")[1]
        db.session.commit()
        db.session.remove()
    return app


def steer(case) -> None:
    """Point most generated ids and emails at records that exist, so requests reach the handlers' logic."""
    params = case.path_parameters or {}
    if isinstance(params.get("id"), int) and params["id"] % 3:
        params["id"] = params["id"] % (CARDS + 2)
    email = params.get("email")
    if isinstance(email, str) and len(email) % 2:
        params["email"] = EMAILS[len(email) % len(EMAILS)]


# Every operation with valid data, and with invalid data where it takes any input at all.
RUNS = [
    pytest.param(path, method, mode, id=f"{method.upper()} {path} {mode}")
    for path, methods in spec()["paths"].items()
    for method, operation in methods.items()
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or operation.get("parameters") or operation.get("requestBody")
]


@pytest.mark.parametrize(("path", "method", "mode"), RUNS)
def test_api_never_answers_5xx(api_app, path, method, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {api_app.config['FUZZ_TOKEN']}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        steer(case)
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    run()


# ---------------------------------------------------------------- what the fuzzing found, kept as plain cases
def test_inputs_that_used_to_answer_500(api_app):
    """Each of these raised (500 in production) on SQLite or on PostgreSQL before the fixes in app/api."""
    client = api_app.test_client()
    headers = {"Authorization": f"Bearer {api_app.config['FUZZ_TOKEN']}"}

    def post(path, body=None, data=None):
        return client.post(path, json=body, data=data, headers={**headers, "Content-Type": "application/json"})

    r = post("/api/v1/scorecards/1/review", {"decision": "reject", "note": [None]})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"note": "must be text"}
    assert post("/api/v1/scorecards/1/review", {"decision": "approve", "note": 5}).status_code == 422
    # NUL cannot be sent to PostgreSQL in a query parameter
    assert post("/api/v1/scorecards", {"checklist": "\x00", "department": "", "answers": {}}).status_code == 400
    assert post("/api/v1/scorecards", {"comments": {"a\x00": "x"}}).status_code == 400
    assert client.get("/api/v1/reports/employees/a%00b", headers=headers).status_code == 400
    r = client.post("/api/v1/scorecards", json={}, headers={**headers, "Idempotency-Key": "k\x00"})
    assert r.status_code == 400
    # ids past PostgreSQL's INTEGER
    assert client.get(f"/api/v1/scorecards/{2**31}", headers=headers).status_code == 404
    assert post(f"/api/v1/scorecards/{2**40}/review", {"decision": "approve"}).status_code == 404
    # JSON nested deeper than the parser's recursion limit
    assert post("/api/v1/scorecards", data='{"a": ' * 50_000 + "1" + "}" * 50_000).status_code == 400
    assert post("/api/v1/scorecards/1/review", data="[" * 50_000 + "]" * 50_000).status_code == 400
    # date-times and dates at the calendar's edges
    body = {
        "checklist": "branch-visit",
        "department": "Москва/Тверская",
        "visited_at": "0001-01-01T00:00:00+01:00",
        "answers": {},
    }
    r = post("/api/v1/scorecards", body)
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"visited_at": "out of range"}
    assert client.get("/api/v1/xapi/statements?since=0001-01-01T00:00:00%2B01:00", headers=headers).status_code == 400
    assert client.get("/api/v1/reports/departments?to=9999-12-31", headers=headers).status_code == 400
    assert client.get("/api/v1/reports/employees/hr@example.com?to=9999-12-31", headers=headers).status_code == 400
    # and the ordinary request still works
    assert client.get("/api/v1/scorecards/1", headers=headers).status_code == 200
