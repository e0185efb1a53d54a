"""The OpenAPI 3 description of the JSON API; tests keep it true to the routes and responses."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "fields": {"type": "object"}},
        },
        "status": {"type": "string", "description": "on a 409 from a state change: the object's status now"},
    },
}
SECTION = {
    "type": "object",
    "required": ["title", "percent"],
    "properties": {"title": {"type": "string"}, "percent": {"type": ["number", "null"]}},
}
SUBMIT_RESULT = {
    "type": "object",
    "required": ["id", "status", "total_percent", "passed", "critical_failed", "sections"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string"},
        "total_percent": {"type": ["number", "null"]},
        "passed": {"type": "boolean"},
        "critical_failed": {"type": "boolean"},
        "sections": {"type": "array", "items": SECTION},
    },
}
CARD = {
    "type": "object",
    "required": [
        "id",
        "status",
        "checklist",
        "department",
        "visited_at",
        "total_percent",
        "passed",
        "critical_failed",
        "sections",
        "answers",
    ],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string"},
        "checklist": {"type": "string"},
        "department": {"type": "string"},
        "visited_at": {"type": ["string", "null"]},
        "total_percent": {"type": ["number", "null"]},
        "passed": {"type": ["boolean", "null"]},
        "critical_failed": {"type": ["boolean", "null"]},
        "late": {"type": "boolean"},
        "sections": {"type": "array", "items": SECTION},
        "answers": {"type": "object"},
        "summary": {"type": ["string", "null"]},
        "shopper": {"type": "string", "description": "only for the shopper and HR: their email"},
        "employee": {
            "type": ["string", "null"],
            "description": "only for the shopper and HR: the email for HR, first name and initial for the shopper",
        },
    },
}
NUM = {"type": ["number", "null"]}
DEPARTMENT_ROW = {
    "type": "object",
    "required": [
        "id",
        "path",
        "parent_id",
        "employees",
        "shop_count",
        "shop_avg_percent",
        "shop_pass_rate",
        "critical_failures",
        "quiz_attempts",
        "quiz_avg_percent",
        "quiz_pass_rate",
        "assigned",
        "completed",
        "overdue",
        "completion_rate",
        "level",
    ],
    "properties": {
        "id": {"type": "integer"},
        "path": {"type": "string"},
        "parent_id": {"type": ["integer", "null"]},
        "employees": {"type": "integer"},
        "shop_count": {"type": "integer"},
        "shop_avg_percent": NUM,
        "shop_pass_rate": NUM,
        "critical_failures": {"type": "integer"},
        "quiz_attempts": {"type": "integer"},
        "quiz_avg_percent": NUM,
        "quiz_pass_rate": NUM,
        "assigned": {"type": "integer"},
        "completed": {"type": "integer"},
        "overdue": {"type": "integer"},
        "completion_rate": NUM,
        "level": {"type": ["string", "null"], "enum": ["zero", "formal", "functional", "culture", "full", None]},
    },
}
EMPLOYEE = {
    "type": "object",
    "required": ["email", "name", "department", "shop_count", "shop_avg_percent", "cards", "quizzes", "assignments"],
    "properties": {
        "email": {"type": "string"},
        "name": {"type": "string"},
        "department": {"type": ["string", "null"]},
        "shop_count": {"type": "integer"},
        "shop_avg_percent": {"type": ["number", "null"], "description": "null below the fairness minimum"},
        "cards": {"type": "array"},
        "quizzes": {"type": "array"},
        "open_disputes": {"type": "integer"},
        "assignments": {
            "type": "array",
            "items": {"type": "object", "required": ["course", "reason", "due", "status"]},
        },
    },
}
STATEMENTS = {
    "type": "object",
    "required": ["statements", "more"],
    "properties": {"statements": {"type": "array"}, "more": {"type": "boolean"}},
}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    return {str(c): {"description": "error", **_json(ERROR)} for c in codes}


def spec(server: str = "") -> dict:
    """The OpenAPI document."""
    date_params = [
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Rapport API",
            "version": "1.0.0",
            "description": "Mystery-shop scorecards, reports and learning records. "
            "Authenticate with 'Authorization: Bearer <token>'.",
        },
        "servers": [{"url": f"{server}/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/scorecards": {
                "post": {
                    "summary": "Submit a scorecard (shopper, hr, admin)",
                    "description": "Nobody scores the department they work in or head, themself, or a colleague "
                    "(422 'conflict of interest'). An employee who is unknown, inactive or outside the department "
                    "gets the one answer 'not an employee of that department'. The same Idempotency-Key with the "
                    "same body returns the first card (200); with a different body it is refused (422).",
                    "parameters": [
                        {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 100}}
                    ],
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["checklist", "department", "visited_at", "answers"],
                                "properties": {
                                    "checklist": {"type": "string"},
                                    "department": {"type": "string"},
                                    "employee": {"type": ["string", "null"]},
                                    "visited_at": {"type": "string", "format": "date-time"},
                                    "answers": {
                                        "type": "object",
                                        "additionalProperties": {"enum": ["yes", "no", "na"]},
                                    },
                                    "comments": {"type": "object", "additionalProperties": {"type": "string"}},
                                    "summary": {"type": "string"},
                                },
                            }
                        ),
                    },
                    "responses": {
                        "201": {"description": "created", **_json(SUBMIT_RESULT)},
                        "200": {"description": "repeat of an Idempotency-Key", **_json(SUBMIT_RESULT)},
                        **_errors(400, 401, 403, 409, 422),
                    },
                }
            },
            "/scorecards/{id}": {
                "get": {
                    "summary": "A scorecard: the shopper's own, the employee's own approved card (no shopper), or any for HR",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "the card", **_json(CARD)}, **_errors(401, 404)},
                }
            },
            "/scorecards/{id}/review": {
                "post": {
                    "summary": "Approve, return or reject a submitted card (hr, admin; never a card one submitted: 403); "
                    "a card already reviewed gives 409 with its status",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["decision"],
                                "properties": {
                                    "decision": {"enum": ["approve", "return", "reject"]},
                                    "note": {"type": "string"},
                                },
                            }
                        ),
                    },
                    "responses": {
                        "200": {"description": "the reviewed card", **_json(CARD)},
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                }
            },
            "/reports/departments": {
                "get": {
                    "summary": "One row per department over its subtree (hr, admin)",
                    "parameters": date_params
                    + [{"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}],
                    "responses": {
                        "200": {
                            "description": "report",
                            **_json(
                                {
                                    "type": "object",
                                    "required": ["departments"],
                                    "properties": {"departments": {"type": "array", "items": DEPARTMENT_ROW}},
                                }
                            ),
                        },
                        **_errors(400, 401, 403),
                    },
                }
            },
            "/reports/employees/{email}": {
                "get": {
                    "summary": "One person's report (hr, admin, or the person themself)",
                    "parameters": [{"name": "email", "in": "path", "required": True, "schema": {"type": "string"}}]
                    + date_params,
                    "responses": {"200": {"description": "report", **_json(EMPLOYEE)}, **_errors(400, 401, 404)},
                }
            },
            "/xapi/statements": {
                "get": {
                    "summary": "Learning events as xAPI statements (hr, admin)",
                    "parameters": [
                        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 5000}},
                    ],
                    "responses": {"200": {"description": "statements", **_json(STATEMENTS)}, **_errors(400, 401, 403)},
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3"}}}
            },
        },
    }
