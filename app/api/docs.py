"""The OpenAPI document, generated from the routes and their declared schemas (app.api.schemas).

Each API view is declared with :func:`operation`, which registers the Flask route and records what the
view takes (body, query, headers) and answers (a model per status code). :func:`spec` assembles
openapi.json from those records and the models' JSON Schema (pydantic), written plainly: references
inlined, ``anyOf [T, null]`` as ``type: [T, "null"]``. In testing, every JSON answer of a view is also
checked against the model declared for its status code, so the document cannot drift from the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app
from pydantic import BaseModel, ValidationError

from app.api import bp
from app.api.schemas import Error

PATH_NAMES = {"card_id": "id"}  # the names v1 published for path parameters
CONVERTERS = {"int": {"type": "integer"}}
JSON = "application/json"


class AnswerMismatch(AssertionError):
    """A view answered with a body its declared model does not describe (raised in testing only)."""


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    answers: dict[int, tuple[str, type[BaseModel] | None]]
    errors: tuple[int, ...] = ()
    description: str | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    public: bool = False
    endpoint: str = field(default="")

    def model_for(self, status: int) -> type[BaseModel] | None:
        if status in self.answers:
            return self.answers[status][1]
        return Error if status in self.errors else None

    def check(self, response) -> None:
        model = self.model_for(response.status_code)
        if model is None or not response.is_json:
            return
        try:
            model.model_validate(response.get_json(), strict=True)
        except ValidationError as err:
            raise AnswerMismatch(f"{self.method} {self.rule} {response.status_code}: {err}") from None


OPERATIONS: list[Operation] = []


def operation(rule: str, method: str, **declared):
    """Register an API view at ``rule`` for ``method`` and describe it (see :class:`Operation`)."""

    def decorate(view):
        op = Operation(rule, method, endpoint=view.__name__, **declared)
        OPERATIONS.append(op)

        @wraps(view)
        def checked(*args, **kwargs):
            response = current_app.make_response(view(*args, **kwargs))
            if current_app.config.get("API_CHECK_ANSWERS", current_app.testing):
                op.check(response)
            return response

        bp.route(rule, methods=[method])(checked)
        return checked

    return decorate


# ---------------------------------------------------------------- the document
def plain(node, defs: dict):
    """A pydantic JSON Schema written plainly: no titles, no null defaults, references inlined."""
    if isinstance(node, list):
        return [plain(n, defs) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return plain(defs[node["$ref"].rsplit("/", 1)[1]], defs)
    out = {}
    for key, value in node.items():
        if key in ("title", "$defs") or (key == "default" and value is None):
            continue
        if key == "properties":
            out[key] = {name: plain(sub, defs) for name, sub in value.items()}
        else:
            out[key] = plain(value, defs)
    return nullable(out)


def nullable(node: dict) -> dict:
    """``anyOf: [{type: T, ...}, {type: null}]`` as ``{type: [T, null], ...}``."""
    options = node.get("anyOf")
    if not options or len(options) != 2 or {"type": "null"} not in options:
        return node
    other = next(o for o in options if o != {"type": "null"})
    if not isinstance(other.get("type"), str):
        return node
    merged = {**other, "type": [other["type"], "null"]}
    if "enum" in other:
        merged["enum"] = [*other["enum"], None]
    return {**merged, **{k: v for k, v in node.items() if k != "anyOf"}}


def schema_of(model: type[BaseModel]) -> dict:
    raw = model.model_json_schema(by_alias=True)
    return plain(raw, raw.get("$defs", {}))


def _json(model: type[BaseModel]) -> dict:
    return {"content": {JSON: {"schema": schema_of(model)}}}


def path_of(rule: str) -> tuple[str, list[dict]]:
    """'/scorecards/<int:card_id>' as ('/scorecards/{id}', [its path parameter])."""
    params = []

    def name(match: re.Match) -> str:
        converter, raw = match.group(1), match.group(2)
        public = PATH_NAMES.get(raw, raw)
        schema = CONVERTERS.get(converter or "", {"type": "string"})
        params.append({"name": public, "in": "path", "required": True, "schema": schema})
        return "{" + public + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", name, rule), params


def _parameters(model: type[BaseModel] | None, where: str) -> list[dict]:
    if model is None:
        return []
    schema = schema_of(model)
    required = set(schema.get("required", []))
    params = []
    for name, sub in schema.get("properties", {}).items():
        param = {"name": name, "in": where, "schema": sub}
        if name in required:
            param["required"] = True
        params.append(param)
    return params


def describe(op: Operation) -> dict:
    """The OpenAPI operation object of one view."""
    _, params = path_of(op.rule)
    params += _parameters(op.query, "query") + _parameters(op.headers, "header")
    out: dict = {"summary": op.summary}
    if op.description:
        out["description"] = op.description
    if op.public:
        out["security"] = []
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, **_json(op.body)}
    responses = {}
    for status, (text, model) in op.answers.items():
        responses[str(status)] = {"description": text, **(_json(model) if model else {})}
    for status in op.errors:
        responses[str(status)] = {"description": "error", **_json(Error)}
    out["responses"] = responses
    return out


def spec(server: str = "") -> dict:
    """The OpenAPI document."""
    import app.api.calibrations  # noqa: F401
    import app.api.routes  # noqa: F401  (declares the operations)

    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path, _ = path_of(op.rule)
        paths.setdefault(path, {})[op.method.lower()] = describe(op)
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
        "paths": paths,
    }
