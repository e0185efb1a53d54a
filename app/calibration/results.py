"""What an exercise shows, recomputed from the answers each time: Krippendorff's alpha among the shoppers,
agreement with the reference per item and per shopper, and whether a shopper needs calibration.

- Alpha: nominal, yes / no / n.a. as three categories, the checklist's items as units, the shoppers who
  submitted as coders (the reference is not one); an unanswered item is a missing value.
- An item's agreement: of the shoppers who submitted, the share whose answer is the reference's
  (an unanswered item does not match); None while nobody has submitted.
- A shopper's agreement: the share of the reference's items they answered as the reference did.
- A shopper needs calibration while their latest submitted exercise is below CALIBRATION_THRESHOLD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from flask import current_app
from sqlalchemy import func, select

from app.calibration.alpha import nominal_alpha
from app.calibration.models import Calibration, CalibrationResponse
from app.content import services as content
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.extensions import db


def _threshold(key: str) -> Fraction:
    return Fraction(str(current_app.config[key]))


@dataclass
class ItemResult:
    id: str
    text: str
    reference: str
    reasoning: str | None
    matches: int
    agreement: float | None
    low: bool  # below CALIBRATION_ITEM_THRESHOLD: worth rewording


@dataclass
class ShopperResult:
    response: CalibrationResponse
    matches: int
    agreement: float
    passed: bool
    differs_on: list[str] = field(default_factory=list)

    @property
    def shopper(self):
        return self.response.shopper


@dataclass
class Results:
    calibration: Calibration
    alpha: float | None
    items: list[ItemResult]
    shoppers: list[ShopperResult]
    threshold: float

    @property
    def submitted(self) -> int:
        return len(self.shoppers)

    def for_shopper(self, shopper_id: int) -> ShopperResult | None:
        return next((s for s in self.shoppers if s.response.shopper_id == shopper_id), None)


def item_order(calibration: Calibration) -> list[tuple[str, str]]:
    """(item id, text) of the exercise's checklist, in the checklist's order."""
    return [(item.id, item.text) for item in content.document(calibration.checklist_version).items()]


def score_response(calibration: Calibration, answers: dict[str, str]) -> tuple[int, list[str]]:
    """(how many reference items the answers match, the reference items they differ on, in order)."""
    reference = {r.item_id: r.answer for r in calibration.reference}
    order = [i for i, _text in item_order(calibration) if i in reference]
    differs = [i for i in order if answers.get(i) != reference[i]]
    return len(order) - len(differs), differs


def submitted_responses(calibration: Calibration) -> list[CalibrationResponse]:
    return list(
        db.session.scalars(
            select(CalibrationResponse)
            .where(CalibrationResponse.calibration_id == calibration.id, CalibrationResponse.status == "submitted")
            .order_by(CalibrationResponse.submitted_at, CalibrationResponse.id)
        )
    )


def results(calibration: Calibration) -> Results:
    """The exercise's figures from its reference and the submitted answers."""
    responses = submitted_responses(calibration)
    answers = [r.answer_map() for r in responses]
    order = item_order(calibration)
    reference = {r.item_id: r for r in calibration.reference}
    alpha = nominal_alpha([a[i] for a in answers if i in a] for i, _text in order) if len(responses) >= 2 else None
    item_limit = _threshold("CALIBRATION_ITEM_THRESHOLD")
    items = []
    for item_id, text in order:
        ref = reference.get(item_id)
        if ref is None:
            continue
        matches = sum(1 for a in answers if a.get(item_id) == ref.answer)
        share = Fraction(matches, len(answers)) if answers else None
        low = share is not None and share < item_limit
        items.append(ItemResult(item_id, text, ref.answer, ref.reasoning, matches, _float(share), low))
    limit = _threshold("CALIBRATION_THRESHOLD")
    shoppers = []
    for response, given in zip(responses, answers, strict=True):
        matches, differs = score_response(calibration, given)
        share = Fraction(matches, len(reference)) if reference else Fraction(0)
        shoppers.append(ShopperResult(response, matches, float(share), share >= limit, differs))
    return Results(calibration, _float(alpha), items, shoppers, float(limit))


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------- the hold on new visits
def latest_responses(shopper_ids=None) -> dict[int, CalibrationResponse]:
    """Each shopper's most recently submitted exercise (of ``shopper_ids`` when given)."""
    ranked = select(
        CalibrationResponse.id,
        func.row_number()
        .over(
            partition_by=CalibrationResponse.shopper_id,
            order_by=(CalibrationResponse.submitted_at.desc(), CalibrationResponse.id.desc()),
        )
        .label("rank"),
    ).where(CalibrationResponse.status == "submitted")
    if shopper_ids is not None:
        ranked = ranked.where(CalibrationResponse.shopper_id.in_(list(shopper_ids)))
    ranked = ranked.subquery()
    latest = db.session.scalars(
        select(CalibrationResponse).join(ranked, ranked.c.id == CalibrationResponse.id).where(ranked.c.rank == 1)
    )
    return {r.shopper_id: r for r in latest}


def passes(response: CalibrationResponse) -> bool:
    calibration = response.calibration
    matches, _differs = score_response(calibration, response.answer_map())
    total = len(calibration.reference)
    return total > 0 and Fraction(matches, total) >= _threshold("CALIBRATION_THRESHOLD")


def needing_calibration(shopper_ids=None) -> set[int]:
    """The shoppers (of ``shopper_ids`` when given) whose latest submitted exercise is below the threshold."""
    return {sid for sid, response in latest_responses(shopper_ids).items() if not passes(response)}


def needs_calibration(shopper) -> bool:
    return shopper.id in needing_calibration([shopper.id])


HOLD_EN = (
    "needs calibration: the shopper's latest calibration exercise is below the agreement threshold; "
    "no new visits until they pass a later exercise"
)


class NeedsCalibration(DomainError):
    """A shopper below the threshold in their latest exercise: no new visits until they pass a later one."""


def hold_message() -> str:
    return str(
        _l(
            "You need calibration: your latest calibration exercise agreed with the expert on less than "
            "%(p)s%% of the items, so you cannot take new visits until you pass a later exercise.",
            p=f"{float(_threshold('CALIBRATION_THRESHOLD')) * 100:g}",
        )
    )


def check_not_held(shopper) -> None:
    """Raise NeedsCalibration for a shopper who needs calibration."""
    if needs_calibration(shopper):
        raise NeedsCalibration(hold_message())


def as_json(res: Results, only_shopper_id: int | None = None) -> dict:
    """The figures as the API gives them; ``only_shopper_id``: a shopper reading their own row only."""
    shoppers = [s for s in res.shoppers if only_shopper_id is None or s.response.shopper_id == only_shopper_id]
    return {
        "id": res.calibration.id,
        "title": res.calibration.title,
        "checklist": res.calibration.checklist_version.item.slug,
        "submitted": res.submitted,
        "threshold": res.threshold,
        "alpha": res.alpha,
        "items": [
            {"id": i.id, "agreement": i.agreement, "reference": i.reference, "low_agreement": i.low} for i in res.items
        ],
        "shoppers": [
            {"email": s.shopper.email, "agreement": s.agreement, "passed": s.passed, "differs_on": s.differs_on}
            for s in shoppers
        ],
    }
