"""Declared schemas for JSON bodies (pydantic), and the one place that turns a schema's complaints into the
API's error shape: ``ValidationFailed(message, {field: message})``, answered as
``{"error": {"code", "message", "fields"}}``.

A field is named by its key (``visited_at``), or by key and entry for the fields listed in a model's
``entry_fields`` (``answers.polite``). Messages are short and English, as everywhere in the JSON API; a
model may word its own in ``messages`` (``{"employee": ..., "answers.*": ...}``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from app.core.errors import ValidationFailed

# What a JSON client is told, by pydantic's error type, when a model has no words of its own.
GENERIC = {
    "missing": "required",
    "extra_forbidden": "unknown field",
    "string_type": "must be text",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "dict_type": "must be an object",
    "list_type": "must be an array",
}
SAID = "said"  # the type of a PydanticCustomError whose message is meant for the client as it is


def said(message: str) -> PydanticCustomError:
    """An error a validator raises to tell the client exactly ``message`` about its field."""
    return PydanticCustomError(SAID, message)


class Body(BaseModel):
    """A request body: JSON types taken as they are (no "1" for 1), unknown fields ignored unless a model forbids them."""

    model_config = ConfigDict(strict=True)

    entry_fields: ClassVar[frozenset[str]] = frozenset()
    messages: ClassVar[dict[str, str]] = {}


class Reply(BaseModel):
    """A response body; fields beyond the declared ones may follow."""

    model_config = ConfigDict(strict=True)


def field_name(model: type[Body], loc: tuple) -> tuple[str, str]:
    """(the field's key in ``fields``, the key of its message in ``model.messages``)."""
    parts = [str(p) for p in loc]
    if not parts:
        return "body", "body"
    if len(parts) > 1 and parts[0] in model.entry_fields:
        return f"{parts[0]}.{parts[1]}", f"{parts[0]}.*"
    return parts[0], parts[0]


def field_errors(model: type[Body], err: ValidationError) -> dict[str, str]:
    """pydantic's errors as ``{field: message}``; the first complaint about a field is the one kept."""
    fields: dict[str, str] = {}
    for problem in err.errors(include_url=False):
        key, pattern = field_name(model, problem["loc"])
        kind = problem["type"]
        if kind in ("missing", "extra_forbidden"):
            message = GENERIC[kind]
        elif kind == SAID:
            message = problem["msg"]
        else:
            message = model.messages.get(pattern) or GENERIC.get(kind) or "invalid"
        fields.setdefault(key, message)
    return fields


def parse(model: type[Body], data: Any, message: str, not_an_object: str = "The body must be a JSON object."):
    """``data`` (parsed JSON) as a ``model``; raises ValidationFailed with the fields it gets wrong."""
    if not isinstance(data, dict):
        raise ValidationFailed(not_an_object)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ValidationFailed(message, field_errors(model, err)) from None
