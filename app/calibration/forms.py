from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.content.checklist_fields import add_item_fields, answer_choices
from app.content.model import Checklist
from app.core.i18n import lazy_gettext as _l


def make_exercise_form(checklist: Checklist):
    """HR's exercise: a title, the scenario in Markdown, and per item the expert's answer and reasoning."""

    class ExerciseForm(FlaskForm):
        title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
        scenario = TextAreaField(
            _l("Scenario (Markdown): the account of the visit or call the shoppers score"),
            validators=[DataRequired(), Length(max=100_000)],
        )
        submit = SubmitField(_l("Create the exercise"))

    for item in checklist.items():
        setattr(
            ExerciseForm,
            f"reference-{item.id}",
            RadioField(choices=answer_choices(), validators=[Optional()], validate_choice=False),
        )
        setattr(ExerciseForm, f"reasoning-{item.id}", TextAreaField(validators=[Optional()]))
    return ExerciseForm


def make_scoring_form(checklist: Checklist):
    """The shopper's blind scoring: the same items as a real card, saved as they go."""

    class ScoringForm(FlaskForm):
        save = SubmitField(_l("Save draft"))
        submit = SubmitField(_l("Submit my answers"))

    add_item_fields(ScoringForm, checklist)
    return ScoringForm
