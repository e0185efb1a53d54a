"""Calibration of mystery shoppers: the same written scenario scored blind by several shoppers against an
expert's reference, with Krippendorff's alpha, agreement per item and per shopper, and a hold on new
visits for a shopper below the threshold until they pass a later exercise."""

from flask import Blueprint

bp = Blueprint("calibration", __name__, url_prefix="/calibration")

from app.calibration import routes  # noqa: E402,F401
