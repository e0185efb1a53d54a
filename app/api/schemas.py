"""The API's declared bodies: what each endpoint takes and answers. app.api.docs builds openapi.json from
them, request bodies are parsed with them (app.core.schemas.parse), and in testing every JSON answer is
checked against the model declared for its status code."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from app.calibration.schemas import CalibrationAnswersIn, CalibrationIn
from app.core.schemas import Body, Reply
from app.shopping.api_submission import ScorecardIn

__all__ = ["CalibrationAnswersIn", "CalibrationIn", "ScorecardIn"]

Percent = float | None


# ---------------------------------------------------------------- requests
class ReviewIn(Body):
    """The body of POST /scorecards/{id}/review."""

    decision: Literal["approve", "return", "reject"]
    note: str | None = Field(None, description="required to return or reject: why")

    messages: ClassVar[dict[str, str]] = {"decision": "invalid"}


class IdempotencyHeader(BaseModel):
    idempotency_key: str = Field(None, alias="Idempotency-Key", max_length=100)


class Period(BaseModel):
    from_: date = Field(None, alias="from")
    to: date = None


class DepartmentsQuery(Period):
    format: Literal["json", "csv"] = None


class StatementsQuery(BaseModel):
    since: str = Field(None, json_schema_extra={"format": "date-time"})
    limit: int = Field(None, ge=1, le=5000)


# ---------------------------------------------------------------- answers
class ErrorDetail(Reply):
    code: int
    message: str
    fields: dict[str, str]


class Error(Reply):
    error: ErrorDetail
    status: str = Field(None, description="on a 409 from a state change: the object's status now")


class Section(Reply):
    title: str
    percent: Percent


class SubmitResult(Reply):
    id: int
    status: str
    total_percent: Percent
    passed: bool
    critical_failed: bool
    sections: list[Section]


class Card(Reply):
    id: int
    status: str
    checklist: str
    department: str
    visited_at: str | None
    total_percent: Percent
    passed: bool | None
    critical_failed: bool | None
    late: bool = None
    sections: list[Section]
    answers: dict[str, Any]
    summary: str | None = None
    shopper: str = Field(None, description="only for the shopper and HR: their email")
    employee: str | None = Field(
        None, description="only for the shopper and HR: the email for HR, first name and initial for the shopper"
    )


class DepartmentRow(Reply):
    id: int
    path: str
    parent_id: int | None
    employees: int
    shop_count: int
    shop_avg_percent: Percent
    shop_pass_rate: Percent
    critical_failures: int
    quiz_attempts: int
    quiz_avg_percent: Percent
    quiz_pass_rate: Percent
    assigned: int
    completed: int
    overdue: int
    completion_rate: Percent
    level: Literal["zero", "formal", "functional", "culture", "full"] | None


class DepartmentsReport(Reply):
    departments: list[DepartmentRow]


class AssignmentRow(Reply):
    course: Any
    reason: Any
    due: Any
    status: Any


class EmployeeReport(Reply):
    email: str
    name: str
    department: str | None
    shop_count: int
    shop_avg_percent: Percent = Field(description="null below the fairness minimum")
    cards: list[Any]
    quizzes: list[Any]
    open_disputes: int = None
    assignments: list[AssignmentRow]


class Statements(Reply):
    statements: list[Any]
    more: bool


class EffectGroup(Reply):
    cards: int = Field(description="approved cards with items of the skill in the period")
    before: float | None = Field(description="pass rate (0-1) before training; null without enough data")
    after: float | None = Field(description="pass rate (0-1) after training; null without enough data")


class SkillEffect(Reply):
    skill: str
    trained: EffectGroup
    comparison: EffectGroup
    effect: float | None = Field(
        description="difference in differences of the pass rate (0-1): the trained group's change less the "
        "comparison group's; null without enough data"
    )
    ci: list[float] | None = Field(description="95 % interval [low, high], analytic (effect ± 1.96 SE)")
    enough_data: bool


class EffectReport(Reply):
    skills: list[SkillEffect]


class Created(Reply):
    id: int


class CalibrationItem(Reply):
    id: str
    agreement: float | None = Field(
        description="the share of the shoppers who submitted whose answer is the reference's "
        "(an unanswered item does not match); null while nobody has submitted"
    )
    reference: Literal["yes", "no", "na"] = None
    low_agreement: bool = Field(None, description="below CALIBRATION_ITEM_THRESHOLD: worth rewording")


class CalibrationShopper(Reply):
    email: str
    agreement: float = Field(
        description="the share of the reference's items the shopper answered as the reference (unanswered: no match)"
    )
    passed: bool = Field(None, description="agreement at or above CALIBRATION_THRESHOLD")
    differs_on: list[str]


class CalibrationResults(Reply):
    id: int = None
    title: str = None
    checklist: str = None
    submitted: int = Field(None, description="shoppers who submitted")
    threshold: float = None
    alpha: float | None = Field(
        description="Krippendorff's alpha (nominal) among the shoppers, items as units, the reference not a "
        "coder, unanswered items missing; null when undefined (fewer than two shoppers, nothing pairable, "
        "or no variation)"
    )
    items: list[CalibrationItem]
    shoppers: list[CalibrationShopper]
