"""The API's declared schemas: openapi.json is generated from them and covers every route; each request
schema refuses a wrong type in the API's one error shape; answers are checked against their models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import jsonify

from app.api.auth import create_token
from app.api.docs import OPERATIONS, AnswerMismatch, spec
from app.extensions import db
from app.people import services as people
from tests.helpers import ALL_YES, card_body

SAMPLES = Path(__file__).parent / "samples"


def _documented_path(rule: str) -> str:
    """A Flask rule under /api/v1 as the document names it (v1 published card_id as id)."""
    return re.sub(
        r"<(?:\w+:)?(\w+)>",
        lambda m: "{" + ("id" if m.group(1) == "card_id" else m.group(1)) + "}",
        rule[len("/api/v1") :],
    )


def test_the_document_lists_exactly_the_api_routes(app):
    routes = {
        (_documented_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, methods in spec()["paths"].items() for method in methods}
    assert routes == documented
    assert len(routes) == 11


def test_the_document_is_generated_from_the_models(client):
    served = client.get("/api/v1/openapi.json").get_json()
    body = served["paths"]["/scorecards"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["checklist", "department", "visited_at", "answers"]
    assert body["additionalProperties"] is False  # unknown fields are refused, and the document says so
    assert body["properties"]["answers"]["additionalProperties"]["enum"] == ["yes", "no", "na"]
    assert body["properties"]["visited_at"] == {"type": "string", "format": "date-time"}
    assert "$ref" not in str(served) and "$defs" not in str(served) and "anyOf" not in str(served)
    row = served["paths"]["/reports/departments"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    level = row["properties"]["departments"]["items"]["properties"]["level"]
    assert level["type"] == ["string", "null"] and level["enum"][-1] is None
    assert served["servers"] == [{"url": "http://localhost/api/v1"}]


@pytest.fixture
def site(runner, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    region = people.create_department(None, "Москва", None)
    people.create_department(None, "Тверская", region)
    hr = make_user("hr", email="hr@example.com")
    shopper = make_user("shopper", email="shop@example.com")
    tokens = {"hr": create_token(hr, "t")[1], "shopper": create_token(shopper, "t")[1]}
    db.session.commit()
    return tokens


def _wrong_value(schema: dict):
    """A JSON value the property's schema does not allow."""
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    return "not this" if "string" not in types or "enum" in schema else 12345


def test_each_request_schema_refuses_a_wrong_type_in_the_one_error_shape(client, site):
    shopper = {"Authorization": f"Bearer {site['shopper']}"}
    hr = {"Authorization": f"Bearer {site['hr']}"}
    card_id = client.post("/api/v1/scorecards", json=card_body(employee=None), headers=shopper).get_json()["id"]
    exercise = {"checklist": "branch-visit", "title": "t", "scenario": "s", "reference": {"polite": "yes"}}
    calibration_id = client.post("/api/v1/calibrations", json=exercise, headers=hr).get_json()["id"]
    valid = {
        ("/scorecards", "post"): ("/api/v1/scorecards", card_body(employee=None), shopper),
        ("/scorecards/{id}/review", "post"): (f"/api/v1/scorecards/{card_id}/review", {"decision": "approve"}, hr),
        ("/calibrations", "post"): ("/api/v1/calibrations", exercise, hr),
        ("/calibrations/{calibration_id}/answers", "post"): (
            f"/api/v1/calibrations/{calibration_id}/answers",
            {"answers": {"polite": "yes"}},
            shopper,
        ),
    }
    paths = spec()["paths"]
    with_bodies = [(p, m) for p, methods in paths.items() for m, op in methods.items() if "requestBody" in op]
    assert sorted(with_bodies) == sorted(valid)  # a new body must be added here
    tried = 0
    for (path, method), (url, body, headers) in valid.items():
        schema = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        for name, prop in schema["properties"].items():
            r = client.post(url, json={**body, name: _wrong_value(prop)}, headers=headers)
            assert r.status_code == 422, (path, name, r.get_json())
            err = r.get_json()["error"]
            assert set(err) == {"code", "message", "fields"} and err["code"] == 422, err
            assert isinstance(err["message"], str) and err["message"], err
            assert name in err["fields"] and isinstance(err["fields"][name], str), (path, name, err)
            tried += 1
        r = client.post(url, json=[body], headers=headers)  # not an object at all
        assert 400 <= r.status_code < 500 and r.get_json()["error"]["code"] == r.status_code
    assert tried == 15
    # and nothing was changed by the refused requests: the card is still waiting for review
    assert client.get(f"/api/v1/scorecards/{card_id}", headers=hr).get_json()["status"] == "submitted"


def test_unknown_fields_and_bad_answers_are_named_as_before(client, site):
    headers = {"Authorization": f"Bearer {site['shopper']}"}
    body = {
        **card_body(employee=None),
        "answers": dict(ALL_YES, polite="maybe"),
        "colour": "red",
        "comments": {"polite": 5},
    }
    r = client.post("/api/v1/scorecards", json=body, headers=headers)
    assert r.status_code == 422
    assert r.get_json()["error"] == {
        "code": 422,
        "message": "The scorecard was not accepted.",
        "fields": {
            "answers.polite": "must be yes, no or na",
            "colour": "unknown field",
            "comments": "must be an object of item id to text",
        },
    }


def test_an_answer_unlike_its_model_is_caught_in_testing(app):
    op = next(o for o in OPERATIONS if o.rule == "/scorecards/<int:card_id>")
    with app.test_request_context():
        good = jsonify(error={"code": 404, "message": "No such scorecard.", "fields": {}})
        good.status_code = 404
        op.check(good)
        wrong = jsonify(id="7", status="approved")
        with pytest.raises(AnswerMismatch):
            op.check(wrong)
        no_message = jsonify(error={"code": 404, "fields": {}})
        no_message.status_code = 404
        with pytest.raises(AnswerMismatch):
            op.check(no_message)
