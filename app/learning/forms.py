from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.i18n import lazy_gettext as _l
from app.core.widgets import LongSelect
from app.learning.services import ShownQuestion


class ReadForm(FlaskForm):
    submit = SubmitField(_l("I have read this"))


class StartForm(FlaskForm):
    submit = SubmitField(_l("Start the quiz"))


def order_field_name(key: str, index: int) -> str:
    return f"{key}_pos_{index}"


def make_attempt_form(shown: list[ShownQuestion], saved: dict[str, list[int]]):
    """A form with one field per question (one position field per item for order questions)."""

    class AttemptForm(FlaskForm):
        save = SubmitField(_l("Save answers"))
        finish = SubmitField(_l("Finish and see the result"))
        finish_anyway = SubmitField(_l("Finish anyway"))  # the confirmation when questions are unanswered

    for sq in shown:
        q = sq.question
        choices = [(str(i), str(i)) for i in sq.option_order]
        previous = saved.get(q.key)
        if q.type == "single":
            field = RadioField(
                choices=choices,
                validators=[Optional()],
                validate_choice=False,
                default=str(previous[0]) if previous else None,
            )
            setattr(AttemptForm, q.key, field)
        elif q.type == "multiple":
            field = SelectMultipleField(
                choices=choices,
                validators=[Optional()],
                validate_choice=False,
                default=[str(i) for i in previous or []],
            )
            setattr(AttemptForm, q.key, field)
        else:
            positions = [("", "—")] + [(str(p), str(p)) for p in range(1, len(q.options) + 1)]
            placed = {index: pos for pos, index in enumerate(previous or [], start=1)}
            for index in sq.option_order:
                field = SelectField(
                    choices=positions,
                    validators=[Optional()],
                    validate_choice=False,
                    default=str(placed[index]) if index in placed else "",
                )
                setattr(AttemptForm, order_field_name(q.key, index), field)
    return AttemptForm


def _ints(values) -> list[int] | None:
    """The values as whole numbers, or None if any is not one (a tampered form)."""
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        return None


def responses_from_form(form, shown: list[ShownQuestion]) -> tuple[dict[str, list[int]], dict[str, str]]:
    """(question key -> response, question key -> problem) from a submitted attempt form."""
    responses: dict[str, list[int]] = {}
    problems: dict[str, str] = {}
    invalid = str(_l("This answer is not valid."))
    for sq in shown:
        q = sq.question
        if q.type == "single":
            value = getattr(form, q.key).data
            if value in (None, "", "None"):
                continue
            picked = _ints([value])
        elif q.type == "multiple":
            picked = _ints(getattr(form, q.key).data or [])
        else:
            raw = {index: getattr(form, order_field_name(q.key, index)).data for index in sq.option_order}
            numbers = _ints(v for v in raw.values() if v)
            if numbers is None:
                problems[q.key] = invalid
                continue
            positions = {index: int(v) for index, v in raw.items() if v}
            if not positions:
                continue
            if len(positions) < len(q.options) or len(set(positions.values())) != len(positions):
                problems[q.key] = str(_l("Give every item a different position."))
                continue
            picked = [index for index, _pos in sorted(positions.items(), key=lambda kv: kv[1])]
        if picked is None:
            problems[q.key] = invalid
        else:
            responses[q.key] = picked
    return responses, problems


class AssignForm(FlaskForm):
    course = SelectField(_l("Course"))
    department = SelectField(
        _l("Department (everyone in it and below, including people who join later)"),
        coerce=int,
        validators=[Optional()],
        widget=LongSelect(),
    )
    people = SelectMultipleField(_l("People"), coerce=int, validators=[Optional()], validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[Optional()])
    repeat_months = IntegerField(
        _l("Repeat every … months (empty: once)"),
        validators=[Optional(), NumberRange(min=1, max=120)],
        description=_l("A refresher: when the period ends the course reopens, with the due date moved on as well."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional()])
    submit = SubmitField(_l("Assign"))


class PracticeForm(FlaskForm):
    """One practice answer: the item, the token the page handed out with it, the options chosen."""

    item = HiddenField(validators=[DataRequired(), Length(max=140)])
    token = HiddenField(validators=[DataRequired(), Length(max=64)])
    more = HiddenField()
    choice = SelectMultipleField(validators=[Optional()], validate_choice=False)
    guessed = BooleanField(_l("I guessed"))
    submit = SubmitField(_l("Check my answer"))


def form_error(form, err) -> None:
    """A service's refusal shown at the field it names, else above the form."""
    target = getattr(form, err.field, None) if err.field else None
    if target is not None and isinstance(target.errors, list):
        target.errors.append(err.message)
    else:
        form.form_errors.append(err.message)


class DueDateForm(FlaskForm):
    due_on = DateField(_l("Due date"), validators=[Optional()], description=_l("Empty: no due date."))
    submit = SubmitField(_l("Save the due date"))


class CancelAssignmentForm(FlaskForm):
    submit = SubmitField(_l("Cancel the assignment"))
