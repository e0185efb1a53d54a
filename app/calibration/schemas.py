"""The JSON bodies of the calibration API (re-exported by app.api.schemas for the OpenAPI document)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from app.core.schemas import Body

Answer = Literal["yes", "no", "na"]


class CalibrationIn(Body):
    """The body of POST /calibrations."""

    model_config = Body.model_config | {"extra": "forbid"}

    checklist: str = Field(description="the checklist's id, as published (as in POST /scorecards)")
    title: str = Field(min_length=1, max_length=300)
    scenario: str = Field(max_length=100_000, description="the account of the visit or call, in Markdown")
    reference: dict[str, Answer] = Field(description="the expert's answers: item id to yes, no or na")
    reasoning: dict[str, str] = Field(
        default_factory=dict, description="item id to the expert's reasoning, shown to shoppers who differ"
    )

    entry_fields: ClassVar[frozenset[str]] = frozenset({"reference", "reasoning"})
    messages: ClassVar[dict[str, str]] = {
        "title": "required: 1 to 300 characters",
        "scenario": "must be Markdown text (100000 characters at most)",
        "reference": "required: an object of item id to yes, no or na",
        "reference.*": "must be yes, no or na",
        "reasoning": "must be an object of item id to text",
        "reasoning.*": "must be text",
    }


class CalibrationAnswersIn(Body):
    """The body of POST /calibrations/{id}/answers: an item left out is unanswered (a missing value)."""

    model_config = Body.model_config | {"extra": "forbid"}

    answers: dict[str, Answer] = Field(description="item id to yes, no or na")

    entry_fields: ClassVar[frozenset[str]] = frozenset({"answers"})
    messages: ClassVar[dict[str, str]] = {
        "answers": "required: an object of item id to yes, no or na",
        "answers.*": "must be yes, no or na",
    }
