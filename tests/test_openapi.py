"""The OpenAPI description stays true: every API route is described, responses have the described fields."""

import re

from app.api.docs import spec


def test_every_api_route_is_described(app):
    paths = spec()["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: "{" + ("id" if m.group(1) == "card_id" else m.group(1)) + "}",
            rule.rule[len("/api/v1") :],
        )
        assert path in paths, f"{rule.rule} is not in the OpenAPI document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], f"{method} {rule.rule} is not described"


def test_openapi_is_served_without_a_token(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.get_json()["openapi"].startswith("3.")


def _check(schema: dict, value, where="$"):
    types = schema.get("type")
    if types:
        allowed = types if isinstance(types, list) else [types]
        kinds = {
            "object": dict,
            "array": list,
            "string": str,
            "integer": int,
            "number": (int, float),
            "boolean": bool,
            "null": type(None),
        }
        assert any(
            isinstance(value, kinds[t]) and not (t in ("integer", "number") and isinstance(value, bool))
            for t in allowed
        ), f"{where}: {value!r} is not {allowed}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                _check(sub, value[key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _check(schema["items"], item, f"{where}[{i}]")


def test_responses_match_the_schemas(client, runner, make_user):
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from app.api.auth import create_token
    from app.extensions import db
    from app.people import services as people

    runner.invoke(args=["content", "import", str(Path(__file__).parent / "samples" / "valid")])
    people.create_department(None, "Отделение", None)
    hr = make_user("hr", email="hr@example.com")
    shopper = make_user("shopper", email="shop@example.com")
    token = create_token(hr, "t")[1]
    shopper_token = create_token(shopper, "t")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    paths = spec()["paths"]

    def schema(path, method, code):
        return paths[path][method]["responses"][code]["content"]["application/json"]["schema"]

    body = {
        "checklist": "branch-visit",
        "department": "Отделение",
        "employee": None,
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "answers": {k: "yes" for k in ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]},
    }
    r = client.post("/api/v1/scorecards", json=body, headers=headers)
    _check(schema("/scorecards", "post", "201"), r.get_json())
    own_card_id = r.get_json()["id"]
    r = client.post(f"/api/v1/scorecards/{own_card_id}/review", json={"decision": "approve"}, headers=headers)
    assert r.status_code == 403  # four eyes: HR does not approve the card HR submitted
    _check(schema("/scorecards/{id}/review", "post", "403"), r.get_json())
    r = client.post("/api/v1/scorecards", json=body, headers={"Authorization": f"Bearer {shopper_token}"})
    card_id = r.get_json()["id"]
    bad = client.post("/api/v1/scorecards", json={}, headers=headers)
    _check(schema("/scorecards", "post", "422"), bad.get_json())
    _check(
        schema("/scorecards/{id}", "get", "200"),
        client.get(f"/api/v1/scorecards/{card_id}", headers=headers).get_json(),
    )
    r = client.post(f"/api/v1/scorecards/{card_id}/review", json={"decision": "approve"}, headers=headers)
    _check(schema("/scorecards/{id}/review", "post", "200"), r.get_json())
    r = client.post(f"/api/v1/scorecards/{card_id}/review", json={"decision": "approve"}, headers=headers)
    assert r.status_code == 409 and r.get_json()["status"] == "approved"
    _check(schema("/scorecards/{id}/review", "post", "409"), r.get_json())
    _check(
        schema("/reports/departments", "get", "200"),
        client.get("/api/v1/reports/departments", headers=headers).get_json(),
    )
    _check(
        schema("/reports/employees/{email}", "get", "200"),
        client.get("/api/v1/reports/employees/hr@example.com", headers=headers).get_json(),
    )
    _check(schema("/xapi/statements", "get", "200"), client.get("/api/v1/xapi/statements", headers=headers).get_json())
    _check(schema("/scorecards", "post", "401"), client.post("/api/v1/scorecards", json=body).get_json())
