from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.content.checklist_fields import add_item_fields, answer_choices
from app.content.model import Checklist
from app.core.i18n import lazy_gettext as _l
from app.core.inputs import FIRST_DAY, LAST_DAY, in_calendar
from app.core.widgets import LongSelect

UNIDENTIFIED = 0


def in_calendar_years(form, field) -> None:
    """A date or date-time between FIRST_DAY and LAST_DAY (year 1 has no UTC time east of Greenwich)."""
    if field.data is not None:
        day = field.data.date() if hasattr(field.data, "date") else field.data
        if not in_calendar(day):
            raise ValidationError(
                _l("Choose a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
            )


def make_card_form(checklist: Checklist):
    """One yes/no/n-a field and one comment field per checklist item, plus the visit details."""

    class CardForm(FlaskForm):
        visited_at = DateTimeLocalField(
            _l("Date and time of the visit"),
            validators=[Optional(), in_calendar_years],
            format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        )
        duration_min = IntegerField(_l("Duration, minutes"), validators=[Optional(), NumberRange(min=0, max=24 * 60)])
        employee = SelectField(_l("Who served you"), coerce=int, validators=[Optional()], widget=LongSelect())
        unidentified_note = TextAreaField(_l("If you could not identify them: describe them"), validators=[Optional()])
        summary = TextAreaField(_l("Overall comment"), validators=[Optional()])
        save = SubmitField(_l("Save draft"))
        submit = SubmitField(_l("Submit the card"))

    add_item_fields(CardForm, checklist)
    return CardForm


class EvidenceForm(FlaskForm):
    file = FileField(_l("Photo, receipt or audio"), validators=[FileRequired()])
    item = HiddenField(validators=[Optional(), Length(max=100)])  # the checklist item it shows, if one
    upload = SubmitField(_l("Attach"))


class RemoveEvidenceForm(FlaskForm):
    remove = SubmitField(_l("Remove"))


class ScheduleForm(FlaskForm):
    departments = SelectMultipleField(
        _l("Departments"), coerce=int, validators=[DataRequired()], widget=LongSelect(multiple=True)
    )
    checklist = SelectField(_l("Checklist"), validators=[DataRequired()])
    window_start = DateField(_l("From"), validators=[DataRequired()])
    window_end = DateField(_l("To"), validators=[DataRequired()])
    shopper = SelectField(_l("Shopper"), coerce=int, validators=[Optional()], widget=LongSelect())
    scenario = TextAreaField(_l("Scenario note"), validators=[Optional()])
    submit = SubmitField(_l("Schedule"))


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("Note (required to return or reject)"), validators=[Optional()])
    approve = SubmitField(_l("Approve"))
    send_back = SubmitField(_l("Return to the shopper"))
    reject = SubmitField(_l("Reject"))


class DisputeForm(FlaskForm):
    item = StringField(validators=[DataRequired()])
    reason = TextAreaField(_l("Why is this answer wrong?"), validators=[DataRequired()])
    submit = SubmitField(_l("Dispute this item"))


class SettleForm(FlaskForm):
    note = TextAreaField(_l("Note (required to reject)"), validators=[Optional()])
    new_answer = SelectField(_l("Settled answer"), choices=answer_choices(), validators=[Optional()])
    accept = SubmitField(_l("Accept"))
    reject = SubmitField(_l("Reject"))


class ClaimForm(FlaskForm):
    submit = SubmitField(_l("Take this visit"))


class AcknowledgeForm(FlaskForm):
    submit = SubmitField(_l("I have read this card: acknowledge"))
